"""Datagen through the SourceRunner on the real broker: quickstart records through JSON and Avro (the registry)
converters, exactly once with their offsets, which a cold runner reads back."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from connect_core.runtime.source_runner import SourceRunner
from connect_core.storage.offset_store import OffsetStore
from tests.integration.runtime.conftest import consume_committed

if TYPE_CHECKING:
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

DATAGEN = "io.confluent.kafka.connect.datagen.DatagenConnector"


def _budget(ms: float = 30_000) -> Any:
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


def _deploy(cluster: Cluster, name: str, **config: str) -> None:
    config = {"connector.class": DATAGEN, "tasks.max": "1", "max.interval": "0", **config}
    cluster.deploy(name, config, [{**config, "task.id": "0"}])


def test_orders_as_json_exactly_once_and_a_cold_runner_reads_its_place_back(
    cluster: Cluster, kafka_bootstrap: str,
) -> None:
    topic = f"{cluster.worker.group_id}-orders"
    name = f"datagen-{uuid.uuid4().hex[:6]}"
    _deploy(cluster, name, **{"kafka.topic": topic, "quickstart": "orders", "iterations": "30", "random.seed": "9",
                              "key.converter": "org.apache.kafka.connect.converters.IntegerConverter",
                              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                              "value.converter.schemas.enable": "false"})
    first = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                         status_store=cluster.statuses, max_records=12)
    assert first.run(name, 0, _budget()).records == 30  # one poll of max.interval=0 gives them all
    cold = SourceRunner(cluster.worker, config_store=cluster.configs,
                        offset_store=OffsetStore(cluster.worker.kafka, cluster.worker.storage),
                        status_store=cluster.statuses)
    assert cold.run(name, 0, _budget()).records == 0  # iterations reached, read back from the offsets topic

    records = consume_committed(kafka_bootstrap, topic, 30)
    values = [json.loads(value) for _, value, _ in records]
    assert [v["orderid"] for v in values] == list(range(30))
    assert [int.from_bytes(key, "big") for key, _, _ in records] == list(range(30))  # schema.keyfield orderid
    assert all(1487715775521 <= v["ordertime"] < 1519273364600 and 0.1 <= v["orderunits"] < 10.0
               and v["itemid"].startswith("Item_") for v in values)
    assert dict(records[-1][2])["current.iteration"] == b"29"  # an int64 header, by SimpleHeaderConverter
    cluster.offsets.refresh()
    assert cluster.offsets.offset(name, {"task.id": 0})["current.iteration"] == 30


def test_users_through_the_avro_converter_and_the_registry(cluster: Cluster, kafka_bootstrap: str,
                                                           schema_registry_url: str) -> None:
    topic = f"{cluster.worker.group_id}-users"
    name = f"datagen-{uuid.uuid4().hex[:6]}"
    _deploy(cluster, name, **{"kafka.topic": topic, "quickstart": "users", "iterations": "20",
                              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                              "value.converter": "io.confluent.connect.avro.AvroConverter",
                              "value.converter.schema.registry.url": schema_registry_url})
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    assert runner.run(name, 0, _budget()).records == 20

    records = consume_committed(kafka_bootstrap, topic, 20)
    deserialize = AvroDeserializer(SchemaRegistryClient({"url": schema_registry_url}))
    users = [deserialize(value, SerializationContext(topic, MessageField.VALUE)) for _, value, _ in records]
    assert all(u["userid"].startswith("User_") and u["gender"] in ("MALE", "FEMALE", "OTHER")
               and u["regionid"].startswith("Region_") for u in users)
    assert [key.decode() for key, _, _ in records] == [u["userid"] for u in users]

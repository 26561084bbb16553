"""debezium-examples' tutorial ``register-mysql-avro.json`` as published (addresses changed, and the captured
database: the tutorial's ``inventory`` would be shared by every test), its events written by our AvroConverter to the
real registry and read back by confluent-kafka's own AvroDeserializer, as a consumer of Debezium's topics reads them.
Before the AvroData fix the first record failed with ``DataError: Mismatching struct schema`` (``before``/``after``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
from connect_core.runtime import registry
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.source_pipeline import SourcePipeline
from connect_core.transforms.chain import build_chain
from tests.fixtures.published import published
from tests.integration.connectors.binlog.conftest import MemoryOffsetReader

if TYPE_CHECKING:
    from tests.integration.connectors.binlog.conftest import CdcDb

pytestmark = pytest.mark.integration


def test_the_debezium_tutorial_with_avro_converters(cdc_db: CdcDb, schema_registry_url: str) -> None:
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    from connect_core.connectors.binlog.source_connector import MySqlConnector
    from connect_core.connectors.binlog.source_task import FLAVOUR_CONFIG

    db = cdc_db
    db.sql("CREATE TABLE customers (id INT PRIMARY KEY, first_name VARCHAR(255) NOT NULL, email VARCHAR(255))",
           "INSERT INTO customers VALUES (1001, 'Sally', 'sally.thomas@acme.com')")
    settings = db.settings
    config = published("debezium-examples_register-mysql-avro.json", **{
        "database.hostname": settings["host"], "database.port": settings["port"], "database.user": settings["user"],
        "database.password": settings["password"], "topic.prefix": db.prefix, "database.include.list": db.name,
        "schema.history.internal.kafka.bootstrap.servers": "127.0.0.1:9092",
        "key.converter.schema.registry.url": schema_registry_url,
        "value.converter.schema.registry.url": schema_registry_url})
    connector = MySqlConnector()
    assert [v["name"] for v in connector.validate(config) if v["errors"]] == []
    connector.start(config)
    [task_config] = connector.task_configs(1)
    own = db.props()
    records = db.run(MemoryOffsetReader(), **{k: v for k, v in task_config.items()
                                              if k not in own or k == FLAVOUR_CONFIG})  # the tutorial's MySqlConnector

    pipeline = SourcePipeline(ConverterSet.from_config(config), build_chain(config, registry.find),
                              RetryWithToleranceOperator.from_config(ErrorHandlingConfig.parse(config), reporters=[]))
    args, skipped, _size = pipeline.produce_args([r for r in records if r.topic.endswith(".customers")], None)
    assert skipped == 0 and len(args) == 1
    topic, value, key = args[0][0], args[0][1], args[0][2]
    theirs = SchemaRegistryClient({"url": schema_registry_url})
    read_value = AvroDeserializer(theirs)(value, SerializationContext(topic, MessageField.VALUE))
    read_key = AvroDeserializer(theirs)(key, SerializationContext(topic, MessageField.KEY))
    assert read_key == {"id": 1001}
    assert read_value["before"] is None and read_value["op"] == "r"
    assert read_value["after"] == {"id": 1001, "first_name": "Sally", "email": "sally.thomas@acme.com"}
    assert read_value["source"]["connector"] == "mysql" and read_value["source"]["name"] == db.prefix

"""Avro through the schema registry into Iceberg: a producer's own Avro (fastavro, Confluent's wire format, schemas
registered under ``<topic>-value``) read by the SinkRunner with ``io.confluent.connect.avro.AvroConverter``, Avro's
logical types and nested types mapped as Iceberg's sink maps the Connect schemas AvroData makes of them, and a second
schema version (a field added with a default) evolving the table."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import struct
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.runtime.sink_runner import SinkRunner
from tests.integration.connectors.iceberg.test_iceberg_runner import _table
from tests.integration.runtime.test_sink_runner import msk_event

if TYPE_CHECKING:
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")
fastavro = pytest.importorskip("fastavro")

ORDER_V1: dict[str, Any] = {"type": "record", "name": "Order", "namespace": "shop", "fields": [
    {"name": "id", "type": "long"},
    {"name": "name", "type": ["null", "string"], "default": None},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
    {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": "long"}},
    {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
        {"name": "city", "type": "string"}, {"name": "zip", "type": ["null", "int"], "default": None}]}},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
]}
ORDER_V2 = {**ORDER_V1, "fields": [*ORDER_V1["fields"], {"name": "note", "type": ["null", "string"],
                                                          "default": None}]}
T0 = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)


def _register(registry: str, subject: str, schema: dict[str, Any]) -> int:
    """Register ``schema`` under ``subject`` (Confluent's REST API); the schema id."""
    body = json.dumps({"schema": json.dumps(schema)}).encode()
    request = urllib.request.Request(f"{registry}/subjects/{subject}/versions", data=body, method="POST",
                                     headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.loads(response.read())["id"])


def _order(i: int, evolved: bool) -> dict[str, Any]:
    order = {"id": i, "name": None if i % 3 == 0 else f"n{i}", "ts": T0 + dt.timedelta(minutes=i),
             "amount": decimal.Decimal(i * 101).scaleb(-2), "day": dt.date(2024, 5, 1) + dt.timedelta(days=i),
             "tags": [f"t{j}" for j in range(i % 3)], "attrs": {"n": i},
             "address": {"city": f"c{i % 2}", "zip": None if i % 2 else 1000 + i}, "status": "PAID" if i % 2 else "NEW"}
    return {**order, "note": f"note {i}"} if evolved else order


def _wire(schema_id: int, schema: dict[str, Any], datum: dict[str, Any]) -> bytes:
    """Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro binary."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), datum)
    return b"\0" + struct.pack(">I", schema_id) + out.getvalue()


def test_avro_from_the_registry_lands_with_icebergs_types_and_evolves(cluster: Cluster, props: dict[str, str],
                                                                     schema_registry_url: str) -> None:
    """Ten records of version 1, then five of version 2 (``note`` added with a default): timestamp-millis as
    timestamptz, decimal as decimal(38, 2), date, array, map, a nested record, an enum as string; ``note`` an
    optional column added by evolution; every row read back."""
    from connect_core.coordinator.herder.task_configs import generate_task_configs

    topic, table = f"ice-avro-{uuid.uuid4().hex[:8]}", f"db_{uuid.uuid4().hex[:6]}.orders"
    v1 = _register(schema_registry_url, f"{topic}-value", ORDER_V1)
    v2 = _register(schema_registry_url, f"{topic}-value", ORDER_V2)
    name = props["name"]
    config = {**props, "topics": topic, "tasks.max": "1", "iceberg.tables": table,
              "iceberg.tables.evolve-schema-enabled": "true",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "io.confluent.connect.avro.AvroConverter",
              "value.converter.schema.registry.url": schema_registry_url}
    cluster.deploy(name, config, generate_task_configs(name, config))
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)

    first = runner.handle(msk_event(topic, [_wire(v1, ORDER_V1, _order(i, False)) for i in range(10)]))
    second = runner.handle(msk_event(topic, [_wire(v2, ORDER_V2, _order(i, True)) for i in range(10, 15)],
                                     first_offset=10))

    assert (first.response(), first.offsets, second.response(), second.offsets) == (
        {}, {f"{topic}-0": 10}, {}, {f"{topic}-0": 15})
    loaded = _table(props, table)
    assert [(f.name, str(f.field_type), f.required) for f in loaded.schema().fields] == [
        ("id", "long", True), ("name", "string", False), ("ts", "timestamptz", True),
        ("amount", "decimal(38, 2)", True), ("day", "date", True), ("tags", "list<string>", True),
        ("attrs", "map<string, long>", True),
        ("address", "struct<13: city: required string, 14: zip: optional int>", True), ("status", "string", True),
        ("note", "string", False)]
    rows = sorted(loaded.scan().to_arrow().to_pylist(), key=lambda r: r["id"])
    assert [{**r, "attrs": dict(r["attrs"])} for r in rows] == [
        {**_order(i, False), "note": None} for i in range(10)] + [_order(i, True) for i in range(10, 15)]

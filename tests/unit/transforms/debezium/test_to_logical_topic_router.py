"""The Debezium topic routers (parity with the jar: tests/compat/test_debezium_transforms_compat.py)."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConnectError, DataError
from connect_core.api.schema import Schema
from connect_core.transforms.debezium.to_logical_topic_router import (
    ByLogicalTableRouter,
    ToLogicalTopicRouter,
    adjust_schema_name,
)
from tests.unit.transforms.debezium._events import event, row, tombstone

SHARDS = {"topic.regex": "(.*)customers(.*)", "topic.replacement": "$1all_customers"}


def _router(cls: type[ToLogicalTopicRouter] = ByLogicalTableRouter, **extra: str) -> ToLogicalTopicRouter:
    smt = cls()
    smt.configure({**SHARDS, **{k.replace("_", "."): v for k, v in extra.items()}})
    return smt


def test_a_matching_topic_is_rerouted_with_renamed_schemas_and_the_table_in_the_key() -> None:
    out = _router().apply(event("c", None, row()))
    assert out.topic == "pg.public.all_customers"
    assert out.key_schema.name == "pg.public.all_customers.Key"
    assert out.key.get("__dbz__physicalTableIdentifier") == "pg.public.customers"
    assert out.key_schema.field("__dbz__physicalTableIdentifier").schema == Schema.STRING_SCHEMA
    assert out.value_schema.name == "pg.public.all_customers.Envelope"
    assert out.value_schema.field("after").schema.name == "pg.public.all_customers.Value"
    assert out.value.get("after").values() == [1, "Ann", 5]
    assert out.value.get("source").get("table") == "customers"


def test_to_logical_topic_router_names_the_key_field_source_identifier() -> None:
    out = _router(ToLogicalTopicRouter, key_field_regex="(.*)\\.(.*)", key_field_replacement="$2").apply(
        event("u", row(), row()))
    assert out.key.get("__dbz__sourceIdentifier") == "customers"


def test_without_uniqueness_the_key_only_gets_renamed() -> None:
    out = _router(key_enforce_uniqueness="false").apply(event("c", None, row()))
    assert [f.name for f in out.key_schema.fields] == ["id"]


def test_tombstones_keep_a_null_value_and_unmatched_topics_pass() -> None:
    out = _router().apply(tombstone())
    assert (out.topic, out.value, out.key.get("id")) == ("pg.public.all_customers", None, 1)
    record = event("c", None, row())
    assert _router(topic_regex="nomatch").apply(record) is record


def test_schema_names_are_adjusted_for_avro_on_request() -> None:
    assert adjust_schema_name("1-a#b.Key", "avro") == "_1_a_b.Key"
    assert adjust_schema_name("1-a#b.Key", "avro_unicode") == "_u0031_u002da_u0023b.Key"
    assert adjust_schema_name("1-a#b.Key", "none") == "1-a#b.Key"


def test_a_schemaless_key_is_refused() -> None:
    record = event("c", None, row())
    record = record.new_record(record.topic, 0, None, {"id": 1}, record.value_schema, record.value, None)
    with pytest.raises(DataError, match=r"Only Struct objects supported for \[Updating schema\]"):
        _router().apply(record)


@pytest.mark.parametrize("config", [
    {"topic.regex": "(.*)"}, {"topic.regex": "(", "topic.replacement": "x"}, {**SHARDS, "key.field.regex": "x"},
    {**SHARDS, "topic.replacement": " "}, {**SHARDS, "schema.name.adjustment.mode": "snake"},
])  # fmt: skip
def test_bad_configs_fail_as_debeziums(config: dict[str, str]) -> None:
    with pytest.raises(ConnectError, match=r"^Unable to validate config\.$"):
        ByLogicalTableRouter().configure(config)

"""Debezium's SMTs compared with Debezium 3.7.0.Final's jar (debezium-connect-plugins, in tests/compat/pom.xml).

The same TransformOracle.java that runs Kafka's SMTs loads ``io.debezium.transforms.*`` by class name; each case is a
change event as Debezium's PostgreSQL connector writes it (``.Envelope`` value, ``source`` and ``transaction``
blocks), run through the chain on both sides and compared record for record: topic, key, value and headers as
JsonConverter writes them (schema names, versions, optionality, defaults), or the failing stage and exception class.
Schemaless (map) records and non-envelope structs are in the corpus too: Debezium passes them through.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.compat._oracle import RUN_DIR, maven_classpath, require_tool
from tests.compat.test_transforms_compat import (
    HERE,
    Case,
    _kafka,
    _unordered,
    array,
    env,
    f,
    one,
    run_ours,
    steps,
    struct,
    t,
)

pytestmark = pytest.mark.integration

DBZ = "io.debezium.transforms."
UNWRAP = DBZ + "ExtractNewRecordState"
TOPIC = "pg.public.customers"

ROW = struct(
    f("id", t("int32")),
    f("name", t("string", True)),
    f("email", t("string", True)),
    f("score", t("int32", True, default=0)),
    optional=True, name=f"{TOPIC}.Value",
)  # fmt: skip
_SNAPSHOT_VALUES = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"
SNAPSHOT = t("string", True, name="io.debezium.data.Enum", version=1, default="false",
             parameters={"allowed": _SNAPSHOT_VALUES})
SOURCE = struct(
    f("version", t("string")), f("connector", t("string")), f("name", t("string")), f("ts_ms", t("int64")),
    f("snapshot", SNAPSHOT), f("db", t("string")), f("sequence", t("string", True)), f("ts_us", t("int64", True)),
    f("ts_ns", t("int64", True)), f("schema", t("string")), f("table", t("string")), f("txId", t("int64", True)),
    f("lsn", t("int64", True)), f("xmin", t("int64", True)),
    name="io.debezium.connector.postgresql.Source", version=1,
)  # fmt: skip
TRANSACTION = struct(f("id", t("string")), f("total_order", t("int64")), f("data_collection_order", t("int64")),
                     optional=True, name="event.block", version=1)
ENVELOPE = struct(
    f("before", ROW), f("after", ROW), f("source", SOURCE), f("transaction", TRANSACTION), f("op", t("string")),
    f("ts_ms", t("int64", True)), f("ts_us", t("int64", True)), f("ts_ns", t("int64", True)),
    name=f"{TOPIC}.Envelope", version=2,
)  # fmt: skip
KEY_SCHEMA = struct(f("id", t("int32")), name=f"{TOPIC}.Key")
KEY = env(KEY_SCHEMA, {"id": 1})


def _source(snapshot: str = "false") -> dict[str, Any]:
    return {"version": "3.7.0.Final", "connector": "postgresql", "name": "pg", "ts_ms": 1700000000000,
            "snapshot": snapshot, "db": "shop", "sequence": '["1","2"]', "ts_us": 1700000000000123,
            "ts_ns": 1700000000000123456, "schema": "public", "table": "customers", "txId": 771, "lsn": 33554432,
            "xmin": None}  # fmt: skip


def row(id_: int = 1, name: str | None = "Ann", email: str | None = "ann@example.com", score: int | None = 5,
        ) -> dict[str, Any]:
    """One row of the table."""
    return {"id": id_, "name": name, "email": email, "score": score}


def event(op: str, before: dict[str, Any] | None, after: dict[str, Any] | None, *, tx: bool = True,
          snapshot: str = "false") -> str:
    """A change event envelope (JsonConverter form)."""
    transaction = {"id": "771:33554432", "total_order": 3, "data_collection_order": 1} if tx else None
    return env(ENVELOPE, {"before": before, "after": after, "source": _source(snapshot), "transaction": transaction,
                          "op": op, "ts_ms": 1700000000500, "ts_us": 1700000000500001, "ts_ns": 1700000000500001002})


CREATE = event("c", None, row())
UPDATE = event("u", row(score=5), row(name="Ann B", email=None, score=None))
DELETE = event("d", row(email=None, score=None), None)
READ = event("r", None, row(2, "Bob", None, 7), tx=False, snapshot="true")
TRUNCATE = event("t", None, None)
DROP_HEADER = ("dropped", env(array(t("string")), ["email", "id", "missing"]))


def unwrap(**cfg: Any) -> dict[str, str]:
    """``transforms=unwrap`` with ExtractNewRecordState."""
    return one(UNWRAP, "unwrap", **cfg)


def dbz(id_: str, props: dict[str, str], value: str | None, **kw: Any) -> Case:
    """A case on the customers topic, keyed by the row's key struct, as a source record (no headers unless given)."""
    return Case("dbz_" + id_, props, value, kw.pop("key", KEY), kw.pop("headers", ()), kw.pop("topic", TOPIC),
                kw.pop("partition", 0), kw.pop("timestamp", 1700000000600), kw.pop("record_type", "source"))


MODES = ("drop", "tombstone", "rewrite", "rewrite-with-tombstone", "delete-to-tombstone")
EVENTS = {"create": CREATE, "update": UPDATE, "delete": DELETE, "read": READ, "truncate": TRUNCATE, "tombstone": None}


def _extract_new_record_state_cases() -> list[Case]:
    out = [dbz(f"enrs_default_{name}", unwrap(), value) for name, value in EVENTS.items()]
    out += [dbz(f"enrs_{mode}_{name}", unwrap(delete_tombstone_handling_mode=mode), value)
            for mode in MODES for name, value in EVENTS.items()]
    out += [
        dbz("enrs_mode_upper_case", unwrap(delete_tombstone_handling_mode=" REWRITE "), DELETE),
        dbz("enrs_mode_invalid", unwrap(delete_tombstone_handling_mode="keep"), CREATE),
        # removed in Debezium 3.0: both are ignored (the default mode applies)
        dbz("enrs_legacy_delete_handling_mode", unwrap(delete_handling_mode="rewrite"), DELETE),
        dbz("enrs_legacy_drop_tombstones", unwrap(drop_tombstones="false"), None),
        dbz("enrs_add_fields", unwrap(add_fields="op,table,lsn,source.ts_ms,ts_ms,snapshot"), UPDATE),
        dbz("enrs_add_fields_prefix", unwrap(add_fields="op,db", add_fields_prefix="meta_"), CREATE),
        dbz("enrs_add_fields_renamed", unwrap(add_fields="op:OPERATION,source.ts_ms:EVENT_TS,table"), CREATE),
        dbz("enrs_add_fields_transaction", unwrap(add_fields="id,total_order,data_collection_order"), CREATE),
        dbz("enrs_add_fields_transaction_null", unwrap(add_fields="id,total_order"), READ),
        dbz("enrs_add_fields_top_level_ts", unwrap(add_fields="ts_us,ts_ns,source.ts_us"), CREATE),
        dbz("enrs_add_fields_unknown_skipped", unwrap(add_fields="op,nonexistent"), CREATE),
        dbz("enrs_add_fields_spaces", unwrap(add_fields=" op , name "), CREATE),
        dbz("enrs_add_fields_rewrite_delete", unwrap(add_fields="op,lsn", delete_tombstone_handling_mode="rewrite"),
            DELETE),
        dbz("enrs_add_fields_tombstone_delete", unwrap(add_fields="op"), DELETE),
        dbz("enrs_add_headers", unwrap(add_headers="op,db,source.ts_ms,ts_ms"), CREATE),
        dbz("enrs_add_headers_prefix_renamed", unwrap(add_headers="op:kind,table", add_headers_prefix="dbz."), UPDATE),
        dbz("enrs_add_headers_on_delete", unwrap(add_headers="op,lsn"), DELETE),
        dbz("enrs_add_headers_on_tombstone_kept",
            unwrap(add_headers="op,db", delete_tombstone_handling_mode="rewrite-with-tombstone"), None),
        dbz("enrs_add_headers_and_fields", unwrap(add_headers="op", add_fields="op,source.ts_ms"), UPDATE),
        dbz("enrs_add_headers_kept_existing", unwrap(add_headers="op"), CREATE, headers=(("trace", env(t("string"),
                                                                                                      "abc")),)),
        dbz("enrs_route_by_field", unwrap(route_by_field="name"), CREATE),
        dbz("enrs_route_by_field_null_value", unwrap(route_by_field="email"), UPDATE),
        dbz("enrs_route_by_field_delete", unwrap(route_by_field="name", delete_tombstone_handling_mode="rewrite"),
            DELETE),
        dbz("enrs_route_by_field_delete_tombstone", unwrap(route_by_field="name"), DELETE),
        dbz("enrs_route_by_field_unknown", unwrap(route_by_field="nope"), CREATE),
        dbz("enrs_route_by_field_not_string", unwrap(route_by_field="id"), CREATE),
        dbz("enrs_replace_null_default_rewrite", unwrap(delete_tombstone_handling_mode="rewrite"), UPDATE),
        dbz("enrs_replace_null_false_rewrite",
            unwrap(delete_tombstone_handling_mode="rewrite", replace_null_with_default="false"), UPDATE),
        dbz("enrs_replace_null_false_delete",
            unwrap(delete_tombstone_handling_mode="rewrite", replace_null_with_default="false"), DELETE),
        dbz("enrs_drop_fields_compatible", unwrap(drop_fields_header_name="dropped"), CREATE, headers=(DROP_HEADER,)),
        dbz("enrs_drop_fields_incompatible",
            unwrap(drop_fields_header_name="dropped", drop_fields_keep_schema_compatible="false"), CREATE,
            headers=(DROP_HEADER,)),
        dbz("enrs_drop_fields_from_key",
            unwrap(drop_fields_header_name="dropped", drop_fields_from_key="true",
                   drop_fields_keep_schema_compatible="false"), CREATE, headers=(DROP_HEADER,)),
        dbz("enrs_drop_fields_from_key_compatible",
            unwrap(drop_fields_header_name="dropped", drop_fields_from_key="true"), UPDATE, headers=(DROP_HEADER,)),
        dbz("enrs_drop_fields_rewrite_delete",
            unwrap(drop_fields_header_name="dropped", delete_tombstone_handling_mode="rewrite", add_fields="op"),
            DELETE, headers=(DROP_HEADER,)),
        dbz("enrs_drop_fields_no_header", unwrap(drop_fields_header_name="dropped"), CREATE),
        dbz("enrs_drop_fields_empty_list", unwrap(drop_fields_header_name="dropped"), CREATE,
            headers=(("dropped", env(array(t("string")), [])),)),
        dbz("enrs_drop_fields_after_add_fields",
            unwrap(drop_fields_header_name="dropped", add_fields="op", drop_fields_keep_schema_compatible="false"),
            UPDATE, headers=(("dropped", env(array(t("string")), ["__op", "name"])),)),
        # not change events: passed through unchanged
        dbz("enrs_schemaless_map", unwrap(add_headers="op"), env(None, json.loads(CREATE)["payload"]),
            key=env(None, {"id": 1})),
        dbz("enrs_non_envelope_struct", unwrap(), env(ROW, row()), key=env(None, {"id": 1})),
        dbz("enrs_heartbeat", unwrap(), env(struct(f("ts_ms", t("int64")), name="io.debezium.connector.common."
                                                   "Heartbeat"), {"ts_ms": 1}), key=None),
        dbz("enrs_string_value", unwrap(), env(t("string"), "hello")),
        dbz("enrs_sink_record", unwrap(add_fields="op", add_headers="db"), UPDATE, record_type="sink"),
        # a published chain: unwrap, then route with Kafka's RegexRouter and key the row by a value field
        dbz("enrs_chain_regex_router_value_to_key", steps(
            (UNWRAP, {"delete_tombstone_handling_mode": "rewrite", "add_fields": "op,source.ts_ms"}),
            ("org.apache.kafka.connect.transforms.RegexRouter", {"regex": r"([^.]+)\.([^.]+)\.([^.]+)",
                                                                  "replacement": "$3"}),
            ("org.apache.kafka.connect.transforms.ValueToKey", {"fields": "id,name"})), UPDATE),
    ]  # fmt: skip
    return out


ROUTER = DBZ + "ByLogicalTableRouter"
SHARD = "pg.public.customers_shard1"
SHARDS = {"topic_regex": "(.*)customers_shard(.*)", "topic_replacement": "$1customers_all_shards"}


def route(type_: str = ROUTER, **cfg: Any) -> dict[str, str]:
    """``transforms=route`` with a Debezium topic router."""
    return one(type_, "route", **cfg)


def _router_cases() -> list[Case]:
    to_logical = DBZ + "ToLogicalTopicRouter"
    return [
        dbz("route_create", route(**SHARDS), CREATE, topic=SHARD),
        dbz("route_delete", route(**SHARDS), DELETE, topic=SHARD),
        dbz("route_tombstone", route(**SHARDS), None, topic=SHARD),
        dbz("route_no_match", route(**SHARDS), CREATE),
        dbz("route_to_logical_topic_router", route(to_logical, **SHARDS), UPDATE, topic=SHARD),
        dbz("route_key_not_unique", route(**SHARDS, key_enforce_uniqueness="false"), CREATE, topic=SHARD),
        dbz("route_key_field_regex", route(**SHARDS, key_field_regex="(.*)_shard(.*)", key_field_replacement="$2",
                                           key_field_name="shard"), CREATE, topic=SHARD),
        dbz("route_key_field_regex_no_match", route(**SHARDS, key_field_regex="nomatch",
                                                    key_field_replacement="x"), CREATE, topic=SHARD),
        dbz("route_key_field_regex_without_replacement", route(**SHARDS, key_field_regex="(.*)"), CREATE, topic=SHARD),
        dbz("route_null_key", route(**SHARDS), CREATE, topic=SHARD, key=None),
        dbz("route_string_value", route(**SHARDS), env(t("string"), "hello"), topic=SHARD),
        dbz("route_schemaless_key", route(**SHARDS), CREATE, topic=SHARD, key=env(None, {"id": 1})),
        dbz("route_empty_topic", route(topic_regex="(.*)customers_shard(.*)", topic_replacement=""), CREATE,
            topic=SHARD),
        dbz("route_avro_names", route(topic_regex="pg\\.public\\.(.*)", topic_replacement="1-$1#x",
                                      schema_name_adjustment_mode="avro"), CREATE, topic=SHARD),
        dbz("route_avro_unicode_names", route(topic_regex="pg\\.public\\.(.*)", topic_replacement="1-$1#x",
                                              schema_name_adjustment_mode="avro_unicode"), CREATE, topic=SHARD),
        dbz("route_names_not_adjusted", route(topic_regex="pg\\.public\\.(.*)", topic_replacement="1-$1#x"),
            CREATE, topic=SHARD),
        dbz("route_bad_adjustment_mode", route(**SHARDS, schema_name_adjustment_mode="snake"), CREATE, topic=SHARD),
        dbz("route_legacy_cache_size", route(**SHARDS, logical_table_cache_size="2"), CREATE, topic=SHARD),
        dbz("route_missing_regex", route(topic_replacement="x"), CREATE, topic=SHARD),
        dbz("route_missing_replacement", route(topic_regex="x"), CREATE, topic=SHARD),
        dbz("route_bad_regex", route(topic_regex="(", topic_replacement="x"), CREATE, topic=SHARD),
        dbz("route_then_unwrap", steps((ROUTER, SHARDS), (UNWRAP, {"add_fields": "op,table"})), UPDATE, topic=SHARD),
    ]  # fmt: skip


CASES: list[Case] = [*_extract_new_record_state_cases(), *_router_cases()]

# Deliberate, documented differences from Debezium 3.7.0.Final; each is a strict xfail with its reason.
XFAILS: dict[str, str] = {}


@pytest.fixture(scope="module")
def oracle() -> dict[str, dict[str, Any]]:
    """Run every case through Debezium's jar (TransformOracle.java) in one JVM; results keyed by case id."""
    require_tool("java")
    cp = maven_classpath(HERE / "pom.xml")
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    lines = "\n".join(json.dumps(c.to_json()) for c in CASES) + "\n"
    (RUN_DIR / "debezium_transform_oracle.in").write_text(lines)
    proc = subprocess.run(["java", "-cp", cp, str(HERE / "TransformOracle.java")], input=lines, capture_output=True,
                          text=True, check=True, timeout=300)  # fmt: skip
    (RUN_DIR / "debezium_transform_oracle.out").write_text(proc.stdout)
    return {(r := json.loads(line)).pop("id"): r for line in proc.stdout.splitlines()}


def test_corpus_covers_every_mode_and_option() -> None:
    ids = {c.id for c in CASES}
    assert len(ids) == len(CASES)
    props = " ".join(" ".join(c.props) for c in CASES)
    for key in ("delete.tombstone.handling.mode", "delete.handling.mode", "drop.tombstones", "add.fields",
                "add.fields.prefix", "add.headers", "add.headers.prefix", "drop.fields.header.name",
                "drop.fields.from.key", "drop.fields.keep.schema.compatible", "route.by.field",
                "replace.null.with.default"):
        assert f".{key}" in props, key


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=XFAILS[c.id], strict=True)]
                                               if c.id in XFAILS else []) for c in CASES])
def test_debezium_transform_matches_debezium(oracle: dict[str, dict[str, Any]], case: Case) -> None:
    ours, theirs = run_ours(case), _kafka(oracle[case.id])
    if ours != theirs:
        assert _unordered(ours) == _unordered(theirs)

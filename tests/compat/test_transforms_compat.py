"""SMTs, predicates and the transforms chain compared with the real Kafka 4.3.1 classes (TransformOracle.java).

One shared corpus of cases is defined here. Each case is an input record (topic, partition, timestamp, headers, and
key/value as JsonConverter envelopes so both sides build the same Connect data) plus connector-style ``transforms=``
/ ``predicates=`` props. All cases go to one JVM in one batch (JSON lines in and out); each test then runs the same
case through ``build_chain`` and compares topic, partition, timestamp, key, value and headers (all serialised with
JsonConverter, schemas on) — or the failing stage, exception class and message. The primitive converters of
``connect_core.converters.number`` ride in the same batch. Needs Maven (once, cached) and Java 17+.

Deliberate differences are listed in ``XFAILS`` with their reason; nothing is skipped silently.
"""

from __future__ import annotations

import base64
import importlib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from connect_core.api.header import Headers
from connect_core.api.record import CREATE_TIME, ConnectRecord, SinkRecord, SourceRecord
from connect_core.converters import HEADER_CONVERTERS
from connect_core.converters.json import JsonConverter
from connect_core.transforms.chain import build_chain
from tests.compat._oracle import RUN_DIR, kafka_before, maven_classpath, require_tool

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent

TX = "org.apache.kafka.connect.transforms."
PRED = TX + "predicates."
CONV = "org.apache.kafka.connect.converters."
HEADER = {"converter.type": "header"}  # what the worker passes to a header converter
TS = 1_700_000_000_123  # 2023-11-14T22:13:20.123Z
JAVA_TO_PYTHON = {"DataException": "DataError", "ConfigException": "ConfigError", "ConnectException": "ConnectError"}


# -- schema / envelope builders (JsonConverter's schema JSON) ---------------------------------------
def t(type_: str, optional: bool = False, **extra: Any) -> dict[str, Any]:
    """A primitive (or logical, via ``name``/``version``/``parameters``) schema."""
    return {"type": type_, "optional": optional, **extra}


def f(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A struct field."""
    return {**schema, "field": name}


def struct(*fields: dict[str, Any], optional: bool = False, **extra: Any) -> dict[str, Any]:
    """A struct schema."""
    return {"type": "struct", "fields": list(fields), "optional": optional, **extra}


def array(items: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    """An array schema."""
    return {"type": "array", "items": items, "optional": optional}


def smap(keys: dict[str, Any], values: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    """A map schema."""
    return {"type": "map", "keys": keys, "values": values, "optional": optional}


def env(schema: dict[str, Any] | None, payload: Any) -> str:
    """A JsonConverter envelope (schemas.enable=true)."""
    return json.dumps({"schema": schema, "payload": payload}, separators=(",", ":"))


TIMESTAMP = t("int64", name="org.apache.kafka.connect.data.Timestamp", version=1)
DATE = t("int32", name="org.apache.kafka.connect.data.Date", version=1)
TIME = t("int32", name="org.apache.kafka.connect.data.Time", version=1)
DEC2 = t("bytes", name="org.apache.kafka.connect.data.Decimal", version=1, parameters={"scale": "2"})
STRING = t("string")
ADDRESS = struct(f("street", STRING), f("zip", t("int32", True)), name="com.acme.Address")
ORDER = struct(
    f("id", t("int32")),
    f("name", t("string", True)),
    f("amount", t("double")),
    f("qty", t("int64", True, default=1)),
    f("flag", t("boolean")),
    f("created", TIMESTAMP),
    f("address", ADDRESS),
    f("tags", array(STRING)),
    f("attrs", smap(STRING, STRING, True)),
    name="com.acme.Order",
    version=2,
)
ORDER_PAYLOAD = {"id": 7, "name": "Ann", "amount": 12.5, "qty": None, "flag": True, "created": TS,
                 "address": {"street": "Main St", "zip": 12345}, "tags": ["a", "b"], "attrs": {"k": "v"}}  # fmt: skip
ORDER_V = env(ORDER, ORDER_PAYLOAD)
FLAT = struct(
    f("i8", t("int8")), f("i16", t("int16")), f("i32", t("int32")), f("i64", t("int64")), f("f32", t("float")),
    f("f64", t("double")), f("b", t("boolean")), f("s", STRING), f("opt", t("string", True)),
    f("dflt", t("int32", True, default=5)), name="Flat",
)  # fmt: skip
FLAT_PAYLOAD = {"i8": -5, "i16": 300, "i32": 70000, "i64": 5000000000, "f32": 1.5, "f64": 300.75, "b": True,
                "s": "42", "opt": None, "dflt": None}  # fmt: skip
FLAT_V = env(FLAT, FLAT_PAYLOAD)
SL_PAYLOAD = {"id": 7, "name": "Ann", "amount": 12.5, "flag": True, "none": None,
              "address": {"street": "Main St", "zip": 12345, "geo": {"lat": 1.5}}, "tags": ["a", "b"]}  # fmt: skip
SL_V = env(None, SL_PAYLOAD)
KEY_SCHEMA = struct(f("id", t("int32")), f("region", t("string", True)), name="com.acme.Key")
KEY_K = env(KEY_SCHEMA, {"id": 7, "region": "eu"})
SL_K = env(None, {"id": 7, "region": "eu", "n": {"x": 1}})
STR_K = env(STRING, "k1")
HDRS: tuple[tuple[str, str | None], ...] = (("trace", env(STRING, "abc")), ("n", env(t("int32"), 5)))


# -- props builders ----------------------------------------------------------------------------------
def _keys(cfg: dict[str, Any]) -> dict[str, str]:
    return {k.replace("_", "."): str(v) for k, v in cfg.items()}


def one(type_: str, alias: str = "t", **cfg: Any) -> dict[str, str]:
    """``transforms=<alias>`` with one SMT (``foo_bar=`` kwargs become ``foo.bar``)."""
    return {"transforms": alias, f"transforms.{alias}.type": type_ if "." in type_ else TX + type_,
            **{f"transforms.{alias}.{k}": v for k, v in _keys(cfg).items()}}  # fmt: skip


def steps(*parts: tuple[str, dict[str, Any]]) -> dict[str, str]:
    """A multi-step chain with aliases s0, s1, ..."""
    props = {"transforms": ",".join(f"s{i}" for i in range(len(parts)))}
    for i, (type_, cfg) in enumerate(parts):
        props.update({k: v for k, v in one(type_, f"s{i}", **cfg).items() if k != "transforms"})
    return props


def pred(alias: str, type_: str, **cfg: Any) -> dict[str, str]:
    """``predicates=<alias>`` with one predicate."""
    return {"predicates": alias, f"predicates.{alias}.type": type_ if "." in type_ else PRED + type_,
            **{f"predicates.{alias}.{k}": v for k, v in _keys(cfg).items()}}  # fmt: skip


# -- cases ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One record + chain config, run through both implementations."""

    id: str
    props: dict[str, str]
    value: str | None = ORDER_V
    key: str | None = STR_K
    headers: tuple[tuple[str, str | None], ...] = HDRS
    topic: str = "orders"
    partition: int | None = 3
    timestamp: int | None = TS
    record_type: str = "sink"
    offset: int = 42

    def to_json(self) -> dict[str, Any]:
        """The oracle's input line."""
        record = {"type": self.record_type, "topic": self.topic, "partition": self.partition, "key": self.key,
                  "value": self.value, "headers": [list(h) for h in self.headers], "timestamp": self.timestamp,
                  "offset": self.offset}  # fmt: skip
        return {"id": self.id, "kind": "smt", "record": record, "props": self.props}


@dataclass(frozen=True)
class ConvCase:
    """One primitive-converter call: write (an envelope) or read (base64 bytes), as data or header converter."""

    id: str
    cls: str
    op: str
    data: str | None
    is_key: bool = False
    config: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The oracle's input line."""
        return {"id": self.id, "kind": "conv", "class": self.cls, "config": self.config, "isKey": self.is_key,
                "op": self.op, "data": self.data}  # fmt: skip


def _cast_cases() -> list[Case]:
    c = "Cast$Value"
    return [
        Case("cast_schema_fields", one(c, spec="id:int64,amount:int32,flag:string,name:string")),
        Case("cast_schema_all_numeric", one(c, spec="i8:int64,i16:int8,i32:int16,i64:int32,f32:float64,f64:int8"),
             FLAT_V),
        Case("cast_schema_to_float32", one(c, spec="i64:float32,f64:float32,s:float32"), FLAT_V),
        Case("cast_schema_to_boolean", one(c, spec="i8:boolean,f64:boolean,s:boolean,b:boolean"), FLAT_V),
        Case("cast_schema_to_string", one(c, spec="i8:string,f32:string,f64:string,b:string,opt:string"), FLAT_V),
        Case("cast_schema_string_to_numbers", one(c, spec="s:int32"), FLAT_V),
        Case("cast_schema_bad_number", one(c, spec="name:int32")),
        Case("cast_schema_null_default_replaced", one(c, spec="dflt:string"), FLAT_V),
        Case("cast_schema_null_default_kept", one(c, spec="dflt:string", replace_null_with_default="false"), FLAT_V),
        Case("cast_schema_timestamp_to_string", one(c, spec="created:string")),
        Case("cast_schema_timestamp_to_int64", one(c, spec="created:int64")),
        Case("cast_schema_case_insensitive_type", one(c, spec="id:INT64")),
        Case("cast_whole_value_int_to_string", one(c, spec="string"), env(t("int32"), 123)),
        Case("cast_whole_value_string_to_int64", one(c, spec="int64"), env(STRING, "-9000000000")),
        Case("cast_whole_value_double_to_int16", one(c, spec="int16"), env(t("double"), 70000.9)),
        Case("cast_whole_value_bytes_to_string", one(c, spec="string"), env(t("bytes"), "AAEC/w==")),
        Case("cast_whole_value_schemaless", one(c, spec="float64"), env(None, 3)),
        Case("cast_whole_value_bool_to_int8", one(c, spec="int8"), env(t("boolean"), True)),
        Case("cast_schemaless_fields", one(c, spec="id:string,amount:int32,flag:int8,name:boolean"), SL_V),
        Case("cast_schemaless_missing_field", one(c, spec="nope:int32"), SL_V),
        Case("cast_schemaless_string_parse", one(c, spec="s:int64,d:float32"), env(None, {"s": "12", "d": "0.1"})),
        Case("cast_schemaless_not_map", one(c, spec="a:int32"), env(None, [1, 2])),
        Case("cast_struct_field_unsupported", one(c, spec="address:string")),
        Case("cast_tombstone", one(c, spec="id:int64"), None),
        Case("cast_key_schema", one("Cast$Key", spec="id:string"), key=KEY_K),
        Case("cast_key_schemaless", one("Cast$Key", spec="id:float64"), key=SL_K),
        Case("cast_key_whole", one("Cast$Key", spec="int32"), key=env(STRING, "77")),
        Case("cast_bad_type", one(c, spec="id:foo")),
        Case("cast_empty_spec", one(c, spec="")),
        Case("cast_whole_and_field_mixed", one(c, spec="int32,id:int64")),
    ]


def _drop_headers_cases() -> list[Case]:
    hdrs = (("a", env(STRING, "1")), ("b", env(STRING, "2")), ("a", env(STRING, "3")), ("c", None))
    return [
        Case("drop_headers_one_name_all_occurrences", one("DropHeaders", headers="a"), headers=hdrs),
        Case("drop_headers_many", one("DropHeaders", headers="a,c"), headers=hdrs),
        Case("drop_headers_missing", one("DropHeaders", headers="zzz"), headers=hdrs),
        Case("drop_headers_tombstone", one("DropHeaders", headers="b"), None, headers=hdrs),
        Case("drop_headers_empty_config", one("DropHeaders", headers="")),
        # Kafka 4.2 (KIP-1161): list keys refuse duplicates and empty values
        Case("drop_headers_duplicate", one("DropHeaders", headers="a,b,a"), headers=hdrs),
        Case("drop_headers_empty_value", one("DropHeaders", headers="a,,b"), headers=hdrs),
    ]


def _extract_field_cases() -> list[Case]:
    c = "ExtractField$Value"
    nested = env(None, {"a": {"b": {"c": 1}}, "a.b": "dotted", "x`y": 2})
    return [
        Case("extract_schema_primitive", one(c, field="name")),
        Case("extract_schema_struct", one(c, field="address")),
        Case("extract_schema_null_default_replaced", one(c, field="qty")),
        Case("extract_schema_null_default_kept", one(c, field="qty", replace_null_with_default="false")),
        Case("extract_schema_unknown_field", one(c, field="nope")),
        Case("extract_schema_null_struct", one(c, field="street"), env({**ADDRESS, "optional": True}, None)),
        Case("extract_schemaless", one(c, field="amount"), SL_V),
        Case("extract_schemaless_missing", one(c, field="nope"), SL_V),
        Case("extract_schemaless_tombstone", one(c, field="x"), None),
        Case("extract_schemaless_not_map", one(c, field="x"), env(None, "text")),
        Case("extract_v1_dotted_name", one(c, field="a.b"), nested),
        Case("extract_v2_nested_schemaless", one(c, field="a.b.c", field_syntax_version="V2"), nested),
        Case("extract_v2_backticks", one(c, field="`a.b`", field_syntax_version="v2"), nested),
        Case("extract_v2_nested_schema", one(c, field="address.street", field_syntax_version="V2")),
        Case("extract_v2_nested_schema_missing", one(c, field="address.nope", field_syntax_version="V2")),
        Case("extract_bad_syntax_version", one(c, field="a", field_syntax_version="V3")),
        # KIP-821 paths: SingleFieldPath's parse and its nested look-ups (ExtractField is Kafka 4.3.1's only user)
        Case("extract_v2_schemaless_not_map_step", one(c, field="a.b.c.d", field_syntax_version="V2"), nested),
        Case("extract_v2_schemaless_null_step", one(c, field="n.x", field_syntax_version="V2"),
             env(None, {"n": None})),
        Case("extract_v2_schema_not_struct_step", one(c, field="name.x", field_syntax_version="V2")),
        Case("extract_v2_schema_map_step", one(c, field="attrs.k", field_syntax_version="V2")),
        Case("extract_v2_schema_null_struct_step", one(c, field="address.zip", field_syntax_version="V2"),
             env(struct(f("address", {**ADDRESS, "optional": True})), {"address": None})),
        Case("extract_v2_schema_nested_default", one(c, field="inner.qty", field_syntax_version="V2"),
             env(struct(f("inner", struct(f("qty", t("int64", True, default=1))))), {"inner": {"qty": None}})),
        Case("extract_v2_schema_nested_default_kept", one(c, field="inner.qty", field_syntax_version="V2",
                                                          replace_null_with_default="false"),
             env(struct(f("inner", struct(f("qty", t("int64", True, default=1))))), {"inner": {"qty": None}})),
        Case("extract_v2_escaped_backtick_inside", one(c, field="`x\\`y`", field_syntax_version="V2"),
             env(None, {"x`y": 1, "x\\`y": 2})),
        Case("extract_v2_escaped_backtick_before_dot", one(c, field="`a\\`.b`", field_syntax_version="V2"),
             env(None, {"a`.b": 1, "a\\`.b": 2})),
        Case("extract_v2_backtick_inside_name", one(c, field="`a`b`.c", field_syntax_version="V2"),
             env(None, {"a`b": {"c": 3}})),
        Case("extract_v2_empty_backticks", one(c, field="``.x", field_syntax_version="V2"),
             env(None, {"": {"x": 4}})),
        Case("extract_v2_trailing_dot", one(c, field="a.", field_syntax_version="V2"), env(None, {"a": {"": 5}})),
        Case("extract_v2_leading_dot", one(c, field=".a", field_syntax_version="V2"), env(None, {"": {"a": 6}})),
        Case("extract_v2_unclosed_backtick", one(c, field="`a.b", field_syntax_version="V2"), nested),
        Case("extract_v2_escaped_closing_backtick", one(c, field="`a\\`", field_syntax_version="V2"), nested),
        Case("extract_v1_backticks_literal", one(c, field="`a.b`"), env(None, {"`a.b`": 7})),
        Case("extract_v2_key", one("ExtractField$Key", field="n.x", field_syntax_version="V2"), key=SL_K),
        Case("extract_key_schema", one("ExtractField$Key", field="id"), key=KEY_K),
        Case("extract_key_schemaless", one("ExtractField$Key", field="region"), key=SL_K),
        Case("extract_missing_field_config", one(c)),
    ]


def _filter_and_predicate_cases() -> list[Case]:
    tombstone_v = None
    has = pred("p", "HasHeaderKey", name="trace")
    return [
        Case("filter_always", one("Filter")),
        Case("filter_topic_matches", one("Filter", predicate="p") | pred("p", "TopicNameMatches", pattern="ord.*")),
        Case("filter_topic_no_match", one("Filter", predicate="p") | pred("p", "TopicNameMatches", pattern="x.*")),
        Case("filter_topic_partial_is_no_match", one("Filter", predicate="p")
             | pred("p", "TopicNameMatches", pattern="ord")),
        Case("filter_topic_negate", one("Filter", predicate="p", negate="true")
             | pred("p", "TopicNameMatches", pattern="x.*")),
        Case("filter_topic_negate_false", one("Filter", predicate="p", negate="false")
             | pred("p", "TopicNameMatches", pattern="orders")),
        Case("filter_topic_alternation", one("Filter", predicate="p")
             | pred("p", "TopicNameMatches", pattern="foo|ord[a-z]+s")),
        Case("filter_topic_bad_pattern", one("Filter", predicate="p") | pred("p", "TopicNameMatches", pattern="(")),
        Case("filter_topic_empty_pattern", one("Filter", predicate="p") | pred("p", "TopicNameMatches", pattern="")),
        Case("filter_has_header", one("Filter", predicate="p") | has),
        Case("filter_has_header_missing", one("Filter", predicate="p") | pred("p", "HasHeaderKey", name="zz")),
        Case("filter_has_header_negate", one("Filter", predicate="p", negate="true") | has),
        Case("filter_has_header_no_headers", one("Filter", predicate="p", negate="true") | has, headers=()),
        Case("filter_has_header_empty_name", one("Filter", predicate="p") | pred("p", "HasHeaderKey", name="")),
        Case("filter_tombstone", one("Filter", predicate="p") | pred("p", "RecordIsTombstone"), tombstone_v),
        Case("filter_tombstone_not", one("Filter", predicate="p") | pred("p", "RecordIsTombstone")),
        Case("filter_tombstone_negate", one("Filter", predicate="p", negate="true")
             | pred("p", "RecordIsTombstone"), tombstone_v),
        Case("filter_non_tombstone_negate", one("Filter", predicate="p", negate="true")
             | pred("p", "RecordIsTombstone")),
        Case("filter_null_value_with_schema_is_tombstone", one("Filter", predicate="p")
             | pred("p", "RecordIsTombstone"), env(t("string", True), None)),
        Case("predicate_guards_insert_header", one("InsertHeader", header="h", value_literal="x", predicate="p")
             | pred("p", "TopicNameMatches", pattern="orders")),
        Case("predicate_guards_insert_header_skipped", one("InsertHeader", header="h", value_literal="x",
                                                           predicate="p")
             | pred("p", "TopicNameMatches", pattern="other")),
        Case("predicate_negate_guards_mask", one("MaskField$Value", fields="name", predicate="p", negate="true")
             | pred("p", "RecordIsTombstone")),
        Case("predicate_short_class_names", {
            "transforms": "f", "transforms.f.type": "Filter", "transforms.f.predicate": "p",
            "predicates": "p", "predicates.p.type": "TopicNameMatches", "predicates.p.pattern": "orders"}),
    ]


def _flatten_cases() -> list[Case]:
    deep = struct(f("l1", struct(f("l2", struct(f("l3", t("int32")), optional=True)), f("x", t("string", True)))),
                  f("top", t("int8")))  # fmt: skip
    opt_nested = struct(f("a", t("int32")), f("inner", struct(f("b", t("int32")), f("c", t("string")), optional=True)))
    return [
        Case("flatten_schema", one("Flatten$Value")),
        # Kafka's Flatten has no replace.null.with.default (KIP-1040 left it out): a null always takes the default
        Case("flatten_schema_null_default", one("Flatten$Value", replace_null_with_default="false"),
             env(struct(f("n", struct(f("q", t("int64", True, default=1)))), f("d", t("int32", True, default=5))),
                 {"n": {"q": None}, "d": None})),
        Case("flatten_schema_map_field_rejected", one("Flatten$Value"),
             env(struct(f("m", smap(STRING, STRING))), {"m": {"a": "b"}})),
        Case("flatten_schema_deep", one("Flatten$Value"), env(deep, {"l1": {"l2": {"l3": 9}, "x": None}, "top": 1})),
        Case("flatten_schema_delimiter", one("Flatten$Value", delimiter="_"),
             env(deep, {"l1": {"l2": None, "x": "y"}, "top": 2})),
        Case("flatten_schema_optional_null_parent", one("Flatten$Value"),
             env(opt_nested, {"a": 1, "inner": None})),
        Case("flatten_schema_without_struct_fields", one("Flatten$Value"), FLAT_V),
        Case("flatten_schemaless", one("Flatten$Value"), SL_V),
        Case("flatten_schemaless_delimiter", one("Flatten$Value", delimiter="::"), SL_V),
        Case("flatten_schemaless_empty_nested", one("Flatten$Value"), env(None, {"a": {}, "b": {"c": None}})),
        Case("flatten_schemaless_not_map", one("Flatten$Value"), env(None, "x")),
        Case("flatten_tombstone", one("Flatten$Value"), None),
        Case("flatten_primitive_schema", one("Flatten$Value"), env(t("int32"), 5)),
        Case("flatten_key_schema", one("Flatten$Key"), key=env(deep, {"l1": {"l2": {"l3": 3}, "x": "q"}, "top": 1})),
        Case("flatten_key_schemaless", one("Flatten$Key"), key=SL_K),
    ]


def _header_from_cases() -> list[Case]:
    c = "HeaderFrom$Value"
    return [
        Case("header_from_copy_schema", one(c, fields="id,name,address", headers="h_id,h_name,h_addr",
                                            operation="copy")),
        Case("header_from_move_schema", one(c, fields="id,tags", headers="h_id,h_tags", operation="move")),
        Case("header_from_copy_default_replaced", one(c, fields="qty", headers="q", operation="copy")),
        Case("header_from_copy_default_kept", one(c, fields="qty", headers="q", operation="copy",
                                                  replace_null_with_default="false")),
        Case("header_from_copy_schemaless", one(c, fields="id,address", headers="a,b", operation="copy"), SL_V),
        Case("header_from_move_schemaless", one(c, fields="name,missing", headers="a,b", operation="move"), SL_V),
        Case("header_from_same_header_twice", one(c, fields="id,name", headers="h,h", operation="copy")),
        Case("header_from_key_schema", one("HeaderFrom$Key", fields="region", headers="r", operation="move"),
             key=KEY_K),
        Case("header_from_key_schemaless", one("HeaderFrom$Key", fields="id", headers="kid", operation="copy"),
             key=SL_K),
        Case("header_from_tombstone", one(c, fields="id", headers="h", operation="copy"), None),
        Case("header_from_unknown_field_schema", one(c, fields="nope", headers="h", operation="copy")),
        Case("header_from_length_mismatch", one(c, fields="id,name", headers="h", operation="copy")),
        Case("header_from_bad_operation", one(c, fields="id", headers="h", operation="swap")),
    ]


def _hoist_cases() -> list[Case]:
    return [
        Case("hoist_schema_struct", one("HoistField$Value", field="wrapped")),
        Case("hoist_schema_primitive", one("HoistField$Value", field="v"), env(t("int64"), 99)),
        Case("hoist_schema_optional_null", one("HoistField$Value", field="v"), env(t("string", True), None)),
        Case("hoist_schemaless", one("HoistField$Value", field="v"), SL_V),
        Case("hoist_schemaless_tombstone", one("HoistField$Value", field="v"), None),
        Case("hoist_key_schema", one("HoistField$Key", field="k"), key=STR_K),
        Case("hoist_key_schemaless", one("HoistField$Key", field="k"), key=env(None, 5)),
        Case("hoist_missing_field_config", one("HoistField$Value")),
    ]


def _insert_field_cases() -> list[Case]:
    c = "InsertField$Value"
    every = {"topic_field": "topic", "partition_field": "part", "offset_field": "off",
             "timestamp_field": "ts", "static_field": "st", "static_value": "sv"}  # fmt: skip
    no_offset = {k: v for k, v in every.items() if k != "offset_field"}
    required = {"topic_field": "topic!", "partition_field": "part!", "offset_field": "off?", "timestamp_field": "ts!"}
    return [
        Case("insert_schema_all", one(c, **every)),
        Case("insert_schema_null_default_replaced", one(c, static_field="st", static_value="sv")),
        Case("insert_schema_null_default_kept", one(c, static_field="st", static_value="sv",
                                                    replace_null_with_default="false")),
        Case("insert_schema_required_suffix", one(c, **required)),
        Case("insert_schema_null_partition_timestamp", one(c, **no_offset), partition=None, timestamp=None,
             record_type="source"),
        Case("insert_schema_required_null_partition", one(c, partition_field="part!"), partition=None,
             record_type="source"),
        Case("insert_schemaless_all", one(c, **every), SL_V),
        Case("insert_schemaless_null_timestamp", one(c, timestamp_field="ts", partition_field="p"), SL_V,
             timestamp=None, partition=None, record_type="source"),
        Case("insert_schemaless_not_map", one(c, topic_field="t"), env(None, [1])),
        Case("insert_schema_primitive_rejected", one(c, topic_field="t"), env(t("int32"), 1)),
        Case("insert_tombstone", one(c, **every), None),
        Case("insert_source_record_offset", one(c, offset_field="off"), record_type="source"),
        Case("insert_source_record_topic", one(c, topic_field="topic", static_field="s", static_value="v"),
             record_type="source"),
        Case("insert_key_schema", one("InsertField$Key", topic_field="t", static_field="s", static_value="v"),
             key=KEY_K),
        Case("insert_key_schemaless", one("InsertField$Key", partition_field="p", offset_field="o"), key=SL_K),
        Case("insert_no_fields", one(c)),
        Case("insert_static_field_without_value", one(c, static_field="s")),
        Case("insert_replaces_existing_schemaless_field", one(c, topic_field="name"), SL_V),
    ]


def _insert_header_cases() -> list[Case]:
    c = "InsertHeader"
    return [
        Case("insert_header_string", one(c, header="h", value_literal="hello world")),
        Case("insert_header_int8", one(c, header="h", value_literal="42")),
        Case("insert_header_int32", one(c, header="h", value_literal="70000")),
        Case("insert_header_int64", one(c, header="h", value_literal="5000000000")),
        Case("insert_header_boolean", one(c, header="h", value_literal="true")),
        Case("insert_header_float", one(c, header="h", value_literal="1.5")),
        Case("insert_header_double", one(c, header="h", value_literal="0.1")),
        Case("insert_header_empty", one(c, header="h", value_literal="")),
        Case("insert_header_existing_name_appends", one(c, header="trace", value_literal="again")),
        Case("insert_header_array_literal", one(c, header="h", value_literal="[1,2,3]")),
        Case("insert_header_map_literal", one(c, header="h", value_literal='{"a":1}')),
        Case("insert_header_date_literal", one(c, header="h", value_literal="2024-02-29")),
        Case("insert_header_tombstone", one(c, header="h", value_literal="x"), None),
        Case("insert_header_missing_literal", one(c, header="h")),
        Case("insert_header_missing_header", one(c, value_literal="x")),
    ]


def _mask_cases() -> list[Case]:
    c = "MaskField$Value"
    wide = struct(f("d", DATE), f("ts", TIMESTAMP), f("dec", DEC2), f("arr", array(t("int32"))),
                  f("m", smap(STRING, t("int32"))), f("by", t("bytes")), f("t", TIME))  # fmt: skip
    wide_v = env(wide, {"d": 19000, "ts": TS, "dec": "BNI=", "arr": [1, 2], "m": {"a": 1}, "by": "AQI=", "t": 5})
    return [
        Case("mask_schema_defaults", one(c, fields="i8,i16,i32,i64,f32,f64,b,s,opt,dflt"), FLAT_V),
        Case("mask_schema_logical_and_containers", one(c, fields="d,ts,t,arr,m"), wide_v),
        Case("mask_schema_decimal", one(c, fields="dec"), wide_v),
        Case("mask_schema_bytes_unsupported", one(c, fields="by"), wide_v),
        Case("mask_schema_replacement_numbers", one(c, fields="i8,i32,f32,f64", replacement="12"), FLAT_V),
        Case("mask_schema_replacement_string", one(c, fields="s,name", replacement="***"), FLAT_V),
        Case("mask_schema_replacement_bad_number", one(c, fields="i32", replacement="abc"), FLAT_V),
        Case("mask_schema_replacement_values_semantics", one(c, fields="i8,i16,i64,f32", replacement="300.9"),
             FLAT_V),
        Case("mask_schema_replacement_exponent", one(c, fields="i32,f64", replacement="-1e3"), FLAT_V),
        Case("mask_schema_replacement_bad_decimal", one(c, fields="dec", replacement="x"), wide_v),
        Case("mask_schema_replacement_boolean", one(c, fields="b", replacement="x"), FLAT_V),
        Case("mask_schema_replacement_decimal", one(c, fields="dec", replacement="9.99"), wide_v),
        Case("mask_schema_struct_field", one(c, fields="address")),
        Case("mask_schema_unknown_field", one(c, fields="nope")),
        Case("mask_schema_null_field_keep_default", one(c, fields="dflt", replace_null_with_default="false"), FLAT_V),
        Case("mask_schemaless", one(c, fields="id,name,amount,flag,tags,address"), SL_V),
        Case("mask_schemaless_replacement", one(c, fields="id,name", replacement="0"), SL_V),
        Case("mask_schemaless_null_value_field", one(c, fields="none"), SL_V),
        Case("mask_schemaless_missing_field", one(c, fields="nope"), SL_V),
        Case("mask_tombstone", one(c, fields="id"), None),
        Case("mask_key_schema", one("MaskField$Key", fields="region"), key=KEY_K),
        Case("mask_key_schemaless", one("MaskField$Key", fields="id,n"), key=SL_K),
        Case("mask_empty_replacement", one(c, fields="id", replacement="")),
        Case("mask_empty_fields", one(c, fields="")),
        Case("mask_duplicate_fields", one(c, fields="id,name,id")),
    ]


def _regex_router_cases() -> list[Case]:
    c = "RegexRouter"
    return [
        Case("regex_group_ref", one(c, regex="(.*)ers", replacement="$1-x")),
        Case("regex_no_match", one(c, regex="foo(.*)", replacement="$1")),
        Case("regex_partial_is_no_match", one(c, regex="ord", replacement="x")),
        Case("regex_whole_group", one(c, regex="o(r)d(.*)", replacement="$2_$1_$0")),
        Case("regex_literal_dollar", one(c, regex="orders", replacement="a\\$b")),
        Case("regex_character_class", one(c, regex="[a-z]+", replacement="all-lower")),
        Case("regex_named_group", one(c, regex="(?<first>o)rders", replacement="${first}k")),
        Case("regex_possessive", one(c, regex="o.*+", replacement="never")),
        Case("regex_posix_class", one(c, regex="\\p{Lower}+", replacement="posix")),
        Case("regex_invalid", one(c, regex="(", replacement="x")),
        Case("regex_missing_replacement", one(c, regex="x")),
        Case("regex_tombstone", one(c, regex="orders", replacement="gone"), None),
        Case("regex_dots_in_topic", one(c, regex="db\\.(\\w+)\\.(\\w+)", replacement="$2"), topic="db.shop.users"),
    ]


def _replace_field_cases() -> list[Case]:
    c = "ReplaceField$Value"
    return [
        Case("replace_exclude_schema", one(c, exclude="name,tags")),
        Case("replace_include_schema", one(c, include="id,amount,nope")),
        Case("replace_rename_schema", one(c, renames="id:order_id,amount:total")),
        Case("replace_combo_schema", one(c, include="id,name,amount", exclude="name", renames="id:oid")),
        Case("replace_default_replaced", one(c, include="qty")),
        Case("replace_default_kept", one(c, include="qty", replace_null_with_default="false")),
        Case("replace_exclude_schemaless", one(c, exclude="address,none"), SL_V),
        Case("replace_include_schemaless", one(c, include="id,nope"), SL_V),
        Case("replace_rename_schemaless", one(c, renames="id:key,flag:ok"), SL_V),
        Case("replace_combo_schemaless", one(c, exclude="tags", renames="name:who"), SL_V),
        Case("replace_empty_include", one(c, include="", exclude="name")),
        Case("replace_duplicate_include", one(c, include="id,id")),
        Case("replace_duplicate_exclude", one(c, exclude="name,tags,name")),
        Case("replace_empty_value_exclude", one(c, exclude="name,")),
        Case("replace_tombstone", one(c, exclude="x"), None),
        Case("replace_schemaless_not_map", one(c, exclude="x"), env(None, 3)),
        Case("replace_key_schema", one("ReplaceField$Key", renames="id:key_id"), key=KEY_K),
        Case("replace_key_schemaless", one("ReplaceField$Key", exclude="n"), key=SL_K),
        Case("replace_bad_rename", one(c, renames="id")),
        Case("replace_removed_blacklist_key", one(c, blacklist="name")),
    ]


def _set_schema_metadata_cases() -> list[Case]:
    c = "SetSchemaMetadata$Value"
    return [
        Case("ssm_name", one(c, schema_name="com.acme.Renamed")),
        Case("ssm_version", one(c, schema_version="9")),
        Case("ssm_both", one(c, schema_name="n", schema_version="3")),
        Case("ssm_primitive", one(c, schema_name="com.acme.Id"), env(t("int32"), 5)),
        Case("ssm_null_with_schema", one(c, schema_name="x"), env(t("string", True), None)),
        Case("ssm_null_default_replaced", one(c, schema_name="x"), FLAT_V),
        Case("ssm_null_default_kept", one(c, schema_name="x", replace_null_with_default="false"), FLAT_V),
        Case("ssm_schemaless", one(c, schema_name="x"), SL_V),
        Case("ssm_tombstone", one(c, schema_name="x"), None),
        Case("ssm_key", one("SetSchemaMetadata$Key", schema_name="com.acme.K2", schema_version="1"), key=KEY_K),
        Case("ssm_key_string", one("SetSchemaMetadata$Key", schema_version="4"), key=STR_K),
        Case("ssm_nothing_configured", one(c)),
        Case("ssm_bad_version", one(c, schema_version="abc")),
    ]


def _timestamp_converter_cases() -> list[Case]:  # one line per case
    c = "TimestampConverter$Value"
    unix = env(t("int64"), TS)
    iso = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"
    ts_struct = struct(f("ts", TIMESTAMP), f("u", t("int64", True)), f("s", t("string", True)), f("i", t("int32")))
    tsv = env(ts_struct, {"ts": TS, "u": TS, "s": "2024-02-29 13:45:30", "i": 1})
    dflt_v = env(struct(f("d", {**TIMESTAMP, "optional": True, "default": 86_400_000}), f("x", t("int32"))),
                 {"d": None, "x": 1})
    return [
        Case("tsc_unix_to_string", one(c, target_type="string", format="yyyy-MM-dd HH:mm:ss.SSS"), unix),
        Case("tsc_unix_to_string_iso", one(c, target_type="string", format=iso), unix),
        Case("tsc_unix_to_string_words", one(c, target_type="string", format="EEE, d MMM yyyy hh:mm a z"), unix),
        Case("tsc_unix_to_string_day_of_year", one(c, target_type="string", format="yy DDD HH 'h' Z"), unix),
        Case("tsc_unix_to_timestamp", one(c, target_type="Timestamp"), unix),
        Case("tsc_unix_to_date", one(c, target_type="Date"), unix),
        Case("tsc_unix_to_time", one(c, target_type="Time"), unix),
        Case("tsc_unix_seconds_in", one(c, target_type="Timestamp", unix_precision="seconds"),
             env(t("int64"), 1_700_000_000)),
        Case("tsc_unix_micro_in", one(c, target_type="Timestamp", unix_precision="microseconds"),
             env(t("int64"), 1_700_000_000_123_456)),
        Case("tsc_to_unix_nanos", one(c, target_type="unix", unix_precision="nanoseconds"),
             env(TIMESTAMP, TS)),
        Case("tsc_to_unix_seconds", one(c, target_type="unix", unix_precision="seconds"), env(TIMESTAMP, TS)),
        Case("tsc_to_unix_negative_seconds", one(c, target_type="unix", unix_precision="seconds"),
             env(TIMESTAMP, -1500)),
        Case("tsc_string_to_unix", one(c, target_type="unix", format="yyyy-MM-dd HH:mm:ss"),
             env(STRING, "2024-02-29 13:45:30")),
        Case("tsc_string_to_timestamp", one(c, target_type="Timestamp", format="dd/MM/yyyy"),
             env(STRING, "29/02/2024")),
        Case("tsc_string_unparseable", one(c, target_type="unix", format="yyyy-MM-dd"), env(STRING, "nope")),
        Case("tsc_date_to_string", one(c, target_type="string", format="yyyy/MM/dd"), env(DATE, 19782)),
        Case("tsc_time_to_unix", one(c, target_type="unix"), env(TIME, 49_530_123)),
        Case("tsc_timestamp_to_date", one(c, target_type="Date"), env(TIMESTAMP, TS)),
        Case("tsc_optional_null", one(c, target_type="unix"), env({**TIMESTAMP, "optional": True}, None)),
        Case("tsc_field_schema", one(c, field="ts", target_type="string", format="yyyyMMdd"), tsv),
        Case("tsc_field_schema_unix", one(c, field="u", target_type="Date"), tsv),
        Case("tsc_field_schema_string", one(c, field="s", target_type="Timestamp", format="yyyy-MM-dd HH:mm:ss"),
             tsv),
        Case("tsc_field_schema_int32_unsupported", one(c, field="i", target_type="unix"), tsv),
        Case("tsc_field_schemaless", one(c, field="t", target_type="string", format="HH:mm"),
             env(None, {"t": TS, "o": 1})),
        Case("tsc_field_schemaless_null", one(c, field="t", target_type="string", format="HH:mm"),
             env(None, {"t": None})),
        Case("tsc_schemaless_to_timestamp_unserialisable", one(c, target_type="Timestamp"), env(None, TS)),
        Case("tsc_schemaless_string_to_unix", one(c, target_type="unix", format="yyyy"), env(None, "1999")),
        Case("tsc_schemaless_double_rejected", one(c, target_type="unix"), env(None, 1.5)),
        Case("tsc_tombstone", one(c, target_type="unix"), None),
        Case("tsc_key", one("TimestampConverter$Key", target_type="string", format="yyyy"), key=env(t("int64"), TS)),
        Case("tsc_key_schemaless_field", one("TimestampConverter$Key", field="at", target_type="unix",
                                             unix_precision="microseconds"), key=env(None, {"at": TS})),
        Case("tsc_field_null_default_replaced", one(c, field="d", target_type="unix"), dflt_v),
        Case("tsc_field_null_default_kept", one(c, field="d", target_type="unix", replace_null_with_default="false"),
             dflt_v),
        Case("tsc_field_missing_schemaless", one(c, field="nope", target_type="unix"), env(None, {"t": TS})),
        Case("tsc_bad_target", one(c, target_type="timestamp")),
        Case("tsc_string_without_format", one(c, target_type="string")),
        Case("tsc_bad_precision", one(c, target_type="unix", unix_precision="minutes")),
        Case("tsc_bad_format", one(c, target_type="string", format="yyyy-bb")),
    ]


def _timestamp_router_cases() -> list[Case]:
    c = "TimestampRouter"
    return [
        Case("ts_router_default", one(c)),
        Case("ts_router_custom", one(c, topic_format="${timestamp}.${topic}.x", timestamp_format="yyyy-MM-dd_HH")),
        Case("ts_router_quoted", one(c, timestamp_format="'week'ww'y'YYYY")),
        Case("ts_router_no_placeholders", one(c, topic_format="fixed")),
        Case("ts_router_epoch", one(c, timestamp_format="yyyyMMddHHmmssSSS"), timestamp=0),
        Case("ts_router_null_timestamp", one(c), timestamp=None),
        Case("ts_router_tombstone", one(c), None),
    ]


def _value_to_key_cases() -> list[Case]:
    c = "ValueToKey"
    return [
        Case("v2k_schema", one(c, fields="id,name")),
        Case("v2k_schema_order", one(c, fields="address,id")),
        Case("v2k_schema_default_replaced", one(c, fields="qty")),
        Case("v2k_schema_default_kept", one(c, fields="qty", replace_null_with_default="false")),
        Case("v2k_schema_missing_field", one(c, fields="id,nope")),
        Case("v2k_schemaless", one(c, fields="id,address")),
        Case("v2k_schemaless_missing", one(c, fields="id,nope"), SL_V),
        Case("v2k_schemaless_value", one(c, fields="id,name"), SL_V),
        Case("v2k_tombstone", one(c, fields="id"), None),
        Case("v2k_empty_fields", one(c, fields="")),
        Case("v2k_duplicate_fields", one(c, fields="id,id")),
    ]


def _chain_cases() -> list[Case]:
    return [
        Case("chain_value_to_key_extract", steps(("ValueToKey", {"fields": "id"}), ("ExtractField$Key",
                                                                                   {"field": "id"}))),
        Case("chain_filter_stops", steps(("InsertHeader", {"header": "a", "value_literal": "1"}), ("Filter", {}),
                                         ("InsertHeader", {"header": "b", "value_literal": "2"}))),
        Case("chain_route_then_match", steps(("RegexRouter", {"regex": "orders", "replacement": "x"}),
                                             ("Filter", {"predicate": "p"})) | pred("p", "TopicNameMatches",
                                                                                    pattern="orders")),
        Case("chain_flatten_cast_rename", steps(("Flatten$Value", {"delimiter": "_"}),
                                                ("Cast$Value", {"spec": "address_zip:string"}),
                                                ("ReplaceField$Value", {"renames": "address_zip:zip"}))),
        Case("chain_hoist_then_insert", steps(("HoistField$Value", {"field": "v"}),
                                              ("InsertField$Value", {"topic_field": "t"})), env(t("string"), "x")),
        Case("chain_header_from_then_drop", steps(("HeaderFrom$Value", {"fields": "id", "headers": "hid",
                                                                        "operation": "move"}),
                                                  ("DropHeaders", {"headers": "trace"}))),
        Case("chain_two_predicates", {
            "transforms": "a,b", "predicates": "tomb,topic",
            "transforms.a.type": TX + "InsertHeader", "transforms.a.header": "x", "transforms.a.value.literal": "1",
            "transforms.a.predicate": "topic",
            "transforms.b.type": TX + "Filter", "transforms.b.predicate": "tomb", "transforms.b.negate": "true",
            "predicates.tomb.type": PRED + "RecordIsTombstone",
            "predicates.topic.type": PRED + "TopicNameMatches", "predicates.topic.pattern": "ord.*"}, None),
        Case("chain_empty", {"transforms": ""}),
        Case("chain_ssm_then_tsr", steps(("SetSchemaMetadata$Value", {"schema_name": "z"}),
                                         ("TimestampRouter", {"topic_format": "${topic}_${timestamp}"}))),
        Case("chain_unknown_class", one("org.example.Nope")),
    ]


def _conv_cases() -> list[ConvCase]:
    out: list[ConvCase] = [ConvCase("int_hwrite_no_converter_type", CONV + "IntegerConverter", "hwrite",
                                    env(t("int32"), 1))]
    specs = {
        "IntegerConverter": ("int32", [0, -1, 2147483647, -2147483648, 70000], "AAAAKg==", "AAE="),
        "LongConverter": ("int64", [0, -1, 9223372036854775807, -9223372036854775808], "AAAAAAAAACo=", "AAAAKg=="),
        "ShortConverter": ("int16", [0, -1, 32767, -32768], "//8=", "AAAAKg=="),
        "FloatConverter": ("float", [0.0, -0.0, 1.5, 3.4028234663852886e38, 1.401298464324817e-45], "P8AAAA==",
                           "AAAAAAAAACo="),
        "DoubleConverter": ("double", [0.0, -0.0, 0.1, 1e300, -1.7976931348623157e308, 5e-324], "QAkh+1RELRg=",
                            "P8AAAA=="),
        "BooleanConverter": ("boolean", [True, False], "AQ==", "AAA="),
    }
    for name, (type_, values, good, bad) in specs.items():
        cls = CONV + name
        short = name.removesuffix("Converter").lower()
        for i, v in enumerate(values):
            out.append(ConvCase(f"{short}_write_{i}", cls, "write", env(t(type_), v)))
        out += [
            ConvCase(f"{short}_write_null", cls, "write", env(t(type_, True), None)),
            ConvCase(f"{short}_write_tombstone", cls, "write", None),
            ConvCase(f"{short}_write_string", cls, "write", env(STRING, "1")),
            ConvCase(f"{short}_write_other_width", cls, "write",
                     env(t("int8" if type_ != "int8" else "int16"), 1)),  # fmt: skip
            ConvCase(f"{short}_write_schemaless", cls, "write", env(None, values[1])),
            ConvCase(f"{short}_hwrite", cls, "hwrite", env(t(type_), values[-1]), config=HEADER),
            ConvCase(f"{short}_read", cls, "read", good),
            ConvCase(f"{short}_read_key", cls, "read", good, is_key=True),
            ConvCase(f"{short}_read_null", cls, "read", None),
            ConvCase(f"{short}_read_bad_length", cls, "read", bad),
            ConvCase(f"{short}_read_empty", cls, "read", ""),
            ConvCase(f"{short}_hread", cls, "hread", good, config=HEADER),
        ]
    out.append(ConvCase("boolean_read_byte_2", CONV + "BooleanConverter", "read", "Ag=="))
    out.append(ConvCase("boolean_read_byte_ff", CONV + "BooleanConverter", "read", "/w=="))
    for i, data in enumerate(["f8AAAA==", "f4AAAA==", "/4AAAA==", "gAAAAA==", "AAAAAQ=="]):  # NaN, +-inf, -0, min
        out.append(ConvCase(f"float_read_special_{i}", CONV + "FloatConverter", "read", data))
    for i, data in enumerate(["f/gAAAAAAAA=", "f/AAAAAAAAA=", "//AAAAAAAAA=", "gAAAAAAAAAA="]):
        out.append(ConvCase(f"double_read_special_{i}", CONV + "DoubleConverter", "read", data))
    return out


CASES: list[Case] = [
    *_cast_cases(), *_drop_headers_cases(), *_extract_field_cases(), *_filter_and_predicate_cases(),
    *_flatten_cases(), *_header_from_cases(), *_hoist_cases(), *_insert_field_cases(), *_insert_header_cases(),
    *_mask_cases(), *_regex_router_cases(), *_replace_field_cases(), *_set_schema_metadata_cases(),
    *_timestamp_converter_cases(), *_timestamp_router_cases(), *_value_to_key_cases(), *_chain_cases(),
]  # fmt: skip
CONV_CASES: list[ConvCase] = _conv_cases()

# Deliberate, documented differences from Kafka (4.3.1, and 4.1.1 where it says so); each is an explicit xfail with
# its reason.
_REGEX = "Python's re is not java.util.regex"
XFAILS: dict[str, str] = {
    "cast_schemaless_string_parse": "schemaless float32: a Python float has no 32-bit width, so JsonConverter "
    "writes the widened double (0.10000000149011612) where Kafka writes the Float (0.1)",
    "extract_schema_unknown_field": "we raise DataError (a Connect error the error handler can tolerate); Kafka "
    "(4.1.1, 4.3.1) raises IllegalArgumentException",
    "extract_v2_nested_schema_missing": "we raise DataError; Kafka (4.1.1, 4.3.1) raises IllegalArgumentException",
    "header_from_unknown_field_schema": "Kafka (4.1.1, 4.3.1) fails with a NullPointerException; we raise DataError "
    "'Unknown field: <name>'",
    "regex_posix_class": _REGEX + r": no \p{Lower}-style POSIX/Unicode classes",
    "ssm_primitive": "Kafka 4.1+ bug (4.3.1 too): SetSchemaMetadata calls schema.fields() on every schema and throws "
    "'Cannot list fields on non-struct type'; we rename non-struct schemas as Kafka <= 3.8 did",
    "ssm_null_with_schema": "same Kafka 4.1+ SetSchemaMetadata non-struct bug (optional string schema)",
    "ssm_key_string": "same Kafka 4.1+ SetSchemaMetadata non-struct bug (string key schema)",
    "ts_router_quoted": "SimpleDateFormat subset: week-of-year 'w' and week-year 'Y' are not supported",
    "int_hwrite_no_converter_type": "Kafka's HeaderConverter.configure(Map) requires converter.type (the worker "
    "always sets it); our runtime configures header converters without it, so we default to 'header'",
    **{f"{name}_write_schemaless": f"a schemaless Python {kind} has no width: we accept it where Kafka sees a "
       f"java.lang.{java} and rejects it (see connect_core/converters/number.py)"
       for name, kind, java in [("integer", "int", "Long"), ("short", "int", "Long"), ("float", "float", "Double")]},
}
# Kafka 4.2 validates list keys anew (ConfigDef.ValidList.anyNonDuplicateValues): a blank entry is refused, repeats
# are dropped. We do as 4.2+ does (connect_core.api.config.ValidList); against a 4.1 oracle
# (LAMBDA_CONNECT_COMPAT_KAFKA=4.1.1, `make compat-4.1`) these cases are the expected differences.
_BEFORE_4_2 = "Kafka 4.1 has no duplicate/blank-entry list validation (added in 4.2); we answer as 4.2+"
if kafka_before("4.2"):
    XFAILS.update({
        "drop_headers_empty_value": _BEFORE_4_2, "replace_empty_value_exclude": _BEFORE_4_2,
        "v2k_duplicate_fields": _BEFORE_4_2 + " (4.1 builds the key schema with the field twice and fails)",
    })

# Failures where the stage and exception class match but the message cannot or does not (yet) match.
MESSAGE_DIFFERS: dict[str, str] = {
    "filter_topic_bad_pattern": _REGEX + ": the regex compiler's error text differs",
    "regex_invalid": _REGEX + ": the regex compiler's error text differs",
    "insert_static_field_without_value": "Kafka prints InsertField$InsertionSpec@<identity hash>",
    "ts_router_null_timestamp": "the message embeds the record's toString(), which is Java-specific",
    "flatten_primitive_schema": "requireStruct names the Java class of the value (java.lang.Integer); a Python int "
    "has no width, so we name java.lang.Long",
    "insert_schema_primitive_rejected": "as flatten_primitive_schema: java.lang.Integer vs java.lang.Long",
    "mask_schema_decimal": "Kafka and we both fail to serialise the scale-0 masked Decimal; the scale message comes "
    "from connect_core.api.logical (reported, not in this module's scope)",
    "extract_bad_syntax_version": "CaseInsensitiveValidString's '(case insensitive)' wording is missing from "
    "connect_core.api.config.valid_string (reported, not in this module's scope)",
}
if kafka_before("4.2"):
    MESSAGE_DIFFERS.update(dict.fromkeys(("drop_headers_empty_config", "mask_empty_fields", "v2k_empty_fields"),
                                         "Kafka 4.1's NonEmptyListValidator says 'Empty list'; 4.2+ (and we) say "
                                         "\"Configuration 'fields' must not be empty...\""))


# -- oracle ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def oracle() -> dict[str, dict[str, Any]]:
    """Run every case through Kafka in one JVM; results keyed by case id."""
    require_tool("java")
    cp = maven_classpath(HERE / "pom.xml")
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    lines = "\n".join(json.dumps(c.to_json()) for c in [*CASES, *CONV_CASES]) + "\n"
    (RUN_DIR / "transform_oracle.in").write_text(lines)
    proc = subprocess.run(["java", "-cp", cp, str(HERE / "TransformOracle.java")], input=lines, capture_output=True,
                          text=True, check=True, timeout=300)  # fmt: skip
    (RUN_DIR / "transform_oracle.out").write_text(proc.stdout)
    results = {}
    for line in proc.stdout.splitlines():
        result = json.loads(line)
        results[result.pop("id")] = result
    return results


def _json_converter() -> JsonConverter:
    conv = JsonConverter()
    conv.configure({"schemas.enable": "true", "replace.null.with.default": "false"})
    return conv


JSON = _json_converter()


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode()


def _error(stage: str, e: BaseException) -> dict[str, Any]:
    return {"error": {"stage": stage, "class": type(e).__name__, "message": str(e)}}


def _kafka(result: dict[str, Any]) -> dict[str, Any]:
    """The oracle's result with Java exception classes named as ours."""
    if "error" not in result:
        return result
    err = dict(result["error"])
    err["class"] = JAVA_TO_PYTHON.get(err["class"], err["class"])
    err["message"] = err["message"] or ""
    return {"error": err}


def _record(case: Case) -> ConnectRecord:
    key = JSON.to_connect_data(case.topic, None if case.key is None else case.key.encode())
    value = JSON.to_connect_data(case.topic, None if case.value is None else case.value.encode())
    headers = Headers()
    for name, data in case.headers:
        headers.add(name, JSON.to_connect_header(case.topic, name, None if data is None else data.encode()))
    if case.record_type == "source":
        return SourceRecord({"p": 1}, {"o": 1}, case.topic, case.partition, key.schema, key.value, value.schema,
                            value.value, case.timestamp, headers)  # fmt: skip
    return SinkRecord(case.topic, case.partition, key.schema, key.value, value.schema, value.value, case.offset,
                      case.timestamp, CREATE_TIME, headers)  # fmt: skip


def _describe(record: ConnectRecord) -> dict[str, Any]:
    topic = record.topic
    return {"record": {
        "topic": topic, "partition": record.kafka_partition, "timestamp": record.timestamp,
        "key": _text(JSON.from_connect_data(topic, record.key_schema, record.key)),
        "value": _text(JSON.from_connect_data(topic, record.value_schema, record.value)),
        "headers": [[h.key, _text(JSON.from_connect_header(topic, h.key, h.schema, h.value))] for h in record.headers],
    }}  # fmt: skip


def run_ours(case: Case) -> dict[str, Any]:
    """The same steps as TransformOracle.runSmt, with our classes."""
    try:
        chain = build_chain(case.props)
    except Exception as e:  # compared with Kafka's failure
        return _error("config", e)
    try:
        out = chain.apply(_record(case))
    except Exception as e:
        return _error("apply", e)
    if out is None:
        return {"dropped": True}
    try:
        return _describe(out)
    except Exception as e:
        return _error("serialize", e)


def _converter(case: ConvCase) -> Any:
    module, _, name = HEADER_CONVERTERS[case.cls].partition(":")
    conv = getattr(importlib.import_module(module), name)()
    if case.op.startswith("h"):
        conv.configure(case.config)
    else:
        conv.configure(case.config, case.is_key)
    return conv


def run_ours_converter(case: ConvCase) -> dict[str, Any]:
    """The same steps as TransformOracle.runConverter, with our classes."""
    try:
        conv = _converter(case)
        if case.op.endswith("write"):
            sv = JSON.to_connect_data("t", None if case.data is None else case.data.encode())
            if case.op == "hwrite":
                data = conv.from_connect_header("t", "h", sv.schema, sv.value)
            else:
                data = conv.from_connect_data("t", sv.schema, sv.value)
            return {"bytes": None if data is None else base64.b64encode(data).decode()}
        raw = None if case.data is None else base64.b64decode(case.data)
        sv = conv.to_connect_header("t", "h", raw) if case.op == "hread" else conv.to_connect_data("t", raw)
        return {"read": _text(JSON.from_connect_data("t", sv.schema, sv.value))}
    except Exception as e:
        return _error("convert", e)


# -- tests --------------------------------------------------------------------------------------------------
def test_corpus_is_large_enough() -> None:
    assert len(CASES) + len(CONV_CASES) >= 200
    assert len({c.id for c in CASES} | {c.id for c in CONV_CASES}) == len(CASES) + len(CONV_CASES)


def _canon(text: str | None) -> Any:
    """JSON with objects as unordered dicts but number tokens kept verbatim (``1`` is not ``1.0``)."""
    if text is None:
        return None
    return json.loads(text, parse_float=lambda s: ("float", s), parse_int=lambda s: ("int", s))


def _unordered(result: dict[str, Any]) -> dict[str, Any]:
    """Schemaless maps are HashMaps in Kafka, so only their entries (not their order) can be compared."""
    if "record" not in result:
        return result
    record = dict(result["record"])
    record["key"], record["value"] = _canon(record["key"]), _canon(record["value"])
    record["headers"] = [[k, _canon(v)] for k, v in record["headers"]]
    return {"record": record}


def _params(cases: list[Any]) -> list[Any]:
    """Cases as pytest params; documented differences become strict xfails (an unexpected pass fails the run)."""
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=XFAILS[c.id], strict=True)] if c.id in XFAILS
                         else []) for c in cases]  # fmt: skip


@pytest.mark.parametrize("case", _params(CASES))
def test_transform_matches_kafka(oracle: dict[str, dict[str, Any]], case: Case) -> None:
    ours, kafka = run_ours(case), _kafka(oracle[case.id])
    if case.id in MESSAGE_DIFFERS:
        assert "error" in kafka, "MESSAGE_DIFFERS cases must be failures in Kafka"
        assert "error" in ours
        ours["error"].pop("message")
        kafka["error"].pop("message")
    if ours != kafka:
        assert _unordered(ours) == _unordered(kafka)


@pytest.mark.parametrize("case", _params(CONV_CASES))
def test_number_converter_matches_kafka(oracle: dict[str, dict[str, Any]], case: ConvCase) -> None:
    assert run_ours_converter(case) == _kafka(oracle[case.id])

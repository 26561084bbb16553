"""Confluent's connect-transforms against the examples and property tables of their published documentation.

The jar is on Confluent Hub only (not on Maven Central), so there is no oracle to run: each test is one documented
example (docs.confluent.io/kafka-connectors/transforms/current/: filter-confluent, drop, extracttopic,
messagetimestamprouter, tombstonehandler, topicregexrouter, gzipdecompress), with its configuration and before/after
as published.
"""

from __future__ import annotations

import gzip
import logging

import pytest

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.header import Headers
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.coordinator.herder.plugins import connector_plugin_config
from connect_core.transforms.chain import build_chain
from connect_core.transforms.confluent._json_path import JsonPath, JsonPathSyntaxError, PathNotFoundError
from tests.unit.transforms._records import sink, source

CT = "io.confluent.connect.transforms."
NESTED = '$.key[?(@.nestedKey == "value1" || @.nestedKey == "value2")]'


def _chain(type_: str, **configs: str) -> object:
    return build_chain({"transforms": "t", "transforms.t.type": CT + type_,
                        **{f"transforms.t.{k.replace('_', '.')}": v for k, v in configs.items()}})


def _values(*values: object) -> list[object]:
    return [sink(value) for value in values]


# -- Filter (filter-confluent): filterExample1 (include, fail) and filterExample2 (exclude, include) ------------------
def test_filter_example_1_includes_matches_and_fails_on_a_missing_field() -> None:
    chain = _chain("Filter$Value", filter_condition=NESTED, filter_type="include", missing_or_null_behavior="fail")
    assert chain.apply(sink({"key": [{"nestedKey": "value1"}]})) is not None
    assert chain.apply(sink({"key": [{"nestedKey": "value3"}]})) is None
    assert chain.apply(sink({"key": {"nestedKey": "value2"}})) is not None  # a filter on an object tests the object
    with pytest.raises(DataError, match="missing the field"):
        chain.apply(sink({"other": 1}))
    with pytest.raises(DataError, match="null"):
        chain.apply(sink(None))  # a tombstone


def test_filter_example_2_excludes_matches_and_includes_records_missing_the_field() -> None:
    chain = _chain("Filter$Value", filter_condition=NESTED, filter_type="exclude", missing_or_null_behavior="include")
    assert chain.apply(sink({"key": [{"nestedKey": "value1"}]})) is None
    assert chain.apply(sink({"key": [{"nestedKey": "value9"}]})) is not None
    assert chain.apply(sink({"other": 1})) is not None
    # inside [?()] a missing field is undefined, not missing: no match, so the record stays
    assert chain.apply(sink({"key": [{"x": 1}]})) is not None


def test_filter_reads_structs_and_keys() -> None:
    schema = SchemaBuilder.struct().field("book", SchemaBuilder.struct().field("author", Schema.STRING_SCHEMA)
                                                  .build()).build()
    book = Struct(schema.field("book").schema).put("author", "Tolstoy")
    record = source(Struct(schema).put("book", book), schema)
    condition = '$.book[?(@.author == "Tolstoy" || @.author == "Dostoevsky")]'
    assert _chain("Filter$Value", filter_condition=condition, filter_type="include").apply(record) is not None
    keyed = source(None, key={"id": 5})
    assert _chain("Filter$Key", filter_condition="$[?(@.id > 3)]", filter_type="exclude",
                  missing_or_null_behavior="include").apply(keyed) is None


def test_filter_config_is_checked() -> None:
    with pytest.raises(ConfigError, match="filter.type"):
        _chain("Filter$Value", filter_condition="$.a", filter_type="keep")
    with pytest.raises(ConfigError, match="filter.condition"):
        _chain("Filter$Value", filter_condition="a.b", filter_type="include")


def test_json_path_subset() -> None:
    doc = {"a": {"b": [1, 2, 3]}, "s": "abc", "n": None}
    assert JsonPath("$.a.b[-1]").read(doc) == 3
    assert JsonPath("$['a']['b'][0]").read(doc) == 1
    assert JsonPath("$.a.b[*]").read(doc) == [1, 2, 3]
    assert JsonPath("$..b").read(doc) == [[1, 2, 3]]
    assert JsonPath("$[?(@.s =~ /a.c/)]").read(doc) == [doc]
    assert JsonPath("$[?(@.s in ['x', 'abc'] && !(@.zz))]").read(doc) == [doc]
    with pytest.raises(PathNotFoundError):
        JsonPath("$.a.c").read(doc)
    with pytest.raises(JsonPathSyntaxError):
        JsonPath("$.a[")


@pytest.mark.parametrize(("condition", "kept", "dropped"), [
    ("$[?( (@.table=='gateway_transactions' || @.table=='merchant_accounts') && @.kind != 'delete')]",
     {"table": "merchant_accounts", "kind": "upsert"}, {"table": "merchant_accounts", "kind": "delete"}),
    ("$.[?(@.ts)]", {"ts": 1}, {"other": 1}),
    ('$[?(@.gender == "Female")]', {"gender": "Female"}, {"gender": "Male"}),
    ("$[?(@.record.commit.collection =~ /.*app.bsky.feed.post/)]",
     {"record": {"commit": {"collection": "app.bsky.feed.post"}}},
     {"record": {"commit": {"collection": "app.bsky.feed.like"}}}),
    ("$[?(@.op != 'c' && @.op != 'r' && @.source.table == 'activities')]",
     {"op": "u", "source": {"table": "activities"}}, {"op": "c", "source": {"table": "activities"}}),
    ("$.after.topic_name", {"after": {"topic_name": "t"}}, {"after": None}),
])  # fmt: skip
def test_published_filter_conditions(condition: str, kept: dict[str, object], dropped: dict[str, object]) -> None:
    """Conditions as published in connector configs people share (GitHub), with a record each keeps and drops."""
    chain = _chain("Filter$Value", filter_condition=condition, filter_type="include",
                   missing_or_null_behavior="exclude")
    assert chain.apply(sink(kept)) is not None
    assert chain.apply(sink(dropped)) is None


# -- Drop: the four schema.behavior examples ---------------------------------------------------------------------------
@pytest.mark.parametrize(("behavior", "schema", "expected"), [
    ("nullify", Schema.INT32_SCHEMA, None),
    ("retain", Schema.INT32_SCHEMA, Schema.INT32_SCHEMA),
    ("validate", Schema.OPTIONAL_INT32_SCHEMA, Schema.OPTIONAL_INT32_SCHEMA),
    ("force_optional", Schema.INT32_SCHEMA, Schema.OPTIONAL_INT32_SCHEMA),
])  # fmt: skip
def test_drop_key_schema_behaviors(behavior: str, schema: Schema, expected: Schema | None) -> None:
    out = _chain("Drop$Key", schema_behavior=behavior).apply(source("v", key=24, key_schema=schema))
    assert (out.key, out.key_schema, out.value) == (None, expected, "v")


def test_drop_validate_refuses_a_required_schema_and_drop_value_keeps_the_key() -> None:
    with pytest.raises(DataError, match="not optional"):
        _chain("Drop$Key", schema_behavior="validate").apply(source("v", key=24, key_schema=Schema.INT32_SCHEMA))
    out = _chain("Drop$Value").apply(source("v", Schema.STRING_SCHEMA, key=1))
    assert (out.value, out.value_schema, out.key) == (None, None, 1)


# -- ExtractTopic: KeyExample, ValueFieldExample, KeyFieldExample, FieldJsonPathExample, HeaderExample ---------------
def test_extract_topic_documented_examples() -> None:
    assert _chain("ExtractTopic$Key").apply(source(None, key="orders")).topic == "orders"
    assert _chain("ExtractTopic$Value", field="f2").apply(source({"f2": "t2"})).topic == "t2"
    skip = _chain("ExtractTopic$Value", field="f3", skip_missing_or_null="true")
    assert skip.apply(source({"f2": "t2"}, topic="same")).topic == "same"
    json_path = _chain("ExtractTopic$Value", field='$["f1"]["f3"]', field_format="JSON_PATH",
                       skip_missing_or_null="true")
    assert json_path.apply(source({"f1": {"f3": "nested"}})).topic == "nested"
    assert json_path.apply(source({"f1": {}}, topic="same")).topic == "same"
    header = _chain("ExtractTopic$Header", field="destination")
    headers = Headers().add("destination", "from-header", Schema.STRING_SCHEMA)
    assert header.apply(source("v", headers=headers)).topic == "from-header"
    with pytest.raises(DataError, match="missing or null"):
        _chain("ExtractTopic$Value", field="f3").apply(source({"f2": "t2"}))


def test_extract_topic_reads_struct_fields() -> None:
    schema = SchemaBuilder.struct().field("f2", Schema.STRING_SCHEMA).build()
    assert _chain("ExtractTopic$Value", field="f2").apply(sink(Struct(schema).put("f2", "s"), schema)).topic == "s"


# -- MessageTimestampRouter: the documented example -------------------------------------------------------------------
def test_message_timestamp_router_example() -> None:
    chain = _chain("MessageTimestampRouter", topic_format="foo-${topic}-${timestamp}",
                   message_timestamp_format="yyyy-MM-dd", topic_timestamp_format="yyyy.MM.dd",
                   message_timestamp_keys="timestamp,time,ts")
    assert chain.apply(source({"time": "2019-08-06"}, topic="bar")).topic == "foo-bar-2019.08.06"
    with pytest.raises(DataError, match="Only Map objects supported"):
        chain.apply(source("text", Schema.STRING_SCHEMA, topic="bar"))
    with pytest.raises(ConfigError, match="message.timestamp.keys"):
        _chain("MessageTimestampRouter")


# -- TombstoneHandler: warn (default), ignore, fail -------------------------------------------------------------------
def test_tombstone_handler_behaviors(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert _chain("TombstoneHandler").apply(sink(None)) is None
        assert _chain("TombstoneHandler", behavior="ignore").apply(sink(None)) is None
    assert [r.levelname for r in caplog.records if "Tombstone" in r.getMessage()] == ["WARNING", "DEBUG"]
    assert _chain("TombstoneHandler").apply(sink("kept")).value == "kept"
    with pytest.raises(DataError, match="behavior=fail"):
        _chain("TombstoneHandler", behavior="fail").apply(sink(None))


# -- TopicRegexRouter ------------------------------------------------------------------------------------------------
def test_topic_regex_router_rewrites_a_whole_match() -> None:
    chain = _chain("TopicRegexRouter", regex="(.*)-(.*)", replacement="$2_$1")
    assert chain.apply(source("v", topic="orders-eu")).topic == "eu_orders"


@pytest.mark.parametrize(("regex", "replacement", "before", "after"), [
    ("soe-(.*)", "$1", "soe-Order", "Order"),  # dropPrefix
    (".*", "acme_$0", "Order", "acme_Order"),  # AddPrefix
])
def test_topic_regex_router_by_its_cloud_class_name(regex: str, replacement: str, before: str, after: str) -> None:
    """The documentation's (and Confluent Cloud's) class name, ``io.confluent.connect.cloud.transforms``."""
    chain = build_chain({"transforms": "t",
                         "transforms.t.type": "io.confluent.connect.cloud.transforms.TopicRegexRouter",
                         "transforms.t.regex": regex, "transforms.t.replacement": replacement})
    assert chain.apply(source("v", topic=before)).topic == after


# -- GzipDecompress: the documented base64 example; GZIPInputStream's reading of concatenated members -----------------
def test_gzip_decompress_value_and_key() -> None:
    base64_text = b"SGVsbG8gd29ybGQK\n"  # echo "Hello world" | base64
    gzipped = gzip.compress(base64_text)  # ... | gzip
    after = _chain("GzipDecompress$Value").apply(sink(gzipped, Schema.BYTES_SCHEMA, key="k"))
    assert (after.value, after.value_schema, after.key) == (base64_text, Schema.BYTES_SCHEMA, "k")
    assert _chain("GzipDecompress$Value").apply(sink(gzipped)).value == base64_text  # ByteArrayConverter, no schema
    two_members = gzip.compress(b"Hello ") + gzip.compress(b"world")
    assert _chain("GzipDecompress$Key").apply(source("v", key=two_members)).key == b"Hello world"
    assert _chain("GzipDecompress$Value").apply(sink(None)).value is None  # a tombstone passes


def test_gzip_decompress_refuses_what_is_not_gzip_bytes() -> None:
    with pytest.raises(DataError, match="gzip-decompress the value"):
        _chain("GzipDecompress$Value").apply(sink(b"plain"))
    with pytest.raises(DataError, match="only with BYTES input"):
        _chain("GzipDecompress$Value").apply(sink("text", Schema.STRING_SCHEMA))
    with pytest.raises(DataError, match="only with byte-array input"):
        _chain("GzipDecompress$Key").apply(source("v", key="text"))


def test_documented_keys_are_what_the_config_endpoint_lists() -> None:
    assert [k["name"] for k in connector_plugin_config(CT + "Filter$Value")] == [
        "filter.condition", "filter.type", "missing.or.null.behavior"]
    assert [k["name"] for k in connector_plugin_config(CT + "ExtractTopic$Header")] == [
        "field", "field.format", "skip.missing.or.null"]
    assert [k["name"] for k in connector_plugin_config(CT + "MessageTimestampRouter")] == [
        "topic.format", "message.timestamp.format", "topic.timestamp.format", "message.timestamp.keys"]

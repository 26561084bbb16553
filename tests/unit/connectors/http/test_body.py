"""Request bodies and URLs: Confluent's string and JSON forms, batch framing, ${topic}/${key}."""

from __future__ import annotations

from connect_core.api.config import parse_config
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.http._body import batch_body, substitute
from connect_core.connectors.http.config import HttpSinkConfig


def _config(**props: str) -> HttpSinkConfig:
    return parse_config(HttpSinkConfig, {"http.api.url": "http://h/x", **props})


def _record(value: object, schema: object = None, key: object = "k") -> SinkRecord:
    return SinkRecord("orders", 3, None, key, schema, value, 9)  # type: ignore[arg-type]


def test_string_format_is_java_to_string_of_structs_maps_and_lists() -> None:
    schema = SchemaBuilder.struct().field("id", SchemaBuilder.int32().build()).field(
        "tag", SchemaBuilder.string().optional().build()).build()
    records = [_record(Struct(schema).put("id", 1)), _record({"a": [1, 2.5]}), _record(True)]

    assert batch_body(_config(**{"batch.separator": "|"}), records) == b"Struct{id=1}|{a=[1, 2.5]}|true"


def test_json_format_without_array_uses_prefix_and_suffix() -> None:
    config = _config(**{"request.body.format": "json", "batch.prefix": '{"rows":[', "batch.suffix": "]}"})

    assert batch_body(config, [_record({"a": 1}), _record("s")]) == b'{"rows":[{"a":1},"s"]}'


def test_topic_and_key_are_substituted_and_quoted_in_urls_only() -> None:
    record = _record("v", key="a/b c")

    assert substitute("http://h/${topic}/${key}", record, quote=True) == "http://h/orders/a%2Fb%20c"
    assert substitute("${topic}-${key}", record, quote=False) == "orders-a/b c"
    assert substitute("http://h/fixed", record, quote=True) == "http://h/fixed"

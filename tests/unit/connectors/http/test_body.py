"""Request bodies and URLs: Confluent's string and JSON forms, batch framing, ${topic}/${key}."""

from __future__ import annotations

import datetime
import decimal

import pytest

from connect_core.api.config import parse_config
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.http._body import batch_body, json_array, json_array_reference, substitute
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


def _rows() -> list[SinkRecord]:
    """Records of every shape the JSON body writes: structs with logical types, bytes and special floats,
    schemaless maps (string keys or not), lists, scalars, text beyond ASCII and null."""
    schema = (SchemaBuilder.struct().field("id", SchemaBuilder.int64().build())
              .field("name", SchemaBuilder.string().optional().build())
              .field("price", Decimal.builder(2).optional().build())
              .field("day", Date.schema()).field("at", Timestamp.schema())
              .field("raw", SchemaBuilder.bytes().optional().build())
              .field("score", SchemaBuilder.float64().build())
              .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).build())
              .field("counts", SchemaBuilder.map(SchemaBuilder.int32().build(), SchemaBuilder.int32().build()).build())
              .build())
    structs = [Struct(schema).put("id", i).put("name", name).put("price", decimal.Decimal("12.34"))
               .put("day", datetime.date(2024, 1, 2)).put("at", datetime.datetime(2024, 1, 2, 3, 4, 5, 6000,
                                                                                    tzinfo=datetime.UTC))
               .put("raw", b"\x00\xff").put("score", score).put("tags", ["a", "\u00e9\U0001f600"])
               .put("counts", {1: 2, 3: 4})
               for i, (name, score) in enumerate([("n\"1\\", 0.1), (None, float("nan")), ("\u2028", 1e300),
                                                  ("x", float("-inf"))])]
    return [*(_record(s, schema) for s in structs), _record({"a": [1, 2.5, None], "b": {"c": True}}),
            _record({1: "x", 2: "y"}), _record(["l", 1]), _record("s"), _record(7), _record(None),
            _record(b"bytes")]


@pytest.mark.parametrize("count", [0, 1, 4, 11])
def test_json_array_is_each_record_text_joined(count: int) -> None:
    records = _rows()[:count]

    assert json_array(records) == json_array_reference(records)
    config = _config(**{"request.body.format": "json", "batch.json.as.array": "true"})
    assert batch_body(config, records) == json_array_reference(records).encode()


def test_json_array_of_what_the_encoder_cannot_write_falls_back_record_by_record() -> None:
    schema = SchemaBuilder.struct().field("f", SchemaBuilder.float64().build()).build()
    records = [_record(Struct(schema).put("f", 1.5)), _record({"n": 1})]
    odd = _record(Struct(schema).put("f", 1.5))
    odd.value._values[0] = decimal.Decimal("1.10")  # not a float: only the exact writer takes it
    records.append(odd)

    assert json_array(records) == json_array_reference(records) == '[{"f":1.5},{"n":1},{"f":1.10}]'

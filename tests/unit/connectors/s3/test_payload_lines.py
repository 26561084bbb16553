"""JSON lines from the payload's bytes (the converter's lazy text, as the runner asks for it when the S3 sink writes
JSON lines and no SMT reads the values) against the reference path (every value read, the exact writer): the same
file bytes and the same records left out under ``errors.tolerance=all`` on the same batch."""

from __future__ import annotations

import base64
import random
from typing import Any

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.data_json import to_json_text
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct, TextStruct
from connect_core.connectors.s3._format import RecordFormat
from connect_core.converters.json import JsonConverter
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.sink_pipeline import SinkPipeline
from connect_core.transforms.chain import TransformationChain

JSON = "org.apache.kafka.connect.json.JsonConverter"
CONFIG = {"key.converter": JSON, "value.converter": JSON, "errors.tolerance": "all"}
SCHEMA = (SchemaBuilder.struct().name("rows")
          .field("id", SchemaBuilder.int64().build())
          .field("name", SchemaBuilder.string().build())
          .field("price", Decimal.builder(2).build())
          .field("score", SchemaBuilder.float64().build())
          .field("at", Timestamp.builder().build())
          .field("note", SchemaBuilder.string().optional().build())
          .build())
KEY = SchemaBuilder.struct().field("id", SchemaBuilder.int64().build()).build()


class Reporter:
    """The offsets of the records reported as failed."""

    def __init__(self) -> None:
        self.offsets: list[int] = []

    def report(self, context: Any) -> None:
        self.offsets.append(context.original.offset)

    def close(self) -> None:
        """Nothing to release."""


def _pipeline(lazy_text: bool) -> tuple[SinkPipeline, Reporter]:
    reporter = Reporter()
    operator = RetryWithToleranceOperator.from_config(ErrorHandlingConfig.parse(CONFIG), reporters=[reporter])
    converters = ConverterSet.from_config(CONFIG)
    if lazy_text:  # what SinkRunner does for a task that wants_json_text, with no SMT
        value: Any = converters.value
        value.keep_json_text(lazy=True)
        key: Any = converters.key
        key.keep_json_text(lazy=True)
    return SinkPipeline(converters, TransformationChain([]), operator), reporter


def _batch(seed: int, *, failing: bool) -> list[ConsumedRecord]:
    """Envelopes as our JsonConverter writes them, with edits a producer of other JSON makes and tombstones among
    them; with ``failing``, records that fail to convert too."""
    rng = random.Random(seed)
    values, keys = JsonConverter(), JsonConverter()
    values.configure({"schemas.enable": "true"}, is_key=False)
    keys.configure({"schemas.enable": "true"}, is_key=True)
    edits: list[tuple[bytes, bytes]] = [
        (b'"id":', b'"id" : '), (b',"name"', b',\n "name"'), (b'"name":"', b'"name":"\xc3\xa9\xe2\x82\xac'),
        (b'"name":"', b'"name":"\\u00e9'), (b'"name":"', b'"name":"\xf0\x9f\x98\x80'),
        (b'"score":0.25', b'"score":2.5e-1'),
        (b'"payload":{', b'"payload":{"extra":1,'), (b'"payload":{', b'"payload": {'), (b"}}", b"} }"),
    ]
    if failing:
        edits += [(b'"note":null', b'"note":1'), (b'"name":"', b'"name":"\x01'), (b'"name":"', b'"name":"\xff'),
                  (b"}}", b"}"), (b'"payload":{', b'"payload":null,"x":{'), (b'"id":', b'"id":"1",'),
                  (b'"name":"', b'"name":null,"y":"')]
    out = []
    for offset in range(600):
        struct = Struct(SCHEMA)
        struct.put("id", rng.choice([offset, -offset, 2**62]))
        struct.put("name", f"row {offset}")
        struct.put("price", Decimal.to_logical(Decimal.builder(2).build(), base64.b64decode(
            rng.choice([b"AQ==", b"/w==", b"AIA=", b"f/8="]))))
        struct.put("score", rng.choice([0.25, 1e-5, 123.5, 1e8, -0.0, 0.0]))
        struct.put("at", Timestamp.to_logical(Timestamp.builder().build(), rng.choice([0, 1704067201000, -1])))
        struct.put("note", rng.choice([None, "n", 'a "quoted" \\ note']))
        value: bytes | None = values.from_connect_data("t", SCHEMA, struct)
        if offset % 9 == 4:
            old, new = rng.choice(edits)
            value = value.replace(old, new, 1)  # type: ignore[union-attr]
        if offset % 50 == 7:
            value = None
        key = keys.from_connect_data("t", KEY, Struct(KEY).put("id", offset))
        if failing and offset % 97 == 11:  # a key that fails to convert fails its record on both paths
            key = key.replace(b'"payload":{"id":', b'"payload":{"id":"1","x":')  # type: ignore[union-attr]
        out.append(ConsumedRecord("t", 0, offset, 0, "CreateTime", key, value, []))
    return out


def test_lines_from_the_payloads_bytes_are_the_reference_lines() -> None:
    for seed, failing in ((0, False), (1, False), (2, True), (3, True)):
        consumed = _batch(seed, failing=failing)
        (fast, fast_reported), (reference, reference_reported) = _pipeline(True), _pipeline(False)
        fast_records, reference_records = fast.convert_all(consumed), reference.convert_all(consumed)
        assert fast_reported.offsets == reference_reported.offsets  # the same records left out (none or some)
        assert bool(fast_reported.offsets) is failing
        assert [r.kafka_offset for r in fast_records] == [r.kafka_offset for r in reference_records]
        # a batch where a record fails is read record by record (no text); the fast path was taken otherwise
        assert any(type(r.value) is TextStruct for r in fast_records) is not failing
        assert any(type(r.key) is TextStruct for r in fast_records) is not failing
        assert not any(type(r.value) is TextStruct or type(r.key) is TextStruct for r in reference_records)
        written = [r for r in fast_records if r.value is not None]
        expected = [r for r in reference_records if r.value is not None]
        body, _ = RecordFormat("json", "value").stage(written)
        assert body == b"".join(to_json_text(r.value_schema, r.value).encode() + b"\n" for r in expected)
        assert fast_records == reference_records  # the values too, read when something reads them
        assert [r.key for r in fast_records] == [r.key for r in reference_records]  # the keys, read now


# -- many shapes: the pattern's flat rows, a schema change mid-batch, nested and other types it leaves to the reader --
ROWS_V2 = (SchemaBuilder.struct().name("rows")  # the same rows with one more field: a new envelope mid-batch
           .field("id", SchemaBuilder.int64().build())
           .field("name", SchemaBuilder.string().build())
           .field("price", Decimal.builder(2).build())
           .field("score", SchemaBuilder.float64().build())
           .field("at", Timestamp.builder().build())
           .field("note", SchemaBuilder.string().optional().build())
           .field("day", Date.builder().build())
           .field("flag", SchemaBuilder.boolean().optional().default_value(True).build())
           .build())
INNER = SchemaBuilder.struct().name("inner").field("n", SchemaBuilder.int32().build()).field(
    "s", SchemaBuilder.string().optional().build()).build()
NESTED = (SchemaBuilder.struct().name("nested")
          .field("id", SchemaBuilder.int64().build())
          .field("inner", INNER)
          .field("list", SchemaBuilder.array(SchemaBuilder.int32().build()).optional().build())
          .field("map", SchemaBuilder.map(SchemaBuilder.string().build(), SchemaBuilder.float64().build()).build())
          .field("raw", SchemaBuilder.bytes().optional().build())
          .field("f32", SchemaBuilder.float32().build())
          .build())
TEXTS = ["plain", "", "é€ 日本語", "\U0001f600 astral", 'quote " and \\ backslash', "tab\tnew\nline\x01", "</script>"]
DOUBLES = [0.25, 0.0, -0.0, 1e-3, 9.999999e6, 1e7, 1e-5, 123.456, -1.5e300, 2.5e-308, 0.1 + 0.2]
INTS = [0, 1, -1, 2**31 - 1, -(2**31), 2**63 - 1, -(2**63), 10**17, 99]
# texts another producer writes for the same payloads: other number forms, whitespace, escapes, order, extra keys
EDITS: list[tuple[bytes, bytes]] = [
    (b'"score":0.25', b'"score":2.5e-1'), (b'"score":0.25', b'"score":0.250'), (b'"score":0.25', b'"score":25E-2'),
    (b'"id":1,', b'"id":1.0,'), (b'"id":0,', b'"id":-0,'), (b'"name":"', b'"name" : "'), (b',"price"', b',\t"price"'),
    (b'"name":"plain"', b'"name":"pl\\u0061in"'), (b'"name":"plain"', b'"name":"plain\\/"'),
    (b'"payload":{', b'"payload":{"extra":[1,{}],'), (b'"note":null', b'"note":null,"id":5'), (b"}}", b"}\n}"),
]


def shapes_batch(seed: int) -> list[ConsumedRecord]:
    """Envelopes as Kafka's JsonConverter writes them for flat rows (the pattern's path), the same rows under a
    schema with one more field from the middle of the batch on, nested structs with arrays, maps, bytes and float32
    (left to the reader), unicode and escapes, numbers at the edges of each form, some texts as another producer
    writes them, and tombstones. Every record converts (the pipeline's batch path)."""
    rng = random.Random(seed)
    values, keys = JsonConverter(), JsonConverter()
    values.configure({"schemas.enable": "true"}, is_key=False)
    keys.configure({"schemas.enable": "true"}, is_key=True)
    out = []

    def pick(options: list[Any]) -> Any:  # mostly the first (the pattern's path), each of the others too
        return rng.choice(options) if rng.random() < 0.4 else options[0]

    for offset in range(900):
        schema = NESTED if offset % 5 == 3 else ROWS_V2 if offset >= 450 else SCHEMA
        struct = Struct(schema)
        struct.put("id", pick(INTS) if offset % 3 else offset)
        if schema is NESTED:
            struct.put("inner", Struct(INNER).put("n", pick([0, -7, 2**31 - 1])).put("s", pick(
                [None, *TEXTS])))
            struct.put("list", pick([None, [], [1, -2, 3]]))
            struct.put("map", pick([{}, {"a": 0.5, "é": -1e-9, "": 1e21}]))
            struct.put("raw", pick([None, b"", b"\x00\xff bytes"]))
            struct.put("f32", pick([0.0, 0.1, -3.5, 1e10, 1.17549435e-38]))
        else:
            struct.put("name", pick(TEXTS))
            struct.put("price", Decimal.to_logical(Decimal.builder(2).build(), base64.b64decode(
                pick([b"AA==", b"AQ==", b"/w==", b"AIA=", b"f/8=", b"AQIDBAUGBwgJ", b"/wAAAAAAAAAAAA=="]))))
            struct.put("score", pick(DOUBLES))
            struct.put("at", Timestamp.to_logical(Timestamp.builder().build(), pick(
                [0, 1704067201000, -1, 253402300799999, -62135596800000])))
            struct.put("note", pick([None, *TEXTS]))
            if schema is ROWS_V2:
                struct.put("day", Date.to_logical(Date.builder().build(), pick([0, 19724, -1, 2932896])))
                struct.put("flag", pick([None, False, True]))
        value: bytes | None = values.from_connect_data("t", schema, struct)
        if offset % 4 == 1:
            old, new = rng.choice(EDITS)
            value = value.replace(old, new, 1)  # type: ignore[union-attr]
        if offset % 41 == 6:
            value = None
        key = keys.from_connect_data("t", KEY, Struct(KEY).put("id", offset)) if offset % 7 else None
        out.append(ConsumedRecord("t", offset % 2, offset, 1700000000000 + offset, "CreateTime", key, value, []))
    return out


def test_many_shapes_give_the_reference_records_and_lines() -> None:
    for seed in range(4):
        consumed = shapes_batch(seed)
        (fast, fast_reported), (reference, reference_reported) = _pipeline(True), _pipeline(False)
        fast_records, reference_records = fast.convert_all(consumed), reference.convert_all(consumed)
        assert fast_reported.offsets == reference_reported.offsets == []
        assert any(type(r.value) is TextStruct for r in fast_records)  # the fast path was taken
        assert {r.value_schema.name for r in fast_records if r.value is not None} == {"rows", "nested"}
        for view in ("value", "key"):
            records = [r for r in fast_records if (r.value if view == "value" else r.key) is not None]
            expected = [r for r in reference_records if (r.value if view == "value" else r.key) is not None]
            body, _ = RecordFormat("json", view).stage(records)
            assert body == RecordFormat("json", view).stage(expected)[0]  # type: ignore[arg-type]
            assert body == b"".join(to_json_text(*((r.value_schema, r.value) if view == "value" else (
                r.key_schema, r.key))).encode() + b"\n" for r in expected)
        assert fast_records == reference_records

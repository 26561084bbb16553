"""The source values path (``SourceTask.values_poll``): the same bytes, offsets and order as the records path.

``SourceRecord``s stay the reference: every test here compares the values path with what ``poll`` and
``SourcePipeline.produce_args`` make of the records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.record import SourceRecord, SourceValues
from connect_core.api.schema import OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.file.source_task import FileStreamSourceTask
from connect_core.converters.json import JsonConverter
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
from connect_core.runtime import registry
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.source_pipeline import SourcePipeline
from connect_core.runtime.source_runner import _produce_all, _produce_values
from connect_core.transforms.chain import build_chain
from tests.unit._calls import record_calls
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:
    from pathlib import Path

JSON = "org.apache.kafka.connect.json.JsonConverter"
STRING = "org.apache.kafka.connect.storage.StringConverter"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"


class _Str(str):
    """A str subclass: from_connect_data's exact path, not its inline string branch."""


TRICKY = [
    "plain", "", " ", 'say "hi"', "back\\slash", "\\u0041 as text", "tab\there", "nl\nin", "\x00\x01\x1f", "\x7f",
    "café", "euro €", "\u2028\u2029", "astral 😀", "lone \ud800 surrogate", "\udfff", "mixed \\ \" é 😀 \t",
    "</script>", "a" * 300, _Str("subclass"), _Str('sub "quoted"'),
]

WRITABLE = [v for v in TRICKY if "\ud800" not in v and "\udfff" not in v]  # lone surrogates fail to write


def _converter(schemas_enable: bool = True) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": str(schemas_enable).lower()}, is_key=False)
    return converter


def _one_by_one(topic: str, schema: Any, values: list[Any], schemas_enable: bool) -> list[bytes | None]:
    converter = _converter(schemas_enable)
    out = []
    for value in values:
        try:
            out.append(converter.from_connect_data(topic, schema, value))
        except Exception as error:
            out.append(type(error))  # type: ignore[arg-type]
    return out


NAMED = SchemaBuilder.string().name("com.example.Name").build()
USER = SchemaBuilder.struct().name("User").field("id", SchemaBuilder.int32().build()).build()


@pytest.mark.parametrize("schemas_enable", [True, False])
@pytest.mark.parametrize("batch", [
    TRICKY,
    [v for v in TRICKY if v.isascii() and v.isprintable() and "\\" not in v],  # the one-pass branch
    [v for v in TRICKY if v.isascii() and v.isprintable() and "\\" not in v and '"' not in v],  # no quote either
    ["x\x7f", "ok"], ["x\x1f", "ok"], ["ok", "tab\t"], ["caf\u00e9", "ok"],
    ["only", "ascii", 'with "quotes"', ""],
    ["one"],
    [],
])
@pytest.mark.parametrize("schema", [STRING_SCHEMA, OPTIONAL_STRING_SCHEMA, NAMED, None])
def test_from_connect_values_writes_what_from_connect_data_writes(schemas_enable: bool, batch: list[str],
                                                                   schema: Any) -> None:
    """Every kind of string, each batch written twice by one converter (the envelope remembered by the first)
    and once by a converter that wrote another schema between, against a fresh converter value by value."""
    expected = _one_by_one("t", schema, batch, schemas_enable)
    converter = _converter(schemas_enable)
    for _ in range(2):
        failures = [e for e in expected if isinstance(e, type)]
        if failures:  # raises what the first failing value raises
            with pytest.raises(failures[0]):
                converter.from_connect_values("t", schema, batch)
            ok = [v for v, e in zip(batch, expected, strict=True) if not isinstance(e, type)]
            assert converter.from_connect_values("t", schema, ok) == [e for e in expected if not isinstance(e, type)]
        else:
            assert converter.from_connect_values("t", schema, batch) == expected
        converter.from_connect_data("t", USER, Struct(USER).put("id", 1))  # another envelope in between


def test_from_connect_values_with_nulls_and_other_values() -> None:
    """Optional strings with nulls, non-strings in a string schema (a failure raises, as value by value), structs."""
    converter = _converter()
    values: list[Any] = ["a", None, "b"]
    assert converter.from_connect_values("t", OPTIONAL_STRING_SCHEMA, values) == _one_by_one(
        "t", OPTIONAL_STRING_SCHEMA, values, True)
    with pytest.raises(Exception) as raised:
        _converter().from_connect_values("t", STRING_SCHEMA, ["a", 5, "b"])
    assert type(raised.value) is _one_by_one("t", STRING_SCHEMA, [5], True)[0]
    structs = [Struct(USER).put("id", i) for i in range(3)]
    assert _converter().from_connect_values("t", USER, structs) == _one_by_one("t", USER, structs, True)
    assert _converter().from_connect_values("t", None, [None, None]) == [None, None]


def test_printable_ascii_lines_without_quotes_are_written_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    """A FileStreamSource poll of printable ASCII lines without a quote or backslash (4a's file) is each line in
    quotes in the envelope: written without ``orjson.dumps`` a value, the bytes ``from_connect_data`` writes."""
    from connect_core.converters import json as json_module

    lines = [f"line {i} lorem ipsum </script> {{}} [] :, / ~" for i in range(50)] + ["", " ", _Str("subclass")]
    expected = _one_by_one("t", STRING_SCHEMA, lines, True)
    converter = _converter()
    converter.from_connect_values("t", STRING_SCHEMA, lines[:1])  # the envelope remembered
    dumped = record_calls(monkeypatch, json_module, "_dumps")
    assert converter.from_connect_values("t", STRING_SCHEMA, lines) == expected
    assert dumped == []
    assert converter.from_connect_values("t", STRING_SCHEMA, [*lines, 'a "quote"']) == [
        *expected, *_one_by_one("t", STRING_SCHEMA, ['a "quote"'], True)]
    assert len(dumped) == len(lines) + 1


class _CountingJson(JsonConverter):
    """A subclass with its own from_connect_data: the batch call must go through it."""

    calls = 0

    def from_connect_data(self, topic: str, schema: Any, value: Any, headers: Any = None) -> bytes | None:
        type(self).calls += 1
        return super().from_connect_data(topic, schema, value, headers)


def test_a_subclass_with_its_own_from_connect_data_writes_value_by_value() -> None:
    converter = _CountingJson()
    assert converter.from_connect_values("t", STRING_SCHEMA, ["a", "b", "c"]) == _one_by_one(
        "t", STRING_SCHEMA, ["a", "b", "c"], True)
    assert _CountingJson.calls == 3


def _pipeline(**config: str) -> SourcePipeline:
    operator = RetryWithToleranceOperator.from_config(ErrorHandlingConfig.parse(config), reporters=[])
    return SourcePipeline(ConverterSet.from_config(config), build_chain(config, registry.find), operator)


def _batch(values: list[Any], schema: Any = STRING_SCHEMA, timestamp: int | None = 1_700_000_000_000,
           partition: dict[str, Any] | None = None) -> SourceValues:
    return SourceValues({"filename": "f"} if partition is None else partition,
                        [{"position": i + 1} for i in range(len(values))], "lines", schema, values, timestamp)


@pytest.mark.parametrize("config", [
    {"key.converter": JSON, "value.converter": JSON},
    {"key.converter": JSON, "value.converter": JSON, "value.converter.schemas.enable": "false",
     "key.converter.schemas.enable": "false"},
    {"key.converter": STRING, "value.converter": STRING},
    {"key.converter": JSON, "value.converter": STRING, "value.converter.converter.encoding": "UTF-16"},
])
def test_values_bytes_are_produce_args_of_the_records(config: dict[str, str]) -> None:
    pipeline = _pipeline(**config)
    for batch in (_batch(WRITABLE), _batch(["x"], timestamp=None), _batch(WRITABLE[:3], OPTIONAL_STRING_SCHEMA),
                  _batch(["plain", 'ascii "only"'])):
        written = pipeline.values_bytes(batch)
        assert written is not None
        key, values = written
        args, skipped, size = _pipeline(**config).produce_args(batch.records(), "cb")
        assert skipped == 0
        assert [(a[0], a[1], a[2], a[3], a[6], a[7]) for a in args] == [
            ("lines", value, key, -1, batch.timestamp or 0, None) for value in values]
        assert size == sum(len(v) for v in values if v is not None) + (len(key) * len(values) if key else 0)


def test_values_bytes_declines_what_it_cannot_write_without_the_records() -> None:
    """SMTs, a converter without a batch write (ByteArrayConverter), and a failing value: the records path decides."""
    smt = {"key.converter": JSON, "value.converter": JSON, "transforms": "hoist",
           "transforms.hoist.type": "org.apache.kafka.connect.transforms.HoistField$Value",
           "transforms.hoist.field": "line"}
    assert _pipeline(**smt).values_bytes(_batch(["a"])) is None
    assert _pipeline(**{"key.converter": BYTES, "value.converter": JSON}).values_bytes(_batch(["a"])) is None
    assert _pipeline(**{"key.converter": JSON, "value.converter": BYTES}).values_bytes(_batch([b"a"])) is None
    pipeline = _pipeline(**{"key.converter": JSON, "value.converter": JSON, "errors.tolerance": "all"})
    assert pipeline.values_bytes(_batch(["a", 5, "b"])) is None
    args, skipped, _ = pipeline.produce_args(_batch(["a", 5, "b"]).records(), None)
    assert skipped == 1 and len(args) == 2  # the records path tolerates the failed one
    assert pipeline.values_bytes(_batch(["a", "lone \ud800"])) is None


def test_source_values_records_are_the_from_values_records() -> None:
    batch, stamp = _batch(["a", "b"]), 1_700_000_000_000
    assert batch.records() == [
        SourceRecord({"filename": "f"}, {"position": 1}, "lines", None, None, None, STRING_SCHEMA, "a", stamp),
        SourceRecord({"filename": "f"}, {"position": 2}, "lines", None, None, None, STRING_SCHEMA, "b", stamp),
    ]


@pytest.mark.parametrize("read_size", [1, 5, 64 * 1024])
@pytest.mark.parametrize("batch_size", ["1", "3", "2000"])
def test_file_source_values_poll_stands_for_poll(tmp_path: Path, read_size: int, batch_size: str) -> None:
    """Two tasks over one file, one polled for records and one for values: the same records poll by poll (LF-only
    and CR stretches, ASCII, UTF-8, invalid UTF-8, a partial line), and the offsets are fresh dicts each."""
    chunks = [b"plain ascii line", b"", b'"quoted" \\ back\tslash', b"caf\xc3\xa9 \xf0\x9f\x98\x80", b"cr\r",
              b"crlf\r\nafter", b"bad \xff\xfe byte", b"ascii again " * 9, b"x", b"\xe2\x82", b"\xac split euro"]
    path = tmp_path / "in.txt"
    path.write_bytes(b"\n".join(chunks * 3) + b"\npartial")
    props = {"file": str(path), "topic": "lines", "batch.size": batch_size}
    by_records = start_task(FileStreamSourceTask(read_size=read_size), props, MemoryOffsetReader())
    by_values = start_task(FileStreamSourceTask(read_size=read_size), props, MemoryOffsetReader())
    values_poll = by_values.values_poll()
    assert values_poll is not None
    total = 0
    while True:
        records = by_records.poll()
        batch = values_poll()
        if not records:
            assert batch is None
            break
        assert batch is not None
        rebuilt = batch.records()
        assert [r.timestamp for r in rebuilt] == [batch.timestamp] * len(rebuilt)
        assert rebuilt == [SourceRecord(r.source_partition, r.source_offset, r.topic, None, None, None, r.value_schema,
                                        r.value, batch.timestamp) for r in records]
        offsets = batch.source_offsets
        assert list(reversed(offsets)) == [r.source_offset for r in reversed(records)]
        assert offsets[-1] == records[-1].source_offset and offsets[0:2] == [r.source_offset for r in records[0:2]]
        assert offsets[-1] is not offsets[-1] and len(offsets) == len(records)
        total += len(records)
    assert total == 3 * (len(chunks) + 1)  # "crlf\r\nafter" is two lines, "cr\r" + LF one


def test_values_poll_is_none_when_poll_is_not_the_file_tasks_own(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    class Upper(FileStreamSourceTask):
        def poll(self) -> list[SourceRecord]:
            return [r.new_record(value=r.value.upper()) for r in super().poll()]

    assert Upper().values_poll() is None
    assert FileStreamSourceTask().values_poll() is not None
    monkeypatch.setattr(FileStreamSourceTask, "poll", lambda self: [])
    assert FileStreamSourceTask().values_poll() is None


class _FullQueueProducer:
    """Refuses every third produce once (BufferError), as a full librdkafka queue; records the order."""

    def __init__(self) -> None:
        self.produced: list[tuple[Any, ...]] = []
        self.calls = 0
        self.polls = 0

    def produce(self, *args: Any) -> None:
        self.calls += 1
        if self.calls % 3 == 0:
            raise BufferError("queue full")
        self.produced.append(args)

    def poll(self, _timeout: float) -> int:
        self.polls += 1
        return 0


def test_produce_values_gives_produce_all_s_calls_in_order_through_a_full_queue() -> None:
    values: list[bytes | None] = [f"v{i}".encode() for i in range(20)]
    by_values, by_args = _FullQueueProducer(), _FullQueueProducer()
    assert _produce_values(by_values, "t", b"k", values, "cb", timestamp=7) == 20
    assert _produce_all(by_args, [("t", v, b"k", -1, "cb", None, 7, None) for v in values]) == 20
    assert by_args.produced == [("t", v, b"k", -1, "cb", None, 7, None) for v in values]
    assert by_values.produced == [("t", v, b"k", -1, "cb", None, 7) for v in values]  # (headers: None by default)

"""SourcePipeline and SinkPipeline: Kafka's stage order under errors.tolerance, with real converters and SMTs."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bench.mariadb_rows import SMT_CHAIN
from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.header import Headers
from connect_core.api.record import SinkRecord, SourceRecord
from connect_core.api.schema import OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.converters.byte_array import ByteArrayConverter
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
from connect_core.errors.stage import Stage
from connect_core.runtime import registry
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.sink_pipeline import SinkPipeline
from connect_core.runtime.source_pipeline import SourcePipeline
from connect_core.transforms.chain import TransformationChain, build_chain

JSON = "org.apache.kafka.connect.json.JsonConverter"
STRING = "org.apache.kafka.connect.storage.StringConverter"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"


class Reporter:
    """Remembers the stage of every reported failure."""

    def __init__(self) -> None:
        self.stages: list[Stage] = []

    def report(self, context: Any) -> None:
        self.stages.append(context.stage)

    def close(self) -> None:
        """Nothing to release."""


def _parts(config: dict[str, str]) -> tuple[ConverterSet, Any, RetryWithToleranceOperator, Reporter]:
    reporter = Reporter()
    operator = RetryWithToleranceOperator.from_config(ErrorHandlingConfig.parse(config), reporters=[reporter])
    return ConverterSet.from_config(config), build_chain(config, registry.find), operator, reporter


def _source(config: dict[str, str]) -> tuple[SourcePipeline, Reporter]:
    converters, chain, operator, reporter = _parts(config)
    return SourcePipeline(converters, chain, operator), reporter


def _sink(config: dict[str, str]) -> tuple[SinkPipeline, Reporter]:
    converters, chain, operator, reporter = _parts(config)
    return SinkPipeline(converters, chain, operator), reporter


USER = SchemaBuilder.struct().name("User").field("id", SchemaBuilder.int32().build()).build()


def test_source_records_go_through_smts_then_converters() -> None:
    pipeline, _ = _source({
        "key.converter": STRING, "value.converter": JSON, "value.converter.schemas.enable": "false",
        "transforms": "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-copy",
    })
    headers = Headers().add("origin", "db", STRING_SCHEMA)
    record = SourceRecord({"p": 1}, {"o": 1}, "users", 2, STRING_SCHEMA, "k", USER, Struct(USER).put("id", 7),
                          1_700_000_000_000, headers)
    produced = pipeline.convert(record)
    assert produced is not None
    assert (produced.topic, produced.partition, produced.key, produced.value, produced.timestamp) == (
        "users-copy", 2, b"k", b'{"id":7}', 1_700_000_000_000)
    assert produced.headers == [("origin", b"db")]


def test_a_source_record_dropped_by_an_smt_is_none() -> None:
    pipeline, reporter = _source({"transforms": "f", "transforms.f.type": "org.apache.kafka.connect.transforms.Filter"})
    assert pipeline.convert(SourceRecord(None, None, "t", None, None, None, STRING_SCHEMA, "v")) is None
    assert reporter.stages == []


def test_a_source_record_without_topic_carries_only_its_offset() -> None:
    """The binlog source stores its position that way with heartbeats off: skipped, never produced, no SMT or
    converter sees it (the runner commits its offset with the others of the poll)."""
    pipeline, reporter = _source({"value.converter": JSON, "transforms": "route",
                                  "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
                                  "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-copy"})
    records = [SourceRecord({"p": 1}, {"o": 1}, "t", None, None, None, STRING_SCHEMA, "v"),
               SourceRecord({"p": 1}, {"o": 2}, None)]
    args, skipped, _size = pipeline.produce_args(records, None)
    assert [a[0] for a in args] == ["t-copy"]
    assert skipped == 1
    assert reporter.stages == []


def test_a_source_conversion_failure_is_skipped_under_all_and_raised_under_none() -> None:
    bad = SourceRecord(None, None, "t", None, None, None, USER, "not a struct")
    tolerant, reporter = _source({"value.converter": JSON, "errors.tolerance": "all"})
    assert tolerant.convert(bad) is None
    assert reporter.stages == [Stage.VALUE_CONVERTER]
    strict, _ = _source({"value.converter": JSON})
    with pytest.raises(Exception, match="Tolerance exceeded"):
        strict.convert(bad)


def _consumed(value: bytes | None, offset: int = 0) -> ConsumedRecord:
    return ConsumedRecord("orders", 1, offset, 1_700_000_000_000, "CreateTime", b"k", value, [("h", b"1")])


def test_sink_records_go_through_converters_then_smts() -> None:
    pipeline, _ = _sink({
        "key.converter": STRING, "value.converter": JSON, "value.converter.schemas.enable": "false",
        "transforms": "ins", "transforms.ins.type": "org.apache.kafka.connect.transforms.InsertField$Value",
        "transforms.ins.offset.field": "at",
    })
    [record] = pipeline.convert_all([_consumed(b'{"id": 1}', offset=41)])
    assert (record.topic, record.kafka_partition, record.kafka_offset, record.key, record.value) == (
        "orders", 1, 41, "k", {"id": 1, "at": 41})
    assert (record.original_topic, record.original_kafka_partition, record.original_kafka_offset) == (
        "orders", 1, 41)
    assert [(h.key, h.value) for h in record.headers] == [("h", 1)]


def test_a_sink_failure_is_left_out_under_all_and_the_rest_keep_their_order() -> None:
    pipeline, reporter = _sink({"key.converter": STRING, "value.converter": JSON,
                                "value.converter.schemas.enable": "false", "errors.tolerance": "all"})
    records = pipeline.convert_all([_consumed(b"1", 0), _consumed(b"{oops", 1), _consumed(b"3", 2)])
    assert [(r.kafka_offset, r.value) for r in records] == [(0, 1), (2, 3)]
    assert reporter.stages == [Stage.VALUE_CONVERTER]


def test_convert_clean_converts_without_reporting_and_gives_up_on_any_failure() -> None:
    """The read_committed check's overlap: a batch converted before it is known which records count reports
    nothing; a failing record makes the whole answer None (the runner converts the survivors again)."""
    pipeline, reporter = _sink({
        "key.converter": STRING, "value.converter": JSON, "value.converter.schemas.enable": "false",
        "errors.tolerance": "all", "transforms": "drop",
        "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter",
        "transforms.drop.predicate": "odd", "predicates": "odd",
        "predicates.odd.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
        "predicates.odd.name": "drop-me",
    })
    dropped = ConsumedRecord("orders", 1, 1, None, "CreateTime", b"k", b"2", [("drop-me", b"1")])
    converted = pipeline.convert_clean([_consumed(b"1", 0), dropped, _consumed(b"3", 2)])
    assert converted is not None
    assert [None if r is None else (r.kafka_offset, r.value) for r in converted] == [(0, 1), None, (2, 3)]
    assert pipeline.convert_clean([_consumed(b"1", 0), _consumed(b"{oops", 1)]) is None
    assert reporter.stages == []  # convert_all would have reported the bad record
    assert [r.kafka_offset for r in pipeline.convert_all([_consumed(b"1", 0), _consumed(b"{oops", 1)])] == [0]
    assert reporter.stages == [Stage.VALUE_CONVERTER]


def _fields(record: Any) -> tuple[Any, ...]:
    return (record.topic, record.kafka_partition, record.key_schema, record.key, record.value_schema, record.value,
            record.kafka_offset, record.timestamp, record.timestamp_type,
            [(h.key, h.schema, h.value) for h in record.headers])


def test_convert_clean_without_smts_gives_what_convert_gives_record_by_record() -> None:
    """The inlined no-SMT loop against ``convert`` (the exact path): null keys and values, headers, timestamps."""
    pipeline, reporter = _sink({"key.converter": STRING, "value.converter": JSON})
    batch = [
        ConsumedRecord("orders", 2, 7, 1_700_000_000_000, "LogAppendTime", b"k",
                       b'{"schema":{"type":"int32","optional":false},"payload":5}', [("h", b"v"), ("n", None)]),
        ConsumedRecord("orders", 2, 8, None, "CreateTime", None, None),
        ConsumedRecord("other", 0, 9, 1, "CreateTime", b"", b'{"schema":null,"payload":{"a":[1,2.5,"x"]}}', []),
    ]
    converted = pipeline.convert_clean(batch)
    assert converted is not None
    expected = [pipeline.convert(record) for record in batch]
    assert [_fields(r) for r in converted if r is not None] == [_fields(r) for r in expected if r is not None]
    assert pipeline.convert_clean([*batch, _consumed(b"{oops", 10)]) is None
    assert reporter.stages == []


LOGICAL = ('{"type":"struct","fields":[{"type":"int64","optional":false,'
           '"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"t"},{"type":"bytes","optional":true,'
           '"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"d"}],'
           '"optional":false}')


@pytest.mark.parametrize("schemas", ["true", "false"])
def test_convert_clean_with_batch_reading_converters_gives_what_convert_gives(schemas: str) -> None:
    """Key and value JsonConverters read the batch in one call each (``to_connect_values``): against ``convert``
    record by record with null keys, tombstones, headers (a null one), string and logical-type envelopes changing
    mid-batch, schemaless values; a failing record gives None, and ``convert_all`` then reports and skips it
    (``errors.tolerance=all``) as it does for the per-record loop."""
    config = {"key.converter": JSON, "value.converter": JSON, "key.converter.schemas.enable": schemas,
              "value.converter.schemas.enable": schemas, "errors.tolerance": "all"}
    text = b'{"schema":{"type":"string","optional":false},"payload":"line \\u00e9"}'
    logical = b'{"schema":' + LOGICAL.encode() + b',"payload":{"t":1700000000123,"d":"AQI="}}'
    batch = [
        ConsumedRecord("orders", 2, 7, 1_700_000_000_000, "LogAppendTime", None, text, [("h", b"v"), ("n", None)]),
        ConsumedRecord("orders", 2, 8, None, "CreateTime", None, None),  # a tombstone
        ConsumedRecord("orders", 2, 9, 3, "CreateTime", b'{"schema":null,"payload":5}', text, []),
        ConsumedRecord("other", 0, 1, 4, "CreateTime", text, logical, [("h", None)]),
        ConsumedRecord("other", 0, 2, 5, "CreateTime", None, logical.replace(b'"AQI="', b"null")),
        ConsumedRecord("other", 0, 3, 6, "CreateTime", b"7", b'{"a":[1,2.5,"x"]}', []),
        ConsumedRecord("orders", 2, 10, 7, "CreateTime", None, text.replace(b"line", b"next"), []),
    ]
    if schemas == "true":
        batch.pop(5)  # not an envelope: the failure case below
    pipeline, reporter = _sink(config)
    converted = pipeline.convert_clean(batch)
    assert converted is not None
    single, _ = _sink(config)
    assert [_fields(r) for r in converted if r is not None] == [_fields(single.convert(r)) for r in batch]
    assert converted[0] is not None and converted[0].headers is not converted[1].headers  # one Headers each
    bad = ConsumedRecord("orders", 2, 11, 8, "CreateTime", None, b"{oops", [])
    assert pipeline.convert_clean([*batch, bad, batch[0]]) is None
    assert reporter.stages == []
    assert [r.kafka_offset for r in pipeline.convert_all([*batch, bad])] == [r.offset for r in batch]
    assert reporter.stages == [Stage.VALUE_CONVERTER]


@pytest.mark.parametrize("transforms", [
    {},
    {"transforms": "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
     "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-copy"},
])
def test_produce_args_give_what_convert_gives_record_by_record(transforms: dict[str, str]) -> None:
    """A poll's records at once against ``convert`` (the exact path), as ``produce``'s positional arguments: null keys
    and values, tombstones, headers, timestamps, partitions, tolerated failures (skipped, reported once each), with
    and without SMTs; the byte count is the keys' and values' lengths."""
    config = {"key.converter": STRING, "value.converter": JSON, "errors.tolerance": "all", **transforms}
    headers = Headers().add("origin", "db", STRING_SCHEMA).add("n", None, OPTIONAL_STRING_SCHEMA)
    records = [
        SourceRecord({"p": 1}, {"o": 1}, "users", 2, STRING_SCHEMA, "k", USER, Struct(USER).put("id", 7),
                     1_700_000_000_000, headers),
        SourceRecord({"p": 1}, {"o": 2}, "users", None, None, None, None, None),  # a tombstone
        SourceRecord(None, None, "t", None, None, None, STRING_SCHEMA, "line"),
        SourceRecord(None, None, "t", None, STRING_SCHEMA, "k", USER, "not a struct"),  # fails: tolerated
        SourceRecord({"p": 2}, {"o": 3}, "t", 0, None, None, STRING_SCHEMA, "caf\u00e9", 0),
        SourceRecord(None, None, "t", None, None, None, USER, Struct(USER).put("id", -1), 5, Headers()),
    ]
    batch, batch_reporter = _source(config)
    single, single_reporter = _source(config)
    on_delivery = object()
    args, skipped, size = batch.produce_args(records, on_delivery)
    expected = [single.convert(record) for record in records]
    assert expected[3] is None and skipped == 1
    assert args == [(r.topic, r.value, r.key, -1 if r.partition is None else r.partition, on_delivery, None,
                     r.timestamp or 0, r.headers) for r in expected if r is not None]
    assert args[0][3] == 2 and args[0][6] == 1_700_000_000_000 and args[0][7] == [("origin", b"db"), ("n", None)]
    assert args[1][1] is None and args[1][2] is None and args[3][3] == 0  # the tombstone; an explicit partition
    assert size == sum(len(r.key or b"") + len(r.value or b"") for r in expected if r is not None)
    assert batch_reporter.stages == [Stage.VALUE_CONVERTER] and single_reporter.stages == [Stage.VALUE_CONVERTER]
    strict, _ = _source({**config, "errors.tolerance": "none"})
    with pytest.raises(Exception, match="Tolerance exceeded"):
        strict.produce_args(records, on_delivery)


def test_convert_all_without_smts_reads_the_batch_in_one_call_and_gives_what_convert_gives() -> None:
    """A batch the read_committed check did not convert (no check, aborted records, a pull-mode task) is read
    with ``to_connect_values`` too: the same records as ``convert`` record by record (null keys, tombstones,
    headers, envelopes changing mid-batch), each failure reported once and skipped under ``errors.tolerance=all``."""
    config = {"key.converter": JSON, "value.converter": JSON, "errors.tolerance": "all"}
    text = b'{"schema":{"type":"string","optional":false},"payload":"line"}'
    logical = b'{"schema":' + LOGICAL.encode() + b',"payload":{"t":1700000000123,"d":"AQI="}}'
    batch = [
        ConsumedRecord("orders", 2, 7, 1_700_000_000_000, "LogAppendTime", None, text, [("h", b"v"), ("n", None)]),
        ConsumedRecord("orders", 2, 8, None, "CreateTime", None, None),
        ConsumedRecord("orders", 2, 9, 3, "CreateTime", b'{"schema":null,"payload":5}', logical, []),
        ConsumedRecord("orders", 2, 10, 4, "CreateTime", None, text.replace(b"line", b"next"), []),
    ]
    pipeline, reporter = _sink(config)
    calls: list[str] = []
    for side in ("key", "value"):
        converter = getattr(pipeline.converters, side)
        read = converter.to_connect_values

        def counted(data: Any, _read: Any = read, _side: str = side) -> Any:
            calls.append(_side)
            return _read(data)

        converter.to_connect_values = counted
    single, _ = _sink(config)
    records = pipeline.convert_all(batch)
    assert calls == ["key", "value"]  # one call each for the whole batch
    assert [_fields(r) for r in records] == [_fields(single.convert(r)) for r in batch]
    assert len({id(r.headers) for r in records}) == len(batch)
    bad = ConsumedRecord("orders", 2, 11, 8, "CreateTime", None, b"{oops", [])
    assert [r.kafka_offset for r in pipeline.convert_all([batch[0], bad, batch[3]])] == [7, 10]
    assert reporter.stages == [Stage.VALUE_CONVERTER]


FUSED_CHAIN = SMT_CHAIN  # bench case 3b's chain: fused (built-in value SMTs with plans, no predicates)
ROW_FIELDS = ('{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},'
              '{"type":"int64","optional":false,"field":"qty"},{"type":"string","optional":true,"field":"note"}')


def _row(payload: str, offset: int) -> ConsumedRecord:
    schema = '{"type":"struct","name":"row","optional":false,"fields":[' + ROW_FIELDS + "]}"
    return _consumed(('{"schema":' + schema + ',"payload":' + payload + "}").encode(), offset)


def _converted(pipeline: SinkPipeline, consumed: ConsumedRecord) -> SinkRecord:
    """``consumed`` through the pipeline's converters alone, as the chain's ``apply`` receives it."""
    headers = pipeline._headers(consumed)
    key = pipeline.converters.key.to_connect_data(consumed.topic, consumed.key, headers)
    value = pipeline.converters.value.to_connect_data(consumed.topic, consumed.value, headers)
    return SinkRecord(consumed.topic, consumed.partition, key.schema, key.value, value.schema, value.value,
                      consumed.offset, consumed.timestamp, consumed.timestamp_type, headers)


def test_a_fused_chain_builds_one_record_after_it_equal_to_the_chains_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a fused SMT chain the pipelines take the transformed value from ``transform_value`` and build the
    record once: the same record, field by field, as the chain's ``apply`` of the converted record; a value the
    fused path declines (a schemaless map) still goes through ``apply``."""
    config = {"key.converter": STRING, "value.converter": JSON, "errors.tolerance": "all", **FUSED_CHAIN}
    reference, _ = _sink(config)
    pipeline, reporter = _sink(config)
    assert pipeline.chain.fused
    batch = [_row(f'{{"id":{i},"name":"n{i}","qty":{i * 10},"note":"x"}}', i) for i in range(3)]
    expected = [reference.chain.apply(_converted(reference, consumed)) for consumed in batch]
    schemaless = _consumed(b'{"schema":null,"payload":{"id":7,"name":"n","qty":70,"note":"x"}}', 9)
    expected_schemaless = reference.chain.apply(_converted(reference, schemaless))

    def fields(record: Any) -> tuple[Any, ...]:
        return (*_fields(record), record.original_topic, record.original_kafka_partition,
                record.original_kafka_offset)

    applied: list[Any] = []
    chain_apply = TransformationChain.apply
    monkeypatch.setattr(TransformationChain, "apply",
                        lambda chain, record: applied.append(record) or chain_apply(chain, record))
    converted = [pipeline.convert(consumed) for consumed in batch]
    clean = pipeline.convert_clean(batch)
    assert clean is not None
    for records in (converted, pipeline.convert_all(batch), clean):
        assert [fields(r) for r in records] == [fields(r) for r in expected]
    assert [(r.value.get("quantity"), r.value.get("name"), r.value.get("source")) for r in converted] == [
        (0, "", "mariadb"), (10, "", "mariadb"), (20, "", "mariadb")]
    assert applied == []  # every record took the fused path

    assert fields(pipeline.convert(schemaless)) == fields(expected_schemaless)
    assert len(applied) == 1 and expected_schemaless.value == {"id": 7, "name": "", "quantity": 70, "source": "mariadb"}
    assert reporter.stages == []


class _PerRecordBytes(ByteArrayConverter):
    """A converter that reads one value a call (no batch read)."""

    to_connect_values = None  # type: ignore[assignment]


@pytest.mark.parametrize("schemas", ["true", "false"])
def test_record_values_are_the_values_of_convert_clean(schemas: str) -> None:
    """``record_values`` (the runner's values path): for records without headers, the ``value`` of each record
    ``convert_clean`` makes of the same keys and values (string, logical-type and schemaless envelopes changing
    mid-batch, tombstones, keys); None, with nothing reported, where ``convert_clean`` gives None (a bad value or
    key), with SMTs, and with a converter that does not read a batch in one call."""
    config = {"key.converter": JSON, "value.converter": JSON, "key.converter.schemas.enable": schemas,
              "value.converter.schemas.enable": schemas, "errors.tolerance": "all"}
    text = b'{"schema":{"type":"string","optional":false},"payload":"line \\u00e9 \\"q\\""}'
    logical = b'{"schema":' + LOGICAL.encode() + b',"payload":{"t":1700000000123,"d":"AQI="}}'
    batch = [
        ConsumedRecord("orders", 2, 7, 1, "CreateTime", None, text),
        ConsumedRecord("orders", 2, 8, None, "CreateTime", text, None),  # a tombstone, with a key
        ConsumedRecord("orders", 2, 9, 3, "CreateTime", b'{"schema":null,"payload":5}', logical),
        ConsumedRecord("orders", 2, 10, 4, "CreateTime", None, b'{"schema":null,"payload":[1,2.5,"x"]}'),
        ConsumedRecord("orders", 2, 11, 5, "CreateTime", None, text.replace(b"line", b"next")),
    ]
    if schemas == "false":
        batch.append(ConsumedRecord("orders", 2, 12, 6, "CreateTime", b"7", b'{"a":[1,2.5,"x"]}'))
    pipeline, reporter = _sink(config)
    keys, values = [r.key for r in batch], [r.value for r in batch]
    expected, _ = _sink(config)
    converted = expected.convert_clean(batch)
    assert converted is not None
    assert pipeline.record_values(keys, values) == [r.value for r in converted if r is not None]
    bad_value, bad_key = ([*keys, None], [*values, b"{oops"]), ([*keys, b"{oops"], [*values, text])
    for bad_keys, bad_values in (bad_value, bad_key):
        assert pipeline.record_values(bad_keys, bad_values) is None
        assert expected.convert_clean([*batch, ConsumedRecord("orders", 2, 99, 1, "CreateTime", bad_keys[-1],
                                                              bad_values[-1])]) is None
    assert reporter.stages == []
    with_smt, _ = _sink({**config, "transforms": "route",
                         "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
                         "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-copy"})
    assert with_smt.record_values(keys, values) is None
    bytes_keys, _ = _sink({**config, "key.converter": BYTES})
    no_batch_read = SinkPipeline(dataclasses.replace(bytes_keys.converters, key=_PerRecordBytes()),
                                 bytes_keys.chain, bytes_keys.operator)
    assert no_batch_read.record_values(keys, values) is None
    assert bytes_keys.record_values(keys, values) == [r.value for r in converted if r is not None]
    strings_config = {**config, "key.converter": STRING, "value.converter": STRING}
    strings, as_text = _sink(strings_config)[0], _sink(strings_config)[0].convert_clean(batch)
    assert as_text is not None
    assert strings.record_values(keys, values) == [r.value for r in as_text if r is not None]
    # not UTF-8: U+FFFD on both paths, as Kafka's StringConverter decodes it (never a failed batch)
    replaced = [*values[:-1], b"\xff"]
    clean = strings.convert_clean([*batch[:-1], batch[-1]._replace(value=b"\xff")])
    assert clean is not None
    assert strings.record_values(keys, replaced) == [r.value for r in clean if r is not None]
    assert strings.record_values(keys, replaced)[-1] == "\ufffd"

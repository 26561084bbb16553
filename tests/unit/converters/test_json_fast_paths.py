"""The JsonConverter's per-schema fast paths must give exactly what the generic paths give, and never hide errors."""

from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import SchemaBuilder
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.api.struct import Struct
from connect_core.converters.json import ENVELOPE_ERROR, JsonConverter
from tests.unit._calls import record_calls

ROW = SchemaBuilder.struct().name("row").field("id", SchemaBuilder.int8().build()).build()
OTHER = SchemaBuilder.struct().name("row").field("id", SchemaBuilder.int16().build()).build()


def _converter() -> JsonConverter:
    converter = JsonConverter()
    converter.configure({}, False)
    return converter


def test_a_record_with_another_schema_after_a_cached_one_is_read_with_its_own_schema() -> None:
    converter = _converter()
    first = converter.from_connect_data("t", ROW, Struct(ROW).put("id", 1))
    second = converter.from_connect_data("t", OTHER, Struct(OTHER).put("id", 300))

    assert converter.to_connect_data("t", first).schema == ROW
    read = converter.to_connect_data("t", second)

    assert read.schema == OTHER and read.value.get("id") == 300


def test_extra_envelope_fields_after_a_cached_schema_still_fail_like_kafka() -> None:
    converter = _converter()
    good = converter.from_connect_data("t", ROW, Struct(ROW).put("id", 1))
    converter.to_connect_data("t", good)

    with pytest.raises(DataError) as failure:
        converter.to_connect_data("t", good[:-1] + b',"extra":1}')

    assert str(failure.value) == ENVELOPE_ERROR


def test_out_of_range_ints_take_kafkas_narrowing_not_the_fast_path() -> None:
    converter = _converter()
    raw = converter.from_connect_data("t", OTHER, Struct(OTHER).put("id", 300))
    as_int8 = raw.replace(b'"type":"int16"', b'"type":"int8"')

    assert converter.to_connect_data("t", as_int8).value.get("id") == 44  # (byte) 300, as Jackson + Kafka read it


def test_bools_are_not_ints_on_the_write_fast_path() -> None:
    converter = _converter()
    struct = Struct(ROW)
    struct.values()[0] = True  # bypasses put's validation, as a buggy SMT could

    with pytest.raises(DataError):
        converter.from_connect_data("t", ROW, struct)


def _schema_text(schema_json: str) -> bytes:
    return b'{"schema":' + schema_json.encode() + b',"payload":'


# (schema, payload) pairs whose payload orjson reads differently from an exact BigDecimal parse, or refuses
TRICKY_PAYLOADS = [
    ('{"type":"struct","fields":[{"type":"int64","optional":false,"field":"n"}],"optional":false}', b'{"n":1.9e19}'),
    ('{"type":"struct","fields":[{"type":"int32","optional":false,"field":"n"}],"optional":false}', b'{"n":2.5}'),
    ('{"type":"struct","fields":[{"type":"double","optional":false,"field":"n"}],"optional":false}', b'{"n":-0.0}'),
    ('{"type":"struct","fields":[{"type":"float","optional":false,"field":"n"}],"optional":false}',
     b'{"n":0.1000000000000000055511151231257827}'),
    ('{"type":"struct","fields":[{"type":"double","optional":false,"field":"n"}],"optional":false}', b'{"n":1e400}'),
    ('{"type":"struct","fields":[{"type":"int64","optional":false,"field":"n"}],"optional":false}',
     b'{"n":123456789012345678901234567890}'),
    ('{"type":"struct","fields":[{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal",'
     '"version":1,"parameters":{"scale":"2"},"field":"d"}],"optional":false}', b'{"d":12.50}'),
    ('{"type":"struct","fields":[{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp",'
     '"version":1,"field":"t"}],"optional":false}', b'{"t":1700000000000}'),
    ('{"type":"struct","fields":[{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date",'
     '"version":1,"field":"d"}],"optional":false}', b'{"d":19000}'),
    ('{"type":"struct","fields":[{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal",'
     '"version":1,"parameters":{"scale":"2"},"field":"d"}],"optional":false}', b'{"d":"AQI="}'),
    ('{"type":"array","items":{"type":"int16","optional":false},"optional":false}', b"[1.5, 2, 70000]"),
    ('{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"double","optional":false},'
     '"optional":false}', b"[[1.0, 2.5], [3, 4]]"),
    ('{"type":"struct","fields":[{"type":"string","optional":false,"field":"s"}],"optional":false}',
     b'{"s":"\\ud800"}'),
    ('{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"boolean","optional":false},'
     '"optional":false}', b"2.5"),
]


@pytest.mark.parametrize(("schema_json", "payload"), TRICKY_PAYLOADS)
def test_a_repeated_schema_reads_the_payload_exactly_as_the_first_record(schema_json: str, payload: bytes) -> None:
    """The second record of a schema takes the orjson payload path; it must equal the exact (first-record) read."""
    converter = _converter()
    record = _schema_text(schema_json) + payload + b"}"

    first = _read(converter, record)
    assert converter._last_envelope[0] == _schema_text(schema_json)  # the next read takes the payload path
    second = _read(converter, record)

    assert second == first


def _read(converter: JsonConverter, record: bytes) -> tuple[object, ...]:
    try:
        read = converter.to_connect_data("t", record)
    except DataError as error:
        return ("error", str(error))
    return ("ok", read.schema, read.value)


@pytest.mark.parametrize("numeric", [False, True])
def test_inline_logical_writers_match_the_generic_writer(numeric: bool) -> None:
    import datetime as dt
    import decimal

    from connect_core.api.logical import Date, Decimal, Timestamp

    schema = (SchemaBuilder.struct().field("t", Timestamp.schema()).field("d", Date.schema())
              .field("p", Decimal.schema(2)).build())
    converter = JsonConverter()
    converter.configure({"decimal.format": "NUMERIC" if numeric else "BASE64"}, False)
    for t, d, p in [
        (dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC), dt.date(1969, 12, 31), decimal.Decimal("-12.34")),
        (dt.datetime(1960, 1, 1, 0, 0, 0, 999), dt.date(2100, 1, 1), decimal.Decimal("0.00")),
        (dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=5))), dt.date(2000, 2, 29),
         decimal.Decimal("123456789012345678901234567890123.45")),
    ]:
        struct = Struct(schema).put("t", t).put("d", d).put("p", p)
        inline = converter.from_connect_data("t", schema, struct)
        generic: list[str] = []
        converter._write(schema.field("t").schema, t, generic)
        generic.append(",")
        converter._write(schema.field("d").schema, d, generic)
        generic.append(",")
        converter._write(schema.field("p").schema, p, generic)
        assert inline is not None
        payload = inline.split(b',"payload":', 1)[1]
        values = payload[1:-2].split(b",")
        assert [v.split(b":", 1)[1] for v in values] == "".join(generic).encode().split(b",")


KEY_SCHEMA = '{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false}'
OPTIONAL_KEY_SCHEMA = '{"type":"struct","fields":[{"type":"int32","optional":true,"field":"id"}],"optional":false}'


def _near_misses(schema_json: str) -> list[bytes]:
    """Records around a remembered envelope: the prefix alone, an empty payload, a last-byte change, others."""
    prefix = _schema_text(schema_json)
    return [
        prefix + b'{"id":7}}', prefix, prefix + b"}", prefix + b"}}", prefix + b'{"id":7}', prefix + b'{"id":7}} ',
        prefix[:-1] + b' {"id":8}}', prefix.replace(b"false", b"true", 1) + b'{"id":9}}', b"", b"}",
        b'{"schema":null,"payload":{"id":7}}', prefix + b'{}}', prefix + b'{"id":null}}', prefix + b'{"other":1}}',
        prefix + b'{"id":1e2}}', prefix + b'{"id":"5"}}', prefix + b'{"id":2147483648}}', prefix + b'{"id":-0}}',
        prefix + b'{"id":9223372036854775808}}', prefix + b'{ "id" : 5 }}', prefix + b'{"id":5,"id":6}}',
        prefix + b'[1]}', prefix + b'null}', prefix + b'{"id":7}}' + b"\n", prefix + b'{"id":7} ',
        prefix + b'{"id":7}]',
    ]


@pytest.mark.parametrize("schema_json", [KEY_SCHEMA, OPTIONAL_KEY_SCHEMA])
@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_records_around_a_remembered_envelope_read_as_a_fresh_converter_does(schema_json: str, kind: type) -> None:
    """Each record read after every other one (so after each envelope the converter may remember) equals a fresh
    converter's exact read, error text included, for bytes and bytearray values."""
    records = [kind(r) for r in _near_misses(schema_json)]
    converter = _converter()
    for warm in records:
        for record in records:
            _read(converter, warm)  # the envelope this one may leave behind
            assert _read(converter, record) == _read(_converter(), record), (warm, record)


def _read_values(converter: JsonConverter, records: list[bytes | None]) -> list[tuple[object, ...]]:
    """``to_connect_values`` of the records, as ``_read`` gives each (an error ends the list, as it ends the call)."""
    try:
        return [("ok", schema, value) for schema, value in converter.to_connect_values(records)]
    except DataError as error:
        return [("error", str(error))]


def _read_each(converter: JsonConverter, records: list[bytes | None]) -> list[tuple[object, ...]]:
    out = []
    for record in records:
        read = _read(converter, record) if record is not None else ("ok", None, None)
        if read[0] == "error":
            return [read]
        out.append(read)
    return out


STRING_SCHEMA_JSON = '{"type":"string","optional":false}'


@pytest.mark.parametrize("schema_json", [KEY_SCHEMA, OPTIONAL_KEY_SCHEMA, STRING_SCHEMA_JSON])
def test_a_batch_read_gives_each_record_as_the_per_record_read_does(schema_json: str) -> None:
    """``to_connect_values`` against ``to_connect_data`` record by record on twin converters: every near miss
    between two good records and after every warm-up envelope, nulls, string payloads of a string schema (read as
    they are) and of a struct schema (an error), the error text of the first failing record, and the envelope the
    batch leaves behind."""
    good = _schema_text(schema_json) + (b'"a \\u00e9 line"}' if schema_json == STRING_SCHEMA_JSON else b'{"id":7}}')
    records: list[bytes] = [*_near_misses(schema_json), _schema_text(schema_json) + b'"text"}',
                            _schema_text(STRING_SCHEMA_JSON) + b'"x"}', _schema_text(STRING_SCHEMA_JSON) + b'5}']
    for warm in [good, *records]:
        for record in records:
            batch: list[bytes | None] = [good, None, record, good, None]
            batched, each = _converter(), _converter()
            _read(batched, warm)
            _read(each, warm)
            assert _read_values(batched, batch) == _read_each(each, batch), (warm, record)
            assert batched._last_envelope[:2] == each._last_envelope[:2]


def test_a_batch_read_of_schemaless_values_or_an_overriding_subclass_is_the_per_record_read() -> None:
    schemaless = JsonConverter()
    schemaless.configure({"schemas.enable": "false"}, False)
    values: list[bytes | None] = [b'{"a":[1,2.5,"x"]}', None, b'"s"', b"12345678901234567890123"]
    each = JsonConverter()
    each.configure({"schemas.enable": "false"}, False)
    assert schemaless.to_connect_values(values) == [each.to_connect_data("t", value) for value in values]

    class Upper(JsonConverter):
        def to_connect_data(self, topic: str, value: bytes | None, headers: object = None) -> SchemaAndValue:
            read = super().to_connect_data(topic, value)
            return SchemaAndValue(read.schema, read.value.upper() if isinstance(read.value, str) else read.value)

    upper = Upper()
    upper.configure({}, False)
    text = _schema_text(STRING_SCHEMA_JSON) + b'"abc"}'
    assert [value for _, value in upper.to_connect_values([text, text])] == ["ABC", "ABC"]


STRING_PREFIX = _schema_text(STRING_SCHEMA_JSON)
LINE = STRING_PREFIX + b'"a plain line"}'
# string-envelope records around the batch read in C passes (``_quoted_payloads``): lines it reads, and records
# that must go value by value (escapes, raw controls, quotes, bad UTF-8, whitespace, short or other envelopes)
STRING_RECORDS = [
    STRING_PREFIX + b'""}', STRING_PREFIX + b'" "}', STRING_PREFIX + "caf\u00e9 \u20ac \U0001f600".encode().join(
        [b'"', b'"}']), STRING_PREFIX + b'"\x7f"}', STRING_PREFIX + b'"</script> / {} [] :,"}',
    STRING_PREFIX + b'"a\\"b"}', STRING_PREFIX + b'"a\\\\b"}', STRING_PREFIX + b'"\\n"}', STRING_PREFIX + b'"\\u00e9"}',
    STRING_PREFIX + b'"\\ud800"}', STRING_PREFIX + b'"tab\there"}', STRING_PREFIX + b'"nl\nin"}',
    STRING_PREFIX + b'"\x00"}', STRING_PREFIX + b'"a"b"}', STRING_PREFIX + b'"\xff\xfe"}',
    STRING_PREFIX + b'"\xed\xa0\x80"}', STRING_PREFIX + b'"\xc3"}', STRING_PREFIX + b'"x" }', STRING_PREFIX + b'"x"}\n',
    STRING_PREFIX + b'"x"} ', STRING_PREFIX + b' "x"}', STRING_PREFIX + b'}', STRING_PREFIX + b'"}',
    STRING_PREFIX + b'"', STRING_PREFIX, STRING_PREFIX + b'null}', STRING_PREFIX + b'5}', STRING_PREFIX + b'"x"}}',
    STRING_PREFIX + b'"x"', b'"x"}', b"", _schema_text('{"type":"string","optional":true}') + b'"x"}',
    STRING_PREFIX + b'"a"}\n' + STRING_PREFIX + b'"b"}', STRING_PREFIX + b'"x"}"}',
]


@pytest.mark.parametrize("record", STRING_RECORDS)
@pytest.mark.parametrize("where", [0, 1, 2])
@pytest.mark.parametrize("lines_a_pass", [1, 2, 1000])
def test_a_batch_of_string_lines_is_read_as_each_line_is(record: bytes, where: int, lines_a_pass: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record above, first, between or after plain lines of a remembered string envelope (and alone), read by
    ``to_connect_values`` as ``to_connect_data`` reads it record by record: values, schemas, the first error and the
    envelope left behind; the lines read in parts of 1, 2 or 1,000."""
    from connect_core.converters import json as json_module

    monkeypatch.setattr(json_module, "_LINES_A_PASS", lines_a_pass)
    for batch in ([LINE, LINE, LINE][:where] + [record] + [LINE, LINE][where:], [record], [record, record]):
        batched, each = _converter(), _converter()
        _read(batched, LINE)
        _read(each, LINE)
        assert _read_values(batched, batch) == _read_each(each, batch), (record, batch)
        assert batched._last_envelope[:2] == each._last_envelope[:2]


def test_a_batch_of_plain_string_lines_is_read_without_a_parse_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines of a remembered string envelope without escapes (a FileStreamSource file, 4a) are read by C passes over
    the batch: no ``orjson.loads`` a value. Other batches, and a converter that has not read a line yet, still are."""
    from connect_core.converters import json as json_module

    lines = [STRING_PREFIX + f'"line {i} caf\u00e9 \x7f"}}'.encode() for i in range(50)]
    converter, each = _converter(), _converter()
    _read(converter, LINE)
    _read(each, LINE)
    expected = _read_each(each, list(lines))
    parses = record_calls(monkeypatch, json_module, "_loads")
    assert _read_values(converter, lines) == expected
    assert parses == []
    assert _read_values(converter, [*lines, STRING_PREFIX + b'"\\t"}']) == [*expected, ("ok", expected[0][1], "\t")]
    assert len(parses) == 51
    assert _read_values(_converter(), lines[:2]) == expected[:2]  # no envelope remembered: the first one read
    many = [STRING_PREFIX + f'"line {i}"}}'.encode() for i in range(2_500)]
    expected_many = _read_each(each, list(many))
    parses.clear()
    assert _read_values(converter, many) == expected_many  # in parts of _LINES_A_PASS
    assert parses == []

from __future__ import annotations

import pytest

from connect_core.api.header import Headers
from connect_core.api.record import ConnectRecord, FieldOffsets, RowOffsets, SinkRecord, SourceRecord
from connect_core.api.schema import STRING_SCHEMA


def test_sink_record_original_fields_default_to_current() -> None:
    record = SinkRecord("t", 1, None, b"k", STRING_SCHEMA, "v", 42, 1000, "CreateTime")
    assert (record.original_topic, record.original_kafka_partition, record.original_kafka_offset) == ("t", 1, 42)
    assert record.timestamp_type == "CreateTime"


def test_new_record_keeps_sink_extras_and_class() -> None:
    record = SinkRecord("t", 1, None, b"k", None, b"v", 42)
    renamed = record.new_record("u", 2, None, b"k2", None, b"v2", 5)
    assert type(renamed) is SinkRecord
    assert (renamed.topic, renamed.kafka_partition, renamed.kafka_offset) == ("u", 2, 42)
    assert (renamed.original_topic, renamed.original_kafka_partition) == ("t", 1)


def test_new_record_keeps_source_partition_and_offset() -> None:
    record = SourceRecord({"filename": "f"}, {"position": 3}, "t", value_schema=STRING_SCHEMA, value="line")
    copy = record.new_record("t2", None, None, None, STRING_SCHEMA, "LINE", None)
    assert type(copy) is SourceRecord
    assert (copy.source_partition, copy.source_offset, copy.value) == ({"filename": "f"}, {"position": 3}, "LINE")


def test_source_from_values_builds_what_the_constructor_builds() -> None:
    """Every slot equal to ``SourceRecord(...)``'s (no key, no partition), one new ``Headers`` per record, each
    record its own offset, and a length mismatch is an error (never a silently shorter batch)."""
    partition = {"filename": "f"}
    offsets = [{"position": 4}, None, {"position": 9}]
    values = ["line", None, {"a": 1}]
    built = SourceRecord.from_values(partition, offsets, "lines", STRING_SCHEMA, values, 1_700_000_000_000)
    expected = [SourceRecord(partition, offset, "lines", None, None, None, STRING_SCHEMA, value, 1_700_000_000_000)
                for offset, value in zip(offsets, values, strict=True)]
    names = [name for cls in SourceRecord.__mro__ for name in getattr(cls, "__slots__", ())]
    assert [{n: getattr(r, n) for n in names} for r in built] == [{n: getattr(r, n) for n in names} for r in expected]
    assert built == expected and all(type(r) is SourceRecord for r in built)
    assert len({id(r.headers) for r in built}) == 3
    assert [r.source_offset for r in built] == offsets and built[0].source_offset is offsets[0]
    assert SourceRecord.from_values(None, [], "t", None, [], None) == []
    with pytest.raises(ValueError, match="zip"):
        SourceRecord.from_values(partition, offsets[:2], "lines", STRING_SCHEMA, values)


def test_new_record_copies_headers_unless_given() -> None:
    record = ConnectRecord("t", 0, None, None, None, None, None, Headers().add("h", 1))
    copy = record.new_record("t", 0, None, None, None, None, None)
    copy.headers.add("x", 2)
    assert len(record.headers) == 1
    given = Headers()
    assert record.new_record("t", 0, None, None, None, None, None, given).headers is given


def test_records_compare_by_content() -> None:
    assert SinkRecord("t", 0, None, 1, None, 2, 3) == SinkRecord("t", 0, None, 1, None, 2, 3)
    assert SinkRecord("t", 0, None, 1, None, 2, 3) != SinkRecord("t", 0, None, 1, None, 2, 4)
    assert "topic='t'" in repr(SinkRecord("t", 0, None, 1, None, 2, 3))


def _slots(record: SinkRecord) -> dict[str, object]:
    """Every slot of the record's classes (a slot from_consumed left unset raises AttributeError here)."""
    names = [name for cls in type(record).__mro__ for name in getattr(cls, "__slots__", ())]
    return {name: getattr(record, name) for name in names}


def test_from_consumed_builds_what_the_constructor_builds() -> None:
    """Every slot equal to ``SinkRecord(...)``'s, one new ``Headers`` per record, converted headers only for
    records that carry some, and a length mismatch is an error (never a silently shorter batch)."""
    from connect_core.api.consumed_record import ConsumedRecord

    consumed = [
        ConsumedRecord("orders", 2, 7, 1_700_000_000_000, "LogAppendTime", b"k", b"v", [("h", b"1")]),
        ConsumedRecord("orders", 2, 8, None, "CreateTime", None, None, []),
        ConsumedRecord("other", 0, 0, 5, "NoTimestampType", b"", b""),
    ]
    keys = [(STRING_SCHEMA, "k"), (None, None), (STRING_SCHEMA, "")]
    values = [(STRING_SCHEMA, "v"), (None, None), (None, {"a": 1})]
    converted: list[ConsumedRecord] = []

    def headers_of(record: ConsumedRecord) -> Headers:
        converted.append(record)
        return Headers().add("h", "1", STRING_SCHEMA)

    built = SinkRecord.from_consumed(consumed, keys, values, headers_of)
    expected = [
        SinkRecord(c.topic, c.partition, ks, k, vs, v, c.offset, c.timestamp, c.timestamp_type,
                   Headers().add("h", "1", STRING_SCHEMA) if c.headers else Headers())
        for c, (ks, k), (vs, v) in zip(consumed, keys, values, strict=True)
    ]
    assert [_slots(r) for r in built] == [_slots(r) for r in expected]
    assert built == expected and all(type(r) is SinkRecord for r in built)
    assert converted == [consumed[0]]
    assert built[1].headers is not built[2].headers
    # a record without headers gets what Headers() makes: equal, of the class, and adding to one leaves the rest
    assert all(type(r.headers) is Headers and r.headers == Headers() for r in built[1:])
    built[1].headers.add("x", "1", STRING_SCHEMA)
    assert [len(r.headers) for r in built] == [1, 1, 0]
    assert [h.key for h in built[1].headers] == ["x"] and built[1].headers.last_with_name("x") is not None
    with pytest.raises(ValueError, match="zip"):
        SinkRecord.from_consumed(consumed, keys[:2], values, headers_of)


def test_field_offsets_are_fresh_dicts_of_one_key_in_every_way_read() -> None:
    offsets = FieldOffsets("position", [3, 7, 12])
    expected = [{"position": 3}, {"position": 7}, {"position": 12}]
    assert len(offsets) == 3 and list(offsets) == expected and list(reversed(offsets)) == expected[::-1]
    assert offsets[-1] == {"position": 12} and offsets[0:2] == expected[:2]
    assert offsets[1] is not offsets[1]  # a record's offset dict is its own (a task may change it)
    records = SourceRecord.from_values({"f": "x"}, offsets, "t", None, ["a", "b", "c"])
    assert [r.source_offset for r in records] == expected


def test_row_offsets_are_each_events_offset_of_its_row_in_every_way_read() -> None:
    offsets = RowOffsets()
    assert len(offsets) == 0 and list(offsets) == []
    first = offsets.rows_of(lambda row: {"pos": 4, "row": row})
    first.extend([1, 2, 2])  # a delete and its tombstone share row 2
    offsets.rows_of(lambda row: {"pos": 9, "row": row})  # an event that added nothing
    last = offsets.rows_of(lambda row: {"pos": 20, "row": row})
    last.append(1)
    expected = [{"pos": 4, "row": 1}, {"pos": 4, "row": 2}, {"pos": 4, "row": 2}, {"pos": 20, "row": 1}]
    assert len(offsets) == 4 and list(offsets) == expected
    assert [offsets[i] for i in range(4)] == expected and [offsets[i] for i in range(-4, 0)] == expected
    assert offsets[1:3] == expected[1:3] and offsets[-1] == {"pos": 20, "row": 1}
    assert offsets[0] is not offsets[0]  # a record's offset dict is its own
    with pytest.raises(IndexError):
        offsets[4]
    records = SourceRecord.from_values({"f": "x"}, offsets, "t", None, ["a", "b", "c", "d"])
    assert [r.source_offset for r in records] == expected

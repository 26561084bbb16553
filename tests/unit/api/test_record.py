from __future__ import annotations

from connect_core.api.header import Headers
from connect_core.api.record import ConnectRecord, SinkRecord, SourceRecord
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

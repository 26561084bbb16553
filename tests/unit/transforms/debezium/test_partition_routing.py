"""PartitionRouting and MurmurHash3 (parity with the jar: tests/compat/test_debezium_transforms_compat.py)."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.record import SinkRecord
from connect_core.transforms.debezium._murmur import murmur_hash
from connect_core.transforms.debezium.partition_routing import PartitionRouting
from tests.unit.transforms.debezium._events import event, row


def _smt(**configs: str) -> PartitionRouting:
    smt = PartitionRouting()
    smt.configure({k.replace("_", "."): v for k, v in configs.items()})
    return smt


def test_java_hash_of_a_string_picks_the_partition() -> None:
    # "Ann".hashCode() == 65985; 65985 % 7 == 5
    assert _smt(partition_payload_fields="after.name", partition_topic_num="7").apply(
        event("c", None, row(name="Ann"))).kafka_partition == 65985 % 7


def test_change_means_before_for_deletes_and_missing_fields_leave_the_record() -> None:
    smt = _smt(partition_payload_fields="change.name", partition_topic_num="1000")
    assert smt.apply(event("d", row(name="Ann"), None)).kafka_partition == 65985 % 1000
    untouched = event("c", None, row())
    assert _smt(partition_payload_fields="after.nope,before.name", partition_topic_num="3").apply(
        untouched) is untouched


def test_murmur_is_debeziums() -> None:
    assert murmur_hash("") == murmur_hash(b"")
    assert murmur_hash("a\ud800") == murmur_hash("a?")  # a lone surrogate hashes as '?'
    smt = _smt(partition_payload_fields="after.name", partition_topic_num="7", partition_hash_function="murmur")
    assert smt.apply(event("c", None, row(name="Ann"))).kafka_partition == (murmur_hash("Ann") & 0x7FFFFFFF) % 7


def test_sink_records_cannot_be_routed_and_the_partition_count_must_be_positive() -> None:
    source = event("c", None, row())
    record = SinkRecord(source.topic, 0, source.key_schema, source.key, source.value_schema, source.value, 1)
    with pytest.raises(ConnectError, match="Unprocessable message Struct"):
        _smt(partition_payload_fields="op", partition_topic_num="3").apply(record)
    with pytest.raises(ConfigError, match="A positive, non-zero integer value is expected"):
        _smt(partition_payload_fields="op", partition_topic_num="0")

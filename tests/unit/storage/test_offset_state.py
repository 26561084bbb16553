"""Offsets topic format and reducer: exact key bytes, field order kept, tombstones, bad keys ignored."""

from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.storage.offset_state import (
    OffsetState,
    offset_key,
    offset_value,
    parse_offset_key,
    records_for,
    validate_offset_format,
)


def test_key_and_value_bytes_match_a_java_worker() -> None:
    # written by a Kafka 4.1.1 worker running FileStreamSource
    assert offset_key("fs-src", {"filename": "/tmp/cw/in.txt"}) == b'["fs-src",{"filename":"/tmp/cw/in.txt"}]'
    assert offset_value({"position": 29}) == b'{"position":29}'
    assert offset_value(None) is None


def test_partition_field_order_is_part_of_the_key() -> None:
    assert offset_key("c", {"b": 1, "a": 2}) == b'["c",{"b":1,"a":2}]'
    state = OffsetState()
    state.apply(offset_key("c", {"b": 1, "a": 2}), b'{"o":1}')
    assert state.offset("c", {"b": 1, "a": 2}) == {"o": 1}
    assert state.offset("c", {"a": 2, "b": 1}) is None  # Kafka's reader compares bytes too


def test_latest_value_wins_and_tombstones_delete() -> None:
    state = OffsetState()
    key = offset_key("c", {"f": "x"})
    state.apply(key, b'{"position":1}')
    state.apply(key, b'{"position":2}')
    state.apply(offset_key("other", {"f": "x"}), b'{"position":9}')
    assert state.offsets("c") == [({"f": "x"}, {"position": 2})]
    state.apply(key, None)
    assert state.offsets("c") == [] and state.offset("c", {"f": "x"}) is None
    assert state.connectors() == ["other"]


@pytest.mark.parametrize("key", [b"not json", b'{"a":1}', b'["c"]', b'[1,{"a":1}]', b'["c",null]', b'["c",[1]]'])
def test_keys_that_are_not_connector_and_map_are_ignored(key: bytes) -> None:
    assert parse_offset_key(key) is None
    state = OffsetState()
    state.apply(key, b"{}")
    assert state.connectors() == []


def test_records_for_validates_like_offset_utils() -> None:
    assert records_for("c", [({"f": "x"}, {"p": 1, "s": None}), ({"f": "y"}, None)]) == [
        (b'["c",{"f":"x"}]', b'{"p":1,"s":null}'),
        (b'["c",{"f":"y"}]', None),
    ]
    with pytest.raises(DataError, match="primitive"):
        records_for("c", [({"f": "x"}, {"nested": {"a": 1}})])
    with pytest.raises(DataError, match="String keys"):
        validate_offset_format({1: "x"})  # type: ignore[dict-item]

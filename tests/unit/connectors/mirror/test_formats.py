"""MirrorMaker 2's internal records, byte for byte (connect-mirror-client's Struct schemas)."""

from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.connectors.mirror._formats import Checkpoint, Heartbeat, OffsetSync


def test_offset_sync_bytes() -> None:
    sync = OffsetSync("orders", 1, 6, 7)
    assert sync.key() == b"\x00\x06orders\x00\x00\x00\x01"
    assert sync.value() == b"\x00" * 7 + b"\x06" + b"\x00" * 7 + b"\x07"
    assert OffsetSync.decode(sync.key(), sync.value()) == sync


def test_checkpoint_bytes() -> None:
    checkpoint = Checkpoint("app", "a.orders", 0, 3, 1, "m")
    assert checkpoint.key() == b"\x00\x03app\x00\x08a.orders\x00\x00\x00\x00"
    assert checkpoint.value() == b"\x00\x00" + (3).to_bytes(8, "big") + (1).to_bytes(8, "big") + b"\x00\x01m"
    assert Checkpoint.decode(checkpoint.key(), checkpoint.value()) == checkpoint
    assert list(checkpoint.connect_partition()) == ["partition", "topic", "group"]  # Java HashMap's order


def test_heartbeat_bytes() -> None:
    heartbeat = Heartbeat("a", "b", 1_700_000_000_000)
    assert heartbeat.key() == b"\x00\x01a\x00\x01b"
    assert heartbeat.value() == b"\x00\x00" + (1_700_000_000_000).to_bytes(8, "big")
    assert Heartbeat.decode(heartbeat.key(), heartbeat.value()) == heartbeat


def test_bad_bytes_are_a_data_error() -> None:
    with pytest.raises(DataError, match="too short"):
        OffsetSync.decode(b"\x00\x05ab", b"")
    with pytest.raises(DataError, match="unknown version 1"):
        Heartbeat.decode(b"\x00\x01a\x00\x01b", b"\x00\x01" + bytes(8))
    with pytest.raises(DataError, match="null bytes"):
        Checkpoint.decode(None, b"")

"""Standalone state beside Kafka's offsets file, and worker converters handed to connectors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from connect_core.local.standalone import StandaloneError, StandaloneState, state_file

if TYPE_CHECKING:
    from pathlib import Path


def test_state_is_created_once_and_reused(tmp_path: Path) -> None:
    offsets = tmp_path / "connect.offsets"
    first = StandaloneState.open(offsets)
    assert StandaloneState.open(offsets) == first
    recorded = json.loads(state_file(offsets).read_text())
    assert recorded["offset.storage.topic"] == f"{first.group_id}-offsets"
    assert not offsets.exists()  # Kafka's path stays Kafka's


def test_existing_kafka_offsets_file_is_refused(tmp_path: Path) -> None:
    offsets = tmp_path / "connect.offsets"
    offsets.write_bytes(b"\xac\xed\x00\x05sr\x00\x11java.util.HashMap")  # ObjectOutputStream header
    with pytest.raises(StandaloneError, match="written by Kafka Connect"):
        StandaloneState.open(offsets)


def test_corrupt_state_file_is_refused_not_replaced(tmp_path: Path) -> None:
    offsets = tmp_path / "connect.offsets"
    state_file(offsets).write_text("{")
    with pytest.raises(StandaloneError, match="not a lambda-connect standalone state file"):
        StandaloneState.open(offsets)

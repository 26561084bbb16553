"""The local broker: empty data when its partitions would exhaust its open-files limit; valid cluster ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.local import kafka

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _partitions(data: Path, count: int) -> None:
    data.mkdir()
    for number in range(count):
        (data / f"topic-{number}-0").mkdir()
    (data / "meta.properties").write_text("version=1\n")


def test_a_crowded_data_directory_is_reset_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    _partitions(data, 6)
    assert kafka._reset_if_crowded(data, limit=5)
    assert not data.exists()
    assert "6 partitions on disk (limit 5" in capsys.readouterr().out


def test_data_within_the_limit_is_kept(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _partitions(data, 5)
    assert not kafka._reset_if_crowded(data, limit=5)
    assert len(list(data.iterdir())) == 6


def test_no_data_directory_yet(tmp_path: Path) -> None:
    assert not kafka._reset_if_crowded(tmp_path / "data")


def test_cluster_ids_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """kafka-storage refuses an id starting with "-", which a plain base64 of a random UUID gives 1 time in 64."""
    import uuid

    dashed = uuid.UUID(bytes=b"\xfb" + bytes(15))  # base64url "-w..."
    draws = iter([dashed, uuid.UUID(int=1)])
    monkeypatch.setattr(kafka.uuid, "uuid4", lambda: next(draws))
    assert kafka._cluster_id() == "AAAAAAAAAAAAAAAAAAAAAQ"

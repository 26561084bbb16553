"""The local deployment: every connector name Kafka accepts gets its own log file, and names never collide."""

from __future__ import annotations

import pytest

from connect_core.local.deployment import log_file_name


@pytest.mark.parametrize("name", ["sink-a/b", "sink-../../etc/passwd", "sink-\u00e9\u00e8 x", "sink-" + "x" * 400,
                                  "..", ".hidden", "sink-a\\b"])
def test_any_connector_name_is_a_plain_file_name(name: str) -> None:
    file_name = log_file_name(name)
    assert "/" not in file_name and "\\" not in file_name
    assert not file_name.startswith(".")
    assert len(file_name) < 255


def test_plain_names_are_kept_and_different_names_stay_different() -> None:
    assert log_file_name("sink-orders") == "sink-orders.log"
    assert log_file_name("sink-a/b") != log_file_name("sink-a_b")

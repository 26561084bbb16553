from __future__ import annotations

from connect_core.errors.stage import Stage


def test_stages_are_kafkas_eight_with_their_names_as_values() -> None:
    assert [s.name for s in Stage] == [
        "TASK_POLL",
        "TASK_PUT",
        "TRANSFORMATION",
        "KEY_CONVERTER",
        "VALUE_CONVERTER",
        "HEADER_CONVERTER",
        "KAFKA_PRODUCE",
        "KAFKA_CONSUME",
    ]
    assert all(s.value == s.name for s in Stage)

"""The collector is paused while a batch is handled and enabled again after it, whatever happens."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import pytest

from connect_core.runtime.gc_pause import gc_paused
from tests.unit.runtime.fakes import RecordingSinkTask
from tests.unit.runtime.test_sink_runner import Harness, _event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from connect_core.api.record import SinkRecord


@pytest.fixture(autouse=True)
def _collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after_an_error() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_sink_batch_is_put_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    put = RecordingSinkTask.put

    def recording_put(self: RecordingSinkTask, records: list[SinkRecord]) -> None:
        seen.append(gc.isenabled())
        put(self, records)

    monkeypatch.setattr(RecordingSinkTask, "put", recording_put)
    RecordingSinkTask.PUT.clear()
    Harness().runner().handle(_event(b'{"id": 1}'))
    assert seen == [False]
    assert gc.isenabled()

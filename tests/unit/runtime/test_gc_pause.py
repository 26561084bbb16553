"""The collector is paused while a batch is handled and enabled again after it, whatever happens."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, ClassVar

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


class _Cycle:
    """An object in a reference cycle with itself, noting when it is freed."""

    FREED: ClassVar[list[str]] = []

    def __init__(self, name: str) -> None:
        self.name, self.me = name, self

    def __del__(self) -> None:
        _Cycle.FREED.append(self.name)


def test_a_started_task_freezes_what_is_alive_and_its_stop_thaws_it() -> None:
    """Once a sink's or a source's task started, what was alive is frozen (full collections skip it): a cycle made
    before is not collected while the task runs, and is once the task stopped; the next start freezes again."""
    from tests.unit.runtime.test_source_runner import Harness as SourceHarness

    _Cycle.FREED.clear()
    for kind, start in (("sink", lambda: Harness().runner()), ("source", lambda: SourceHarness().runner())):
        gc.unfreeze()
        cycle = _Cycle(kind)
        runner = start()
        if kind == "sink":
            runner.handle(_event(b'{"id": 1}'))
        else:
            runner.run("src", 0, lambda: 60_000.0)
        assert gc.get_freeze_count() > 0
        del cycle
        gc.collect()
        assert kind not in _Cycle.FREED  # frozen with the task's long-lived state
        runner.close()
        assert gc.get_freeze_count() == 0
        gc.collect()
        assert kind in _Cycle.FREED

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


_WARM_FREEZE = """
import gc, json
from connect_core.runtime.gc_pause import freeze_when_warm


class Cycle:
    freed = []

    def __init__(self, name):
        self.name, self.me = name, self

    def __del__(self):
        Cycle.freed.append(self.name)


counts = []
freeze_when_warm()
counts.append(gc.get_freeze_count())
garbage, kept = Cycle("garbage before the second batch"), Cycle("alive at the second batch")
del garbage
freeze_when_warm()
counts.append(gc.get_freeze_count())
del kept
gc.collect()
freeze_when_warm()
counts.append(gc.get_freeze_count())
print(json.dumps({"counts": counts, "freed": Cycle.freed}))
"""


@pytest.mark.parametrize(("environment", "freezes"), [
    ({}, False), ({"AWS_LAMBDA_FUNCTION_NAME": "sink"}, True),
    ({"AWS_LAMBDA_FUNCTION_NAME": "sink", "LAMBDA_CONNECT_GC_FREEZE": "false"}, False),
    ({"LAMBDA_CONNECT_GC_FREEZE": "true"}, True),
])
def test_a_function_process_collects_then_freezes_at_its_second_batch(environment: dict[str, str],
                                                                      freezes: bool) -> None:
    """In a function's process (or where LAMBDA_CONNECT_GC_FREEZE says so), the second batch collects once, then
    freezes what is alive: garbage made before is freed, what was alive then is not once dropped; never twice, and
    never in another process (a test's, which runs many tasks in turn)."""
    import json
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k not in ("AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_CONNECT_GC_FREEZE")}
    out = subprocess.run([sys.executable, "-c", _WARM_FREEZE], env={**base, **environment}, check=True,
                         capture_output=True, text=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    first, second, third = seen["counts"]
    assert first == 0
    if freezes:
        assert second > 0 and third == second  # frozen once, at the second batch
        assert seen["freed"] == ["garbage before the second batch"]  # collected first; the frozen one stays
    else:
        assert second == third == 0
        assert sorted(seen["freed"]) == ["alive at the second batch", "garbage before the second batch"]


def test_every_batch_of_a_sink_or_source_begins_at_the_warm_freeze(monkeypatch: pytest.MonkeyPatch) -> None:
    from connect_core.runtime import sink_runner, source_runner
    from tests.unit.runtime.test_source_runner import Harness as SourceHarness

    calls: list[str] = []
    monkeypatch.setattr(sink_runner, "freeze_when_warm", lambda: calls.append("sink"))
    monkeypatch.setattr(source_runner, "freeze_when_warm", lambda: calls.append("source"))
    runner = Harness().runner()
    runner.handle(_event(b'{"id": 1}'))
    runner.handle_messages([])
    SourceHarness().runner().run("src", 0, lambda: 60_000.0)
    assert calls == ["sink", "sink", "source"]

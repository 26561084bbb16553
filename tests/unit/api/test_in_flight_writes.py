"""``InFlightWrites``: bounded, ordered where keys say so, and every failure raised only once all writes ended."""

from __future__ import annotations

import threading

import pytest

from connect_core.api.errors import ConnectError, RetriableError
from connect_core.api.in_flight_writes import InFlightWrites


class _Gate:
    """Writes that block until released, recording which are running."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: set[str] = set()
        self.most = 0
        self.order: list[str] = []
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def write(self, name: str, error: BaseException | None = None) -> object:
        def run() -> str:
            with self.lock:
                self.running.add(name)
                self.most = max(self.most, len(self.running))
                self.order.append(name)
            self.started.release()
            self.release.wait(30)
            with self.lock:
                self.running.discard(name)
            if error is not None:
                raise error
            return name

        return run


def test_writes_overlap_up_to_the_limit_and_results_come_in_order() -> None:
    gate, writes, done = _Gate(), InFlightWrites(3, "t"), []
    for name in "abc":
        writes.submit(gate.write(name), done=done.append)
    for _ in range(3):
        assert gate.started.acquire(timeout=30)  # three running at once, none answered yet
    assert gate.most == 3
    gate.release.set()
    writes.submit(gate.write("d"), done=done.append)  # the fourth waits for a place
    writes.wait()
    assert done == ["a", "b", "c", "d"]
    assert writes.most_in_flight == 3
    writes.close()


def test_a_write_sharing_a_key_starts_after_the_earlier_one_and_the_caller_goes_on() -> None:
    gate, writes = _Gate(), InFlightWrites(4, "t")
    writes.submit(gate.write("p0-1"), keys=("p0",))
    writes.submit(gate.write("p0-2"), keys=("p0",))  # queued behind p0-1; the caller does not wait
    writes.submit(gate.write("p1-1"), keys=("p1",))
    for _ in range(2):
        assert gate.started.acquire(timeout=30)
    assert sorted(gate.running) == ["p0-1", "p1-1"]  # p0-2 not started while p0-1 runs
    gate.release.set()
    writes.wait()
    assert gate.order.index("p0-1") < gate.order.index("p0-2")
    writes.close()


def test_a_write_of_a_key_whose_write_failed_is_not_sent() -> None:
    gate, writes = _Gate(), InFlightWrites(4, "t", isolate=True)
    gate.release.set()
    writes.submit(gate.write("p0-1", ConnectError("p0 failed")), keys=("p0",))
    assert gate.started.acquire(timeout=30)
    writes._pending[0].future.exception(timeout=30)  # it failed and ended before the next write of p0 comes
    writes.submit(gate.write("p0-2"), keys=("p0",))
    with pytest.raises(ConnectError, match="p0 failed"):
        writes.wait()
    assert gate.order == ["p0-1"]
    writes.close()


def test_a_failure_is_raised_by_wait_after_every_write_ended() -> None:
    gate, writes = _Gate(), InFlightWrites(4, "t")
    writes.submit(gate.write("a", RetriableError("a failed")))
    writes.submit(gate.write("b", ConnectError("b failed")))
    writes.submit(gate.write("c"))
    gate.release.set()
    with pytest.raises(RetriableError, match="a failed"):  # the first in submission order
        writes.wait()
    assert gate.running == set()
    writes.wait()  # forgotten once raised: the batch comes again
    writes.close()


def test_isolated_failures_stop_only_the_later_writes_of_their_key() -> None:
    gate, writes = _Gate(), InFlightWrites(4, "t", isolate=True)
    gate.release.set()
    writes.submit(gate.write("p0-1", ConnectError("p0 failed")), keys=("p0",))
    writes.submit(gate.write("p1-1"), keys=("p1",))
    writes.submit(gate.write("p0-2"), keys=("p0",))  # not sent: p0's earlier write failed
    writes.submit(gate.write("p1-2"), keys=("p1",))
    with pytest.raises(ConnectError, match="p0 failed"):
        writes.wait()
    assert sorted(gate.order) == ["p0-1", "p1-1", "p1-2"]
    writes.close()


def test_one_thread_runs_writes_in_submission_order() -> None:
    writes, ran = InFlightWrites(3, "t", threads=1), []
    for i in range(20):
        writes.submit(lambda i=i: ran.append(i))
    writes.wait()
    assert ran == list(range(20))
    writes.close()


def test_limit_one_writes_in_the_callers_thread_and_raises_at_once() -> None:
    writes, threads = InFlightWrites(1, "t"), []
    writes.submit(lambda: threads.append(threading.current_thread().name))
    assert threads == [threading.current_thread().name]
    with pytest.raises(ConnectError):
        writes.submit(lambda: (_ for _ in ()).throw(ConnectError("now")))
    assert writes.waiting_seconds >= 0


def test_cancel_drops_writes_not_started_and_waits_for_the_running_one() -> None:
    gate, writes = _Gate(), InFlightWrites(3, "t", threads=1)
    writes.submit(gate.write("a"))
    writes.submit(gate.write("b"))
    assert gate.started.acquire(timeout=30)
    threading.Timer(0.05, gate.release.set).start()
    writes.cancel()
    assert gate.order == ["a"] and gate.running == set()
    writes.close()


def test_a_write_that_stops_its_keys_hands_its_answer_to_done_and_its_keys_later_writes_are_not_sent() -> None:
    from connect_core.api.in_flight_writes import StopKeys

    gate, writes, answers = _Gate(), InFlightWrites(4, "t"), []

    def refused() -> object:
        gate.release.wait(30)  # answered once every write was submitted
        raise StopKeys("400 refused")

    def handle(answer: object) -> None:
        answers.append(answer)
        if answer == "400 refused":
            raise ConnectError("refused for good")

    writes.submit(refused, keys=("p0",), done=handle)
    writes.submit(gate.write("p0-2"), keys=("p0",), done=handle)  # chained behind the refused one: never sent
    writes.submit(gate.write("p1-1"), keys=("p1",), done=handle)
    assert gate.started.acquire(timeout=30)  # p1's runs
    gate.release.set()
    with pytest.raises(ConnectError, match="refused for good"):  # what done made of the answer
        writes.wait()
    assert answers == ["400 refused"]  # handed on, in the caller's thread; nothing after the failure
    assert "p0-2" not in gate.order and "p1-1" in gate.order
    writes.close()


def test_a_stop_that_done_accepts_still_fails_the_writes() -> None:
    from connect_core.api.in_flight_writes import StopKeys

    for limit in (1, 3):
        writes, answers = InFlightWrites(limit, "t"), []

        def stopped() -> object:
            raise StopKeys("answer")

        with pytest.raises(StopKeys):  # later writes of its key were dropped: never a silent success
            writes.submit(stopped, keys=("p0",), done=answers.append)
            writes.wait()
        assert answers == ["answer"]
        writes.close()

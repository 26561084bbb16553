"""Sub-minute ``poll.interval.ms`` without a billed sleep: heartbeat windows and delayed SQS ticks.

A task's schedule fires a *heartbeat* at most once a minute, opening a window ``[scheduled time, + period)``. Each
invocation polls while the task has data and ends at the first empty poll or near the window's end; a RUNNING task
then sends its next *tick*, an SQS message delayed by ``poll.interval.ms`` with the same window, unless it would be
due after the window (the next heartbeat takes over and restarts a broken chain). A tick or heartbeat arriving after
its window does nothing. So one task never runs twice at once: a window's chain is sequential and windows do not
overlap; a rare duplicate SQS tick is fenced by ``init_transactions`` (docs/architecture.md, source step 5).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import NotFoundError
from connect_core.runtime import env
from connect_core.runtime.task_start import START_BUDGET_MS
from connect_core.storage.status_state import State

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.runtime.source_event import SourceTaskRef

__all__ = ["MAX_DELAY_S", "SqsTicks", "next_tick", "run_source_invocation", "start_budget", "window_budget"]

log = logging.getLogger(__name__)

MAX_DELAY_S = 900  # SQS DelaySeconds maximum


def _now_ms() -> float:
    return time.time() * 1000.0


def window_budget(ref: SourceTaskRef, remaining_ms: Callable[[], float],
                  now_ms: Callable[[], float] = _now_ms) -> Callable[[], float]:
    """The invocation's clock: the function's budget, cut to the end of the heartbeat window minus the margin."""
    if ref.window_start_ms is None or ref.window_ms is None:
        return remaining_ms
    ends = ref.window_start_ms + ref.window_ms - _margin_ms()
    return lambda: min(remaining_ms(), ends - now_ms())


def start_budget(remaining_ms: Callable[[], float]) -> Callable[[], float]:
    """A start invocation's clock: the function's budget, cut to ``START_BUDGET_MS`` from now."""
    ends = time.monotonic() * 1000.0 + START_BUDGET_MS
    return lambda: min(remaining_ms(), ends - time.monotonic() * 1000.0)


def next_tick(ref: SourceTaskRef, summary: dict[str, Any], now_ms: float) -> dict[str, Any] | None:
    """``{"delay_s", "event"}`` of the next tick of a RUNNING task, or None (no window, not running, held back by
    its restart policy, no ``poll_interval_ms``: a pull-mode sink task with no partitions, or due after the window's
    end: the next heartbeat polls then).

    ``summary``: the invocation's (``SourceInvocationResult.as_dict()``, or the restart policy's answer).
    """
    interval = summary.get("poll_interval_ms")
    if (ref.window_start_ms is None or ref.window_ms is None or not isinstance(interval, int)
            or summary.get("state") != State.RUNNING.value):
        return None
    delay_s = min(MAX_DELAY_S, max(1, math.ceil(interval / 1000.0)))
    if now_ms + delay_s * 1000.0 >= ref.window_start_ms + ref.window_ms - _margin_ms():
        return None
    return {"delay_s": delay_s, "event": ref._replace(tick=ref.tick + 1).as_event()}


class SqsTicks:
    """Sends ticks to the source function's SQS queue (``LAMBDA_CONNECT_SOURCE_TICK_QUEUE_URL``)."""

    def __init__(self, queue_url: str, client: Any = None) -> None:
        """``client``: a boto3 ``sqs`` client (built lazily: boto3 is not imported at cold start)."""
        self.queue_url = queue_url
        self._client = client
        self._building: threading.Thread | None = None

    @classmethod
    def from_env(cls) -> SqsTicks | None:
        """The stack's tick queue, or None where there is none (``lambda-connect up`` emulates it).

        The client is built on a background thread at once: importing boto3 and building a client take a large
        share of a cold container's start, which then overlap the task's Kafka round trips instead of following them.
        """
        url = env.resolve(env.SOURCE_TICK_QUEUE_URL, "")
        if not url:
            return None
        ticks = cls(url)
        ticks._building = threading.Thread(target=ticks._build_quietly, name="sqs-client", daemon=True)
        ticks._building.start()
        return ticks

    def _build_quietly(self) -> None:
        try:
            self._client = _sqs_client()
        except Exception:  # send() builds it again in the caller's thread, where the error belongs
            log.debug("building the SQS client in the background failed", exc_info=True)

    def send(self, tick: dict[str, Any]) -> None:
        """One message, delayed ``tick["delay_s"]`` seconds."""
        if self._building is not None:
            self._building.join()
            self._building = None
        if self._client is None:
            self._client = _sqs_client()
        self._client.send_message(QueueUrl=self.queue_url, DelaySeconds=tick["delay_s"],
                                  MessageBody=json.dumps(tick["event"], separators=(",", ":")))


def _sqs_client() -> Any:
    import boto3

    return boto3.client("sqs")


def run_source_invocation(
    run: Callable[[str, int, Callable[[], float]], dict[str, Any]], ref: SourceTaskRef,
    remaining_ms: Callable[[], float], ticks: SqsTicks | None, now_ms: Callable[[], float] = _now_ms,
) -> dict[str, Any]:
    """Run one heartbeat or tick of a task (``run(connector, task, budget)`` gives its summary) and send its tick.

    A late tick or heartbeat returns ``{"ignored": "window over"}``. A tick of a deleted connector, or one whose
    run failed, is acknowledged (returned, not raised: the task already reported FAILED and the next heartbeat
    retries it; an SQS retry could only arrive in a later window, next to that window's chain).
    """
    if ref.window_start_ms is not None and ref.window_ms is not None:
        if now_ms() >= ref.window_start_ms + ref.window_ms - _margin_ms():
            return {"connector": ref.connector, "task": ref.task, "tick": ref.tick, "ignored": "window over"}
    # a start (runtime/task_start.py) answers its failure: the task reported FAILED, and Lambda would only retry it
    raises = ref.tick == 0 and not ref.start
    budget = start_budget(remaining_ms) if ref.start else window_budget(ref, remaining_ms, now_ms)
    try:
        summary = run(ref.connector, ref.task, budget)
    except NotFoundError:
        if raises:
            raise
        return {"connector": ref.connector, "task": ref.task, "tick": ref.tick, "ignored": "connector not found"}
    except Exception as error:
        if raises:
            raise
        log.warning("%s of task %s-%d failed: %s", "the start" if ref.start else f"tick {ref.tick}", ref.connector,
                    ref.task, error)
        return {"connector": ref.connector, "task": ref.task, "tick": ref.tick, "failed": str(error)}
    tick = next_tick(ref, summary, now_ms())
    if tick is not None and ticks is not None:
        ticks.send(tick)
    return summary | {"tick": ref.tick, "next_tick": tick}


def _margin_ms() -> int:
    return env.resolve_int(env.SAFETY_MARGIN_MS, env.DEFAULT_SAFETY_MARGIN_MS)

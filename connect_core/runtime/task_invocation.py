"""One task invocation as a function runs it: the restart policy's gate, the runner, and the run record.

The handlers in ``functions/`` call these and only shape the response; keep one per warm container.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConnectError
from connect_core.kafka.shared_clients import SharedClients
from connect_core.runtime.config_providers.redaction import without_secrets
from connect_core.runtime.restart_policy import Decision
from connect_core.runtime.run_recorder import RunOutcome, RunRecorder
from connect_core.runtime.task_start import SINK_START_EVENT
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_state import State
from connect_core.storage.status_store import StatusStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.runtime.sink_runner import SinkRunner
    from connect_core.runtime.source_runner import SourceRunner
    from connect_core.runtime.worker import WorkerSettings

__all__ = ["SinkInvocation", "SourceInvocation", "TaskBackoffError", "batch_first_offsets"]

log = logging.getLogger(__name__)


class TaskBackoffError(ConnectError):
    """The sink task is backing off or its breaker is open: fail the batch untouched, so nothing is committed."""


def _recorder(
    worker: WorkerSettings, kind: str, runner: SourceRunner | SinkRunner, clients: SharedClients
) -> RunRecorder:
    return RunRecorder(worker, kind, runner.config_store, runner.status_store,
                       run_store=RunStore(worker.kafka, worker.storage, clients=clients))


def batch_first_offsets(event: dict[str, Any]) -> dict[tuple[str, int], int]:
    """A Lambda Kafka event's batch as the restart policy counts it: the first offset of each topic-partition
    (a malformed event gives nothing here; the runner reports what is wrong with it)."""
    first: dict[tuple[str, int], int] = {}
    records = event.get("records") if isinstance(event, dict) else None
    if not isinstance(records, dict):
        return first
    for group in records.values():
        for record in group if isinstance(group, list) else ():
            try:
                key, offset = (str(record["topic"]), int(record["partition"])), int(record["offset"])
            except (KeyError, TypeError, ValueError):
                continue
            first[key] = min(offset, first.get(key, offset))
    return first


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000.0, 1)


class SourceInvocation:
    """A scheduled source invocation: gate, run, record."""

    def __init__(self, worker: WorkerSettings, runner: SourceRunner | None = None,
                 recorder: RunRecorder | None = None) -> None:
        """Build the runner and its recorder once per container; their stores share one set of Kafka clients."""
        from connect_core.runtime.source_runner import SourceRunner  # lazy: sink handlers skip it
        from connect_core.storage.offset_store import OffsetStore

        self.clients = SharedClients(worker.kafka)
        self.runner = runner or SourceRunner(
            worker, config_store=ConfigStore(worker.kafka, worker.storage, clients=self.clients),
            offset_store=OffsetStore(worker.kafka, worker.storage, clients=self.clients),
            status_store=StatusStore(worker.kafka, worker.storage, clients=self.clients))
        self.recorder = recorder or _recorder(worker, "source", self.runner, self.clients)
        self.decision = Decision.RUN  # the latest invocation's, for its metrics

    def run(self, connector: str, task: int, remaining_ms: Callable[[], float], memory_mb: int) -> dict[str, Any]:
        """The runner's summary; a task held back by its restart policy answers ``restart: WAIT|OPEN``."""
        decision = self.decision = self.recorder.admit(connector, task)
        if decision in (Decision.WAIT, Decision.OPEN):
            return {"connector": connector, "task": task, "state": State.FAILED.value, "restart": decision.value}
        started = time.monotonic()
        try:
            result = self.runner.run(connector, task, remaining_ms)
        except Exception as error:
            self.recorder.failed(connector, task, error, _elapsed_ms(started), memory_mb)
            masked = without_secrets(error)
            if masked is not error:
                raise masked from None  # the unmasked message and its causes must not leave the function
            raise
        if result.state == State.RUNNING.value:
            outcome = RunOutcome(result.records, result.skipped, 0, result.offsets, result.metrics)
            self.recorder.succeeded(connector, task, outcome, _elapsed_ms(started), memory_mb)
        return result.as_dict()

    def close(self) -> None:
        """Stop the task and release clients."""
        try:
            self.runner.close()
            self.recorder.close()
        finally:
            self.clients.close()


class SinkInvocation:
    """A Kafka-triggered sink invocation: gate, run, record."""

    def __init__(self, worker: WorkerSettings, connector: str, runner: SinkRunner | None = None,
                 recorder: RunRecorder | None = None) -> None:
        """Build the runner and its recorder once per container; their stores share one set of Kafka clients."""
        from connect_core.runtime.sink_runner import SinkRunner  # lazy: the source handler never loads the sink path

        self.clients = SharedClients(worker.kafka)
        self.runner = runner or SinkRunner(
            worker, connector, config_store=ConfigStore(worker.kafka, worker.storage, clients=self.clients),
            status_store=StatusStore(worker.kafka, worker.storage, clients=self.clients))
        self.recorder = recorder or _recorder(worker, "sink", self.runner, self.clients)
        self.decision = Decision.RUN  # the latest invocation's, for its metrics

    @property
    def connector(self) -> str:
        """The connector this function serves."""
        return self.runner.connector

    def handle(self, event: dict[str, Any], memory_mb: int,
               remaining_ms: Callable[[], float] | None = None) -> dict[str, Any]:
        """The Lambda response; raises when the batch must come back (failure, backoff, open breaker, or a
        ``RetriableError`` from ``put`` that did not fit ``remaining_ms``: no failure of the task)."""
        from connect_core.kafka.committed_filter import OpenTransactionError
        from connect_core.runtime.sink_runner import SINK_TASK_ID, ConnectorNotRunningError, UncommittedRecordsError

        connector = self.connector
        decision = self.decision = self.recorder.admit(connector, SINK_TASK_ID, batch_first_offsets(event))
        if decision in (Decision.WAIT, Decision.OPEN):
            raise TaskBackoffError(f"Sink task {connector}-{SINK_TASK_ID} is held back by its restart policy "
                                   f"({decision.value}) for this batch; it will be retried")
        started = time.monotonic()
        try:
            result = self.runner.handle(event, remaining_ms=remaining_ms)
        except (ConnectorNotRunningError, OpenTransactionError, UncommittedRecordsError):
            raise  # paused or stopped, a transaction still open, the task may not commit all yet or put raised a
            # RetriableError (RetriableRedeliveryError): not a failure of the task (no count, no FAILED)
        except Exception as error:
            self.recorder.failed(connector, SINK_TASK_ID, error, _elapsed_ms(started), memory_mb)
            masked = without_secrets(error)
            if masked is not error:
                raise masked from None
            raise
        if result.stale:  # the group moved on from the batch (runtime/stale_batch.py): its answer is no run of the task
            return result.response()
        if result.batch_item_failures is not None and not result.held_back:
            # the task's own failure (its trace in status; the breaker judges it, e.g. a ConfigError opens it at once)
            reported = result.error or ConnectError("the batch failed and was reported as batch item failures")
            self.recorder.failed(connector, SINK_TASK_ID, reported, _elapsed_ms(started), memory_mb)
        else:
            outcome = RunOutcome(result.put, result.skipped, result.dlq, result.offsets)
            self.recorder.succeeded(connector, SINK_TASK_ID, outcome, _elapsed_ms(started), memory_mb)
        return result.response()

    def start(self, memory_mb: int, remaining_ms: Callable[[], float] | None = None) -> dict[str, Any]:
        """The start invocation (``runtime/task_start.py``): the task starts, ``put`` gets an empty batch, and it
        reports RUNNING, or FAILED with its cause, which is answered here instead of raised (Lambda would only retry
        an asynchronous invocation that raised)."""
        try:
            self.handle(dict(SINK_START_EVENT), memory_mb, remaining_ms)
        except Exception as error:
            log.warning("the start of sink task %s-0 failed: %s", self.connector, error)
            return {"connector": self.connector, "task": 0, "started": False, "error": str(error)}
        return {"connector": self.connector, "task": 0, "started": True}

    def tick(self, memory_mb: int, remaining_ms: Callable[[], float] | None = None) -> dict[str, Any]:
        """An idle tick (``runtime/idle_tick.py``): the runner's ``put([])`` and ``pre_commit`` when they are due,
        recorded as a run then; otherwise nothing, not even a read of the broker. A failure is recorded and answered,
        never raised: a tick is no batch to retry, and the next tick or batch comes anyway."""
        from connect_core.api.errors import NotFoundError
        from connect_core.runtime.sink_runner import SINK_TASK_ID, ConnectorNotRunningError

        connector = self.connector
        self.recorder.last_run = None  # this invocation's metrics: none unless the tick does something
        self.decision = Decision.RUN
        started = time.monotonic()
        try:
            result = self.runner.tick(remaining_ms)
        except (ConnectorNotRunningError, NotFoundError) as error:  # paused, stopped or deleted: nothing to do
            return {"connector": connector, "task": SINK_TASK_ID, "idle_tick": "not running", "reason": str(error)}
        except Exception as error:
            self.recorder.failed(connector, SINK_TASK_ID, error, _elapsed_ms(started), memory_mb)
            log.warning("the idle tick of sink task %s-%d failed: %s", connector, SINK_TASK_ID, error)
            return {"connector": connector, "task": SINK_TASK_ID, "idle_tick": "failed",
                    "error": str(without_secrets(error))}
        if result is None:
            return {"connector": connector, "task": SINK_TASK_ID, "idle_tick": "not due"}
        outcome = RunOutcome(result.put, result.skipped, result.dlq, {})
        self.recorder.succeeded(connector, SINK_TASK_ID, outcome, _elapsed_ms(started), memory_mb)
        return {"connector": connector, "task": SINK_TASK_ID, "idle_tick": "done"}

    def close(self) -> None:
        """Stop the task and release clients."""
        try:
            self.runner.close()
            self.recorder.close()
        finally:
            self.clients.close()

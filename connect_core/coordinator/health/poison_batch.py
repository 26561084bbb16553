"""Stopping a poison batch: a sink whose circuit breaker is open gets its Kafka trigger disabled, its batch kept.

A sink's event source mapping retries a failed batch until it succeeds (``lambda.maximum.retry.attempts`` -1, the
default, because any other value needs provisioned pollers on AWS: see docs/deploy.md). Once the restart policy's
breaker is open every retry fails at once, but each is still a billed invocation, forever. So on every heartbeat the
coordinator looks at each STARTED sink's batch streaks (``run_state.BatchStreak``: one breaker per poison batch, per
task, partition and first offset) and latest run record: a breaker open for the current tasks means the deployer
disables the trigger (AWS: the mapping's ``Enabled=false``; ``lambda-connect up``: the Kafka trigger stops, see
``connect_core/local/deployment.py``). Nothing is committed for the failed batch, so it stays in Kafka and is
replayed from the consumer group's committed offsets when a REST restart, resume or config update closes the
breaker and re-applies the connector (``Enabled=true``). The hold is recorded in the run record (page data) and the
task's status trace.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from connect_core.coordinator.herder.deployer import hold_trigger
from connect_core.coordinator.herder.plugins import connector_type
from connect_core.runtime.sink_group import sink_group_id
from connect_core.storage.config_state import TargetState
from connect_core.storage.status_state import State, TaskStatus

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from connect_core.coordinator.health.overview import StatusOverview
    from connect_core.coordinator.herder.deployer import Deployer
    from connect_core.storage.run_state import BatchStreak, RunRecord

__all__ = ["PoisonBatchGuard", "hold_note", "should_hold"]

log = logging.getLogger(__name__)
SINK_TASK = 0  # a sink connector's one task (runtime/sink_runner.SINK_TASK_ID)


def should_hold(kind: str | None, target: TargetState | None, run: RunRecord | None,
                epoch: tuple[int | None, int], streaks: Sequence[BatchStreak] = ()) -> bool:
    """A STARTED sink whose breaker is open for its current tasks: its trigger must not keep invoking it."""
    # lazy here and below: the restart policy's models are not a cold start's (GET /connectors)
    from connect_core.runtime.restart_policy import breaker_open

    if kind != "sink" or target not in (None, TargetState.STARTED):
        return False
    if any(breaker_open(s.restart, epoch) for s in streaks):
        return True
    return run is not None and breaker_open(run.restart, epoch)


def hold_note(connector: str, attempts: int, committed: Mapping[str, int]) -> str:
    """The status trace's line: what was done, that the batch is kept, and how to replay it."""
    where = ", ".join(f"{tp} offset {offset}" for tp, offset in sorted(committed.items()))
    replay = (f"from the committed offsets ({where})" if where
              else "from the mapping's starting position (nothing was ever committed)")
    return (f"lambda-connect: Kafka trigger disabled after {attempts} failed attempt(s) in a row (circuit breaker "
            "open), so the failing batch is not retried and billed forever; nothing of it was committed, it stays "
            f"in Kafka. Fix the cause, then restart the connector (POST /connectors/{connector}/restart"
            "?includeTasks=true), restart the task, resume it or update its config to re-enable the trigger and "
            f"replay {replay}.")


class PoisonBatchGuard:
    """The heartbeat's check: disable the trigger of every sink whose breaker is open, once per open breaker."""

    def __init__(self, overview: StatusOverview, deployer: Deployer) -> None:
        """Read and write through the status page's stores (and its clock); act through the coordinator's deployer."""
        self.overview = overview
        self.deployer = deployer

    def check(self) -> list[str]:
        """Hold every poisoned sink (the deployer's call is idempotent, so it is repeated each beat); the newly held."""
        configs, runs = self.overview.configs, self.overview.runs
        configs.refresh()
        try:
            runs.refresh()
        except Exception:
            log.warning("could not read the runs topic", exc_info=True)
            return []
        held: list[str] = []
        for name in configs.connectors():
            config = {k: v for k, v in (configs.connector_config(name) or {}).items() if v is not None}
            run = runs.state.run(name, SINK_TASK)
            if not should_hold(connector_type(config), configs.target_state(name), run,
                               configs.state.task_epoch(name), runs.state.task_streaks(name)):
                continue
            try:
                if self._hold(name, config, run):
                    held.append(name)
            except Exception:  # one connector's failure must not stop the others' holds
                log.warning("could not disable the Kafka trigger of %s", name, exc_info=True)
        return held

    def _hold(self, name: str, config: Mapping[str, str], run: RunRecord | None) -> bool:
        from connect_core.runtime.restart_policy import breaker_open

        configs, runs = self.overview.configs, self.overview.runs
        configs.refresh()  # a REST restart may have closed the breaker since the scan: never undo it
        runs.refresh()
        run = runs.state.run(name, SINK_TASK)
        epoch = configs.state.task_epoch(name)
        open_streaks = [s for s in runs.state.task_streaks(name) if breaker_open(s.restart, epoch)]
        if not should_hold(connector_type(config), configs.target_state(name), run, epoch, open_streaks):
            return False
        hold_trigger(self.deployer, name)
        if open_streaks:
            if all(s.restart.held_at_ms is not None for s in open_streaks):
                return False
        elif run is None or run.restart.held_at_ms is not None:
            return False
        committed = self._committed(name, config)
        now = self.overview.now_ms()
        for streak in open_streaks:
            runs.put_streak(replace(streak, restart=replace(streak.restart, held_at_ms=now, held_offsets=committed)))
        if run is not None and (not open_streaks or run.restart.breaker_open):
            runs.put_run(replace(run, restart=replace(run.restart, held_at_ms=now, held_offsets=committed)))
        failures = max([s.restart.failures for s in open_streaks] or [run.restart.failures if run else 0])
        log.warning("%s: breaker open, Kafka trigger disabled; the batch is kept from %s", name, committed)
        statuses = self.overview.statuses
        statuses.refresh()
        status = statuses.task_status(name, SINK_TASK)
        note = hold_note(name, failures, committed)
        trace = f"{status.trace}\n{note}" if status is not None and status.trace else note
        generation = self.overview.configs.state.task_config_generation(name) or 0
        worker = status.worker_id if status is not None else ""
        statuses.put_task_status(TaskStatus(name, SINK_TASK, State.FAILED, worker, generation, trace))
        return True

    def _committed(self, name: str, config: Mapping[str, str]) -> dict[str, int]:
        """The consumer group's committed offsets on the sink's topics: where the kept batch replays from."""
        topics = {t.strip() for t in config.get("topics", "").split(",") if t.strip()}
        try:
            offsets = self.overview.groups.list_offsets(sink_group_id(name, config))
        except Exception:
            log.warning("could not read the committed offsets of %s", name, exc_info=True)
            return {}
        return {f"{topic}-{partition}": offset for (topic, partition), offset in offsets.items()
                if offset is not None and (not topics or topic in topics)}

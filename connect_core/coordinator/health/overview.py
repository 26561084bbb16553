"""``StatusOverview``: everything the status page shows, gathered statelessly from the topics and the cluster.

Per connector: its state and trace, each task's honest state, last run and restart policy state, a source's
progress (time since its last record, its latest offsets), a sink's consumer-group lag per partition (sampled into
the runs topic, so growth can be judged), its dead letter queue's size, its estimated monthly cost, and its last
hour for the charts (``timeline``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from connect_core.coordinator.health.cost import ZERO, CostEstimate, estimate_monthly_cost, function_architecture
from connect_core.coordinator.health.effective_status import effective_task_status, schedule_interval_ms
from connect_core.coordinator.health.timeline import WINDOW_MS, timeline
from connect_core.coordinator.herder.plugins import connector_type
from connect_core.runtime.sink_group import sink_group_id
from connect_core.storage.config_state import TargetState
from connect_core.storage.run_state import BatchStreak, LagSample, RestartState

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from connect_core.coordinator.cluster.consumer_groups import ConsumerGroups, TopicOffsets
    from connect_core.storage.config_store import ConfigStore
    from connect_core.storage.run_state import RunRecord
    from connect_core.storage.run_store import RunStore
    from connect_core.storage.status_state import TaskStatus
    from connect_core.storage.status_store import StatusStore

__all__ = ["LAG_SAMPLE_INTERVAL_MS", "StatusOverview"]

log = logging.getLogger(__name__)
# Samples at least a minute apart: lag that grew with no invocation over a shorter gap (a deploy replacing the
# function's environment, a batching window) is no stalled trigger, and would show a healthy sink UNASSIGNED.
LAG_SAMPLE_INTERVAL_MS = 60_000
DLQ_TOPIC_CONFIG = "errors.deadletterqueue.topic.name"


class StatusOverview:
    """The status page's data, and the honest task statuses the REST API shows."""

    def __init__(
        self,
        configs: ConfigStore,
        statuses: StatusStore,
        runs: RunStore,
        groups: ConsumerGroups,
        offsets: TopicOffsets,
        *,
        aws: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Read from the stores and the cluster; ``aws``: schedules fire in whole minutes."""
        self.configs = configs
        self.statuses = statuses
        self.runs = runs
        self.groups = groups
        self.offsets = offsets
        self.aws = aws
        self._clock = clock
        self.architecture = function_architecture()  # the prices of the cost estimates

    def now_ms(self) -> int:
        """The overview's clock (tests move it)."""
        return int(self._clock() * 1000)

    _now_ms = now_ms

    def _config(self, name: str) -> dict[str, str]:
        return {k: v for k, v in (self.configs.connector_config(name) or {}).items() if v is not None}

    def _interval_ms(self, config: Mapping[str, str]) -> int | None:
        return schedule_interval_ms(config, aws=self.aws) if connector_type(config) == "source" else None

    def refresh_runs(self) -> None:
        """Catch up on the runs topic (a broken read is logged: statuses then show what is known)."""
        try:
            self.runs.refresh()
        except Exception:
            log.warning("could not read the runs topic", exc_info=True)

    # --- honest statuses (REST) -------------------------------------------------------------------------------

    def effective(self, name: str, tasks: list[TaskStatus], *, refresh: bool = True) -> list[TaskStatus]:
        """The connector's task statuses as the REST API should show them (see ``effective_status``); ``refresh``
        False when the caller has just caught up on the runs topic (one catch-up for a whole list)."""
        if not tasks:
            return tasks
        if refresh:
            self.refresh_runs()
        config = self._config(name)
        if self.configs.target_state(name) not in (None, TargetState.STARTED):
            return tasks
        interval = self._interval_ms(config)
        lag = self.runs.state.lag.get(name)
        now = self._now_ms()
        return [effective_task_status(t, self.runs.state.run(name, t.task), now_ms=now, interval_ms=interval, lag=lag,
                                      streaks=self.current_streaks(name, t.task))
                for t in tasks]

    def current_streaks(self, name: str, task: int | None = None) -> list[BatchStreak]:
        """The sink batch streaks of the connector's current tasks (a restart or new config leaves older ones)."""
        epoch = list(self.configs.state.task_epoch(name))
        return [s for s in self.runs.state.task_streaks(name, task) if s.restart.epoch == epoch]

    # --- the page ----------------------------------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        """Every connector, for the status page (also the heartbeat's lag sampling)."""
        self.configs.refresh()
        self.statuses.refresh()
        self.refresh_runs()
        connectors = [self._connector(name) for name in self.configs.connectors()]
        total = sum((CostEstimate(**c["cost"]) for c in connectors), ZERO)
        return {"generated_at_ms": self._now_ms(), "connectors": connectors, "cost": asdict(total),
                "runtime": "aws" if self.aws else "local", "architecture": self.architecture}

    def _connector(self, name: str) -> dict[str, Any]:
        config = self._config(name)
        kind = connector_type(config)
        status = self.statuses.connector_status(name)
        target = self.configs.target_state(name) or TargetState.STARTED
        out: dict[str, Any] = {
            "name": name, "type": kind, "target_state": target.name,
            "state": status.state.value if status else "UNASSIGNED", "trace": status.trace if status else None,
        }
        if kind == "sink":
            out["lag"] = self._lag(name, config)
            out["dlq"] = self._dlq(config)
        tasks = self.statuses.task_statuses(name)
        shown = self.effective(name, tasks, refresh=False)  # overview() caught up on the runs once
        interval = self._interval_ms(config)
        out["tasks"] = [self._task(name, reported, honest, interval) for reported, honest in zip(tasks, shown,
                                                                                                  strict=True)]
        cost = sum((estimate_monthly_cost(self.runs.state.run(name, t.task), interval, architecture=self.architecture)
                    for t in tasks), ZERO)
        out["cost"] = asdict(cost)
        now = self._now_ms()
        out["history"] = timeline(*self.runs.state.history(name, now - WINDOW_MS), now)
        if interval is not None:
            out["schedule_interval_ms"] = interval
        return out

    def _task(self, name: str, reported: TaskStatus, honest: TaskStatus, interval: int | None) -> dict[str, Any]:
        run = self.runs.state.run(name, reported.task)
        streaks = self.current_streaks(name, reported.task)
        restart = max((s.restart for s in streaks), key=lambda r: (r.breaker_open, r.failures), default=None)
        progress = self.runs.state.progress.get(name, {}).get(reported.task)
        now = self._now_ms()
        out: dict[str, Any] = {
            "id": reported.task, "state": honest.state.value, "reported_state": reported.state.value,
            "worker_id": reported.worker_id, "trace": honest.trace,
            "last_run": _run_view(run, now),
            "restart": asdict(restart) if restart else asdict(run.restart) if run else None,
            "trigger_disabled": _held_view(run, streaks, self.configs.state.task_epoch(name)),
        }
        if interval is not None:
            out["progress"] = None if progress is None else {
                "last_record_at_ms": progress.at_ms, "since_last_record_ms": now - progress.at_ms,
                "records": progress.records, "latest_offsets": progress.offsets,
            }
        return out

    def _lag(self, name: str, config: Mapping[str, str]) -> dict[str, Any]:
        try:
            topics = [t.strip() for t in config.get("topics", "").split(",") if t.strip()]
            partitions = self.offsets.partitions(topics, config.get("topics.regex") or None)
            marks = self.offsets.watermarks(partitions)
            committed = self.groups.list_offsets(sink_group_id(name, config))
            ends = {tp: end for tp, (_earliest, end) in marks.items()}
            starts = {tp: committed.get(tp, marks[tp][0]) for tp in marks}
            # Lag counts records not yet delivered (Kafka's records-lag): a sink caught up on a transactional topic
            # sits before the commit marker, which no consumer gets, so the lag runs from the next record on.
            nexts = self.offsets.next_records(starts, ends)
        except Exception as error:
            log.warning("could not compute the lag of %s", name, exc_info=True)
            return {"error": str(error)}
        rows: list[dict[str, Any]] = []
        for tp in partitions:
            _earliest, end = marks.get(tp, (0, 0))
            position = committed.get(tp)
            lag = max(0, end - nexts.get(tp, starts.get(tp, end)))
            rows.append({"topic": tp[0], "partition": tp[1], "committed": position, "end": end, "lag": lag})
        total = sum(row["lag"] for row in rows)
        self._sample(name, total)
        return {"total": total, "partitions": rows}

    def _sample(self, name: str, total: int) -> None:
        now = self._now_ms()
        previous = self.runs.state.lag.get(name)
        if previous is not None and now - previous.at_ms < LAG_SAMPLE_INTERVAL_MS:
            return
        sample = LagSample(now, total, previous.at_ms if previous else None, previous.total if previous else None)
        try:
            self.runs.put_lag(name, sample)
        except Exception:
            log.warning("could not record the lag of %s", name, exc_info=True)

    def _dlq(self, config: Mapping[str, str]) -> dict[str, Any] | None:
        topic = config.get(DLQ_TOPIC_CONFIG, "").strip()
        if not topic:
            return None
        try:
            marks = self.offsets.watermarks(self.offsets.partitions([topic]))
        except Exception as error:
            return {"topic": topic, "error": str(error)}
        return {"topic": topic, "records": sum(end - start for start, end in marks.values())}

    def reset_restart_streaks(self, name: str, tasks: list[int]) -> None:
        """A manual restart or resume closes the tasks' circuit breakers and ends their backoff."""
        self.refresh_runs()
        for task in tasks:
            run = self.runs.state.run(name, task)
            try:
                if run is not None and run.restart.failures:
                    self.runs.put_run(replace(run, restart=RestartState()))
                self.runs.end_streaks(name, task)
            except Exception:
                log.warning("could not reset the restart streak of %s-%d", name, task, exc_info=True)

    def lag_totals(self) -> dict[str, int]:
        """The heartbeat's work: sample every running sink's lag; the totals, for metrics."""
        self.configs.refresh()
        self.refresh_runs()
        totals: dict[str, int] = {}
        for name in self.configs.connectors():
            config = self._config(name)
            if connector_type(config) == "sink":
                lag = self._lag(name, config)
                if "total" in lag:
                    totals[name] = lag["total"]
        return totals


def _held_view(run: RunRecord | None, streaks: list[BatchStreak],
               epoch: tuple[int | None, int]) -> dict[str, Any] | None:
    """A sink whose trigger is disabled by the poison-batch guard: since when, and the offsets it replays from."""
    from connect_core.runtime.restart_policy import trigger_held  # lazy: the restart policy is not a cold start's

    held = [s.restart for s in streaks if trigger_held(s.restart, epoch)]
    if held:
        return {"at_ms": min(h.held_at_ms or 0 for h in held), "replay_from": held[0].held_offsets or {}}
    if run is None or not trigger_held(run.restart, epoch):
        return None
    assert run.restart.held_at_ms is not None
    return {"at_ms": run.restart.held_at_ms, "replay_from": run.restart.held_offsets or {}}


def _run_view(run: RunRecord | None, now_ms: int) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"at_ms": run.at_ms, "ago_ms": now_ms - run.at_ms, "ok": run.ok, "records": run.records,
            "skipped": run.skipped, "dlq": run.dlq, "duration_ms": run.duration_ms, "memory_mb": run.memory_mb,
            "error": run.error, "offsets": run.offsets, "metrics": run.metrics}

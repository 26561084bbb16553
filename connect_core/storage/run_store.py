"""``RunStore``: the runs topic (``<status.storage.topic>-runs``), compacted, one record per task and kind.

Written by every task invocation (one small record, sent with the writes the invocation makes anyway) and by the
coordinator's lag sampling; read by the coordinator and by a task's restart policy. See ``run_state``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.storage import run_state as records
from connect_core.storage._topic_log import TopicSpec
from connect_core.storage._topic_store import _TopicBackedStore
from connect_core.storage.run_state import RunState

if TYPE_CHECKING:
    from collections.abc import Iterable

    from connect_core.storage.config import StorageConfig
    from connect_core.storage.run_state import BatchStreak, LagSample, Progress, RunRecord, TaskCounters

__all__ = ["RUNS_TOPIC_SUFFIX", "RunStore", "runs_topic"]

RUNS_TOPIC_SUFFIX = "-runs"
RUNS_TOPIC_PARTITIONS = 5


def runs_topic(config: StorageConfig) -> str:
    """The runs topic sits beside the status topic: ``connect-status-runs`` by default."""
    return config.status_storage_topic + RUNS_TOPIC_SUFFIX


class RunStore(_TopicBackedStore[RunState]):
    """Read and write the latest run, progress and lag sample of every task."""

    state_class = RunState

    @staticmethod
    def _topic_spec(config: StorageConfig) -> TopicSpec:
        return TopicSpec(
            name=runs_topic(config),
            partitions=RUNS_TOPIC_PARTITIONS,
            replication_factor=config.status_storage_replication_factor,
            purpose="task invocation records",
        )

    def _apply(self, key: bytes | None, value: bytes | None, _offset: int) -> None:
        self.state.apply(None if key is None else key.decode("utf-8"), value)

    def put_run(self, run: RunRecord, progress: Progress | None = None, *, streaks: Iterable[BatchStreak] = (),
                ended: Iterable[tuple[str, int]] = (), counters: TaskCounters | None = None) -> None:
        """Write a run record, the task's progress when the run moved records, the sink batch streaks it moved on,
        tombstones for the partitions (``ended``: topic, partition) whose streak is over and the container's
        ``counters``, with one acknowledgement wait."""
        batch: list[tuple[bytes | str, bytes | None]] = [(records.run_key(run.connector, run.task),
                                                          records.run_value(run))]
        if progress is not None:
            batch.append((records.progress_key(run.connector, run.task), records.progress_value(progress)))
        streaks, ended = list(streaks), list(ended)
        batch += [(records.streak_key(s.connector, s.task, s.topic, s.partition), records.streak_value(s))
                  for s in streaks]
        batch += [(records.streak_key(run.connector, run.task, topic, partition), None) for topic, partition in ended]
        if counters is not None:
            batch.append((records.counters_key(counters), records.counters_value(counters)))
        self.log.send(batch)
        if counters is not None:
            self.state.counters.setdefault(run.connector, {})[(counters.task, counters.container)] = counters
        self.state.runs.setdefault(run.connector, {})[run.task] = run  # our own write is our latest knowledge
        if progress is not None:
            self.state.progress.setdefault(run.connector, {})[run.task] = progress
        known = self.state.streaks.setdefault(run.connector, {})
        for topic, partition in ended:
            known.pop((run.task, topic, partition), None)
        for streak in streaks:
            known[(streak.task, streak.topic, streak.partition)] = streak

    def put_streak(self, streak: BatchStreak) -> None:
        """Rewrite one streak (the coordinator records a hold in it)."""
        self.log.send([(records.streak_key(streak.connector, streak.task, streak.topic, streak.partition),
                        records.streak_value(streak))])
        self.state.streaks.setdefault(streak.connector, {})[(streak.task, streak.topic, streak.partition)] = streak

    def end_streaks(self, connector: str, task: int) -> None:
        """Tombstone every known streak of a task (a manual restart or resume closes its breakers)."""
        ended = [s for s in self.state.task_streaks(connector, task)]
        if not ended:
            return
        self.log.send([(records.streak_key(s.connector, s.task, s.topic, s.partition), None) for s in ended])
        for s in ended:
            self.state.streaks.get(connector, {}).pop((s.task, s.topic, s.partition), None)

    def put_lag(self, connector: str, sample: LagSample) -> None:
        """Write a sink connector's lag sample."""
        self.log.send([(records.lag_key(connector), records.lag_value(sample))])
        self.state.lag[connector] = sample

"""MirrorHeartbeatTask: one heartbeat per ``emit.heartbeats.interval.seconds`` (Kafka's).

Nothing sleeps: an invocation's first ``poll`` emits a heartbeat when the interval has passed since the last (a cold
task at once), later polls return nothing; how often the task is invoked is its schedule's
(``lambda.schedule.interval.ms``), so heartbeats come at the slower of the two rates.
"""

from __future__ import annotations

import time

from connect_core.api.config import parse_config
from connect_core.api.record import SourceRecord
from connect_core.api.schema import BYTES_SCHEMA
from connect_core.api.task import SourceTask
from connect_core.connectors.mirror._formats import Heartbeat
from connect_core.connectors.mirror._offsets import wrap_offset
from connect_core.connectors.mirror.config import MirrorHeartbeatConfig

__all__ = ["MirrorHeartbeatTask"]


class MirrorHeartbeatTask(SourceTask):
    """Kafka ``org.apache.kafka.connect.mirror.MirrorHeartbeatTask``."""

    def __init__(self) -> None:
        """Create a stopped task."""
        self._config: MirrorHeartbeatConfig | None = None
        self._last: float | None = None

    def start(self, props: dict[str, str]) -> None:
        """Parse the config."""
        self._config = parse_config(MirrorHeartbeatConfig, props)

    def poll(self) -> list[SourceRecord]:
        """A heartbeat when one is due, else []."""
        config = self._config
        assert config is not None
        now = time.monotonic()
        if self._last is not None and now - self._last < config.emit_heartbeats_interval_seconds:
            return []
        self._last = now
        timestamp = int(time.time() * 1000)
        heartbeat = Heartbeat(config.source_cluster_alias, config.target_cluster_alias, timestamp)
        return [SourceRecord(heartbeat.connect_partition(), wrap_offset(0), config.policy().heartbeats_topic(), 0,
                             BYTES_SCHEMA, heartbeat.key(), BYTES_SCHEMA, heartbeat.value(), timestamp)]

    def stop(self) -> None:
        """Nothing to release."""

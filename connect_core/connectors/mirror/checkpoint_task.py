"""MirrorCheckpointTask: checkpoints of its consumer groups, and translated offsets written to the target's groups
(Kafka's).

A function does not sleep between checkpoints: each invocation's first ``poll`` emits them when
``emit.checkpoints.interval.seconds`` have passed since the last (a cold task at once), later polls return nothing.
Offset syncs are read from the offset-syncs topic (all of it at start, then what follows) into Kafka's
``OffsetSyncStore``; the checkpoints already emitted are read back from the checkpoints topic at start, so a
checkpoint never moves a group's downstream offset backwards. With ``sync.group.offsets.enabled`` the latest
checkpoints are written to the same groups on the target every ``sync.group.offsets.interval.seconds``, only to
groups that are empty or do not exist there (a group with active members is never moved), and never backwards.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from connect_core.api.config import parse_config
from connect_core.api.errors import DataError
from connect_core.api.record import SourceRecord
from connect_core.api.schema import BYTES_SCHEMA
from connect_core.api.task import SourceTask, TopicPartition
from connect_core.connectors.mirror._clients import client_config
from connect_core.connectors.mirror._formats import Checkpoint, OffsetSync
from connect_core.connectors.mirror._metrics import CheckpointMetrics
from connect_core.connectors.mirror._offset_sync_store import OffsetSyncStore
from connect_core.connectors.mirror._offsets import wrap_offset
from connect_core.connectors.mirror.config import TASK_CONSUMER_GROUPS, MirrorCheckpointConfig

if TYPE_CHECKING:
    from connect_core.api.group_offsets import GroupOffsets
    from connect_core.connectors.mirror._filters import NameFilter
    from connect_core.connectors.mirror._log_reader import LogReader
    from connect_core.connectors.mirror._policy import ReplicationPolicy

__all__ = ["MirrorCheckpointTask"]

log = logging.getLogger(__name__)

Offsets = dict[TopicPartition, tuple[int, str]]


def _offsets(marks: dict[tuple[str, int], tuple[int, str]]) -> Offsets:
    """``GroupOffsets.committed``' answer keyed by the api's ``TopicPartition``."""
    return {TopicPartition(topic, partition): mark for (topic, partition), mark in marks.items()}


class MirrorCheckpointTask(SourceTask):
    """Kafka ``org.apache.kafka.connect.mirror.MirrorCheckpointTask``."""

    def __init__(self) -> None:
        """Create a stopped task."""
        self._groups: list[str] = []
        self._source_offsets: GroupOffsets | None = None  # the groups' offsets on each cluster (the runtime's)
        self._target_offsets: GroupOffsets | None = None
        self._target_admin: Any = None
        self._syncs_reader: LogReader | None = None
        self._store = OffsetSyncStore()
        self._checkpoints: dict[str, dict[TopicPartition, Checkpoint]] = {}
        self._config: MirrorCheckpointConfig | None = None
        self._policy: ReplicationPolicy | None = None
        self._topic_filter: NameFilter | None = None
        self._last_emit: float | None = None
        self._last_sync: float | None = None
        self._timeout_s = 60.0  # admin.timeout.ms
        self._metrics: CheckpointMetrics | None = None  # MirrorCheckpointMetrics
        self._emitted: list[tuple[str, str, int, int]] = []  # (group, topic, partition, timestamp) not yet committed

    def start(self, props: dict[str, str]) -> None:
        """Read the checkpoints already emitted, then every offset sync."""
        from confluent_kafka.admin import AdminClient

        from connect_core.connectors.mirror._log_reader import LogReader

        config = self._config = parse_config(MirrorCheckpointConfig, props)
        self._policy, self._topic_filter = config.policy(), config.topic_filter()
        self._groups = [g for g in props.get(TASK_CONSUMER_GROUPS, "").split(",") if g]
        self._timeout_s = config.admin_timeout_ms / 1000.0
        label = config.entity_label()
        self._metrics = CheckpointMetrics(self.context.plugin_metrics(), config.source_cluster_alias,
                                          config.target_cluster_alias)
        self._source_offsets = self.context.group_offsets(
            client_config(props, "source", "consumer", f"{label}|checkpoint-source-offsets"))
        self._target_offsets = self.context.group_offsets(
            client_config(props, "target", "consumer", f"{label}|checkpoint-target-offsets"))
        self._target_admin = AdminClient(client_config(props, "target", "admin", f"{label}|checkpoint-target-admin"))
        loaded = self._load_checkpoints(props, label)
        cluster = config.offset_syncs_cluster()
        self._syncs_reader = LogReader(client_config(props, cluster, "consumer",
                                                     f"{label}|offset-syncs-{cluster}-consumer"),
                                       config.offset_syncs_topic())
        self._store = OffsetSyncStore(must_read_to_end=not loaded)
        self._read_syncs()
        self._store.read_to_end = True

    def _load_checkpoints(self, props: dict[str, str], label: str) -> bool:
        """This task's groups' checkpoints from the checkpoints topic; False when it could not be read."""
        from connect_core.connectors.mirror._log_reader import LogReader

        assert self._config is not None
        groups = set(self._groups)
        try:
            reader = LogReader(client_config(props, "target", "consumer", f"{label}|checkpoints-target-consumer"),
                               self._config.checkpoints_topic())
            try:
                for message in reader.read_to_end():
                    try:
                        checkpoint = Checkpoint.decode(message.key(), message.value())
                    except DataError:
                        log.warning("Ignored invalid checkpoint record at offset %d", message.offset())
                        continue
                    if checkpoint.group in groups:
                        partition = TopicPartition(checkpoint.topic, checkpoint.partition)
                        self._checkpoints.setdefault(checkpoint.group, {})[partition] = checkpoint
            finally:
                reader.close()
        except Exception:
            log.info("Could not load the checkpoints topic; only checkpoints emitted from now on count",
                     exc_info=True)
            return False
        return True

    def _read_syncs(self) -> None:
        assert self._syncs_reader is not None
        for message in self._syncs_reader.read_to_end():
            try:
                sync = OffsetSync.decode(message.key(), message.value())
            except DataError:
                log.warning("Ignored invalid offset sync at offset %d", message.offset())
                continue
            self._store.add(TopicPartition(sync.topic, sync.partition), sync)

    def poll(self) -> list[SourceRecord]:
        """The checkpoints due now (then group offsets synced when due); [] between intervals."""
        assert self._config is not None
        now = time.monotonic()
        records: list[SourceRecord] = []
        interval = self._config.emit_checkpoints_interval_seconds
        if self._last_emit is None or now - self._last_emit >= interval:
            self._last_emit = now
            self._read_syncs()
            timestamp = int(time.time() * 1000)
            for group in self._groups:
                records.extend(self._records_for_group(group, timestamp))
        if self._config.sync_group_offsets_enabled and (
                self._last_sync is None or now - self._last_sync >= self._config.sync_group_offsets_interval_seconds):
            self._last_sync = now
            try:
                self._sync_group_offsets()
            except Exception:  # Kafka's scheduler logs a failed sync and tries again at the next interval
                log.exception("Syncing the consumer group offsets to %s failed", self._config.target_cluster_alias)
        return records

    def _records_for_group(self, group: str, timestamp: int) -> list[SourceRecord]:
        try:
            assert self._topic_filter is not None and self._source_offsets is not None
            upstream = _offsets(self._source_offsets.committed(group, self._timeout_s,
                                                               topics=self._topic_filter.accepts))
        except Exception:
            log.exception("Error querying offsets for consumer group %s on cluster %s", group,
                          self._config.source_cluster_alias if self._config else "?")
            return []
        fresh = {}
        for partition, (offset, metadata) in sorted(upstream.items()):
            checkpoint = self._checkpoint(group, partition, offset, metadata)
            if checkpoint is not None and self._more_recent(checkpoint):
                fresh[TopicPartition(checkpoint.topic, checkpoint.partition)] = checkpoint
        self._checkpoints.setdefault(group, {}).update(fresh)
        assert self._config is not None
        topic = self._config.checkpoints_topic()
        self._emitted.extend((c.group, c.topic, c.partition, timestamp) for c in fresh.values())
        return [SourceRecord(c.connect_partition(), wrap_offset(0), topic, 0, BYTES_SCHEMA, c.key(), BYTES_SCHEMA,
                             c.value(), timestamp) for c in fresh.values()]

    def _checkpoint(self, group: str, partition: TopicPartition, offset: int, metadata: str) -> Checkpoint | None:
        assert self._topic_filter is not None
        if not self._topic_filter.accepts(partition.topic):
            return None
        downstream = self._store.translate_downstream(partition, offset)
        if downstream is None or downstream < 0:
            return None
        remote = self._rename(partition.topic)
        return Checkpoint(group, remote, partition.partition, offset, downstream, metadata)

    def _rename(self, topic: str) -> str:
        """Kafka ``renameTopicPartition``: a topic that came from the target gets its original name back."""
        assert self._policy is not None and self._config is not None
        if self._policy.topic_source(topic) == self._config.target_cluster_alias:
            return self._policy.original_topic(topic)
        return self._policy.format_remote_topic(self._config.source_cluster_alias, topic)

    def _more_recent(self, checkpoint: Checkpoint) -> bool:
        """Kafka ``checkpointIsMoreRecent``: first, an upstream rewind, or a downstream advance."""
        last = self._checkpoints.get(checkpoint.group, {}).get(TopicPartition(checkpoint.topic, checkpoint.partition))
        return (last is None or checkpoint.upstream_offset < last.upstream_offset
                or checkpoint.downstream_offset > last.downstream_offset)

    def _sync_group_offsets(self) -> None:
        """Write the latest checkpoints to the target's groups that are empty or unknown there, never backwards."""
        from confluent_kafka import ConsumerGroupState

        groups = [g for g in self._groups if self._checkpoints.get(g)]
        if not groups or self._target_offsets is None:
            return
        states = {}
        for group, future in self._target_admin.describe_consumer_groups(
                groups, request_timeout=self._timeout_s).items():
            try:
                states[group] = future.result(self._timeout_s).state
            except Exception:
                log.exception("Error querying for consumer group %s on the target", group)
        for group in groups:
            state = states.get(group)
            if state not in (ConsumerGroupState.EMPTY, ConsumerGroupState.DEAD):
                continue  # active on the target (or unknown): never moved
            empty = state == ConsumerGroupState.EMPTY
            current = _offsets(self._target_offsets.committed(
                group, self._timeout_s,
                partitions=[(c.topic, c.partition) for c in self._checkpoints[group].values()])) if empty else {}
            wanted = {(c.topic, c.partition): (c.downstream_offset, c.metadata)
                      for tp, c in sorted(self._checkpoints[group].items())
                      if tp not in current or current[tp][0] < c.downstream_offset}
            if not wanted:
                continue
            try:
                written = self._target_offsets.commit(group, wanted, self._timeout_s)
            except Exception as error:  # e.g. a consumer joined meanwhile (UNKNOWN_MEMBER_ID): Kafka logs it too
                log.warning("Unable to sync offsets for consumer group %s: %s", group, error)
                continue
            if len(written) < len(wanted):
                log.warning("Unable to sync offsets for consumer group %s: %d of %d partitions refused", group,
                            len(wanted) - len(written), len(wanted))

    def commit(self) -> None:
        """The checkpoints emitted are written: their latency (Kafka's ``commitRecord``: now less the record's time)."""
        emitted, self._emitted = self._emitted, []
        if self._metrics is None:
            return
        now_ms = int(time.time() * 1000)
        for group, topic, partition, timestamp in emitted:
            self._metrics.checkpointed(group, topic, partition, now_ms - timestamp)

    def stop(self) -> None:
        """Close the offset-syncs reader and the group offsets' readers."""
        reader, self._syncs_reader = self._syncs_reader, None
        if reader is not None:
            reader.close()
        for offsets in (self._source_offsets, self._target_offsets):
            if offsets is not None:
                offsets.close()
        self._source_offsets = self._target_offsets = None

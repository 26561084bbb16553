"""``GET|PATCH|DELETE /connectors/{name}/offsets`` (KIP-875), with Kafka's checks and messages.

Source offsets live in the offsets topic (``OffsetStore``); a sink's offsets are its consumer group
(``connect-<name>`` unless ``consumer.override.group.id``). Changing them requires a STOPPED connector with no
tasks, so no task can race the change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConnectError, DataError, NotFoundError
from connect_core.coordinator.cluster.consumer_groups import GroupNotEmptyError
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.coordinator.herder.plugins import (
    CONNECTOR_CLASS_CONFIG,
    CONNECTOR_VERSION_CONFIG,
    SINK,
    SOURCE,
    connector_class,
    connector_type,
    new_connector,
)
from connect_core.runtime.sink_group import sink_group_id
from connect_core.storage.config_state import TargetState

if TYPE_CHECKING:
    from connect_core.coordinator.cluster.consumer_groups import ConsumerGroups, TopicPartitionKey
    from connect_core.coordinator.cluster.source_fencing import SourceTaskFencing
    from connect_core.storage.config_store import ConfigStore
    from connect_core.storage.offset_store import OffsetStore

__all__ = ["ConnectorOffsetsManager", "parse_connector_offsets"]

log = logging.getLogger(__name__)

KAFKA_TOPIC_KEY = "kafka_topic"
KAFKA_PARTITION_KEY = "kafka_partition"
KAFKA_OFFSET_KEY = "kafka_offset"
Pairs = list[tuple[dict[str, Any] | None, dict[str, Any] | None]]  # a null partition is refused where it matters
_ZOMBIES = (
    "Failed to {verb} consumer group offsets for connector {name} either because its tasks haven't stopped "
    "completely yet or the connector was resumed before the request to {verb} its offsets could be successfully "
    "completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't "
    "eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks."
)


def parse_connector_offsets(body: Any) -> Pairs:
    """The ``(partition, offset)`` pairs of a ConnectorOffsets body; 400 when none are given or the shape is wrong."""
    entries = body.get("offsets") if isinstance(body, dict) else None
    if not entries:
        raise BadRequestError("Partitions / offsets need to be provided for an alter offsets request")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BadRequestError("Cannot deserialize the request body as ConnectorOffsets")
    pairs: Pairs = []
    for entry in entries:
        partition, offset = entry.get("partition"), entry.get("offset")
        if partition is not None and not isinstance(partition, dict):
            raise BadRequestError("Cannot deserialize the request body as ConnectorOffsets: a partition must be "
                                  "an object")
        if offset is not None and not isinstance(offset, dict):
            raise BadRequestError("Cannot deserialize the request body as ConnectorOffsets: an offset must be an "
                                  "object or null")
        pairs.append((partition, offset))
    return pairs


class ConnectorOffsetsManager:
    """Reads and changes a connector's offsets, wherever its type keeps them."""

    def __init__(self, configs: ConfigStore, offsets: OffsetStore, groups: ConsumerGroups,
                 fencing: SourceTaskFencing | None = None) -> None:
        """Use the config topic for states, the offsets topic for sources and ``groups`` for sinks; ``fencing``
        fences a source connector's task producers before its offsets change (None: no fencing, unit tests)."""
        self.configs = configs
        self.offsets = offsets
        self.groups = groups
        self.fencing = fencing

    def _config(self, name: str) -> dict[str, str | None]:
        self.configs.refresh()
        config = self.configs.connector_config(name)
        if config is None:
            raise NotFoundError(f"Connector {name} not found")
        return config

    def get(self, name: str) -> dict[str, Any]:
        """Kafka ``ConnectorOffsets``, in any connector state."""
        config = self._config(name)
        if _kind(config) == SINK:
            committed = self.groups.list_offsets(sink_group_id(name, config))
            return {"offsets": [_sink_entry(tp, offset) for tp, offset in sorted(committed.items())]}
        return {"offsets": [{"partition": p, "offset": o} for p, o in self._source_offsets(name)]}

    def created(self, name: str) -> None:
        """A source connector just created gets its first offsets snapshot when it provably has no offsets, so its
        first task reads only the offsets topic's tail (``storage/connector_offsets.py``); never fails the create."""
        try:
            if _kind(self._config(name)) == SOURCE:
                outcome = self.offsets.first_snapshot(name)
                log.debug("first offsets snapshot of connector %s: %s", name, outcome)
        except Exception:  # no snapshot costs the first read a full read, nothing else
            log.warning("could not write the first offsets snapshot of connector %s", name, exc_info=True)

    def advance_key_index(self, seconds: float | None = None) -> bool:
        """Keep the offsets key index near the log end (each heartbeat), so a create reads only a short tail: read
        for at most ``seconds`` and keep the progress; True when it reached the log end (else the next heartbeat
        goes on from where this one stopped)."""
        return self.offsets.key_index().advance(timeout_s=seconds)

    def alter(self, name: str, pairs: Pairs) -> dict[str, str]:
        """Write the given offsets (a null offset deletes that partition's offset)."""
        config = self._ready_for_change(name)
        if _kind(config) == SINK:
            parsed = _parse_sink_offsets(pairs)
            managed = _hook(config, pairs)
            group = sink_group_id(name, config)
            try:
                deletes = [tp for tp, offset in parsed.items() if offset is None]
                commits = {tp: offset for tp, offset in parsed.items() if offset is not None}
                if deletes:
                    self.groups.delete_offsets(group, deletes)
                if commits:
                    self.groups.alter_offsets(group, commits)
            except GroupNotEmptyError as error:
                raise ConnectError(_ZOMBIES.format(verb="alter", name=name)) from error
            except ConnectError as error:
                raise ConnectError(f"Failed to alter consumer group offsets for connector {name}") from error
        else:
            source_pairs = [(partition, offset) for partition, offset in pairs if isinstance(partition, dict)]
            if len(source_pairs) != len(pairs):
                raise BadRequestError("Source partitions must be specified as a map and may not be null")
            managed = _hook(config, pairs)
            self._fence(name)
            try:
                self.offsets.write(name, source_pairs)
            except DataError as error:
                raise BadRequestError(str(error)) from error
        return _message("altered", managed)

    def reset(self, name: str) -> dict[str, str]:
        """Forget every offset: tombstones for a source, the whole consumer group for a sink."""
        config = self._ready_for_change(name)
        if _kind(config) == SINK:
            managed = _hook(config, None)
            try:
                self.groups.delete_group(sink_group_id(name, config))
            except GroupNotEmptyError as error:
                raise ConnectError(_ZOMBIES.format(verb="reset", name=name)) from error
            except ConnectError as error:
                raise ConnectError(f"Failed to reset consumer group offsets for connector {name}") from error
        else:
            self._fence(name)
            known = self._source_offsets(name)
            managed = _hook(config, [(p, None) for p, _ in known])
            if known:
                self.offsets.write(name, [(p, None) for p, _ in known])
        return _message("reset", managed)

    def forget_deleted(self, name: str) -> None:
        """A deleted source whose resume point went with it (its dropped slot): tombstone every offset it had, so
        one re-created under the same name starts afresh (its ``snapshot.mode``) instead of failing on them. A
        failure is logged: the delete has happened."""
        try:
            self._fence(name)
            known = self._source_offsets(name)
            if known:
                self.offsets.write(name, [(partition, None) for partition, _ in known])
            log.info("Connector %s: deleted with its resume point; its %d source offsets cleared", name, len(known))
        except Exception:
            log.warning("Connector %s: could not clear the offsets of the deleted connector; a connector re-created "
                        "under its name resumes from them", name, exc_info=True)

    def _source_offsets(self, name: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """The connector's offsets as they are now: its snapshot and what followed, not the whole offsets topic (a
        cold coordinator of a fleet would read millions of records; storage/connector_offsets.py)."""
        view = self.offsets.for_connector(name)
        view.refresh()
        return view.offsets()

    def _fence(self, name: str) -> None:
        """Fence every task producer the connector may have had (each task id that ever had a config, or more by
        its last fencing record), so no invocation still under way commits offsets after this change. Not
        ``tasks.max``: that is a client's number, and tasks never configured have no producer."""
        if self.fencing is None:
            return
        state = self.configs.start().state
        self.fencing.fence(name, max(state.configured_task_span(name), state.task_count_record(name) or 0))

    def _ready_for_change(self, name: str) -> dict[str, str | None]:
        config = self._config(name)
        if self.configs.target_state(name) is not TargetState.STOPPED or self.configs.task_count(name) != 0:
            raise BadRequestError(
                "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
                f"for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
            )
        return config


def _kind(config: dict[str, str | None]) -> str:
    kind = connector_type(config)
    if kind not in (SOURCE, SINK):
        connector_class(str(config.get(CONNECTOR_CLASS_CONFIG)))  # raises Kafka's 500 for an unknown class
    return kind


def _hook(config: dict[str, str | None], pairs: Pairs | None) -> bool:
    """The connector's optional ``alter_offsets(config, offsets) -> bool`` (Kafka ``Connector.alterOffsets``).

    The connector validates the offsets of its own type there (FileStream: a non-negative ``position``); what it
    refuses is the client's mistake, a 400, and nothing is written.
    """
    instance = new_connector(connector_class(str(config[CONNECTOR_CLASS_CONFIG]), config.get(CONNECTOR_VERSION_CONFIG)))
    hook = getattr(instance, "alter_offsets", None)
    if hook is None:
        return False
    offsets = {_freeze(p): o for p, o in pairs} if pairs is not None else {}
    try:
        return bool(hook({k: v for k, v in config.items() if v is not None}, offsets))
    except ConnectError as error:
        raise BadRequestError(str(error)) from error


def _freeze(value: Any) -> Any:
    """A hashable form of a partition map (nested maps and lists included); ``dict()`` gives the top level back."""
    if isinstance(value, dict):
        return tuple((k, _freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _message(verb: str, managed: bool) -> dict[str, str]:
    if managed:
        return {"message": f"The offsets for this connector have been {verb} successfully"}
    return {
        "message": f"The Connect framework-managed offsets for this connector have been {verb} successfully. "
        f"However, if this connector manages offsets externally, they will need to be manually {verb} in the "
        "system that the connector uses."
    }


def _sink_entry(tp: TopicPartitionKey, offset: int) -> dict[str, Any]:
    return {
        "partition": {KAFKA_TOPIC_KEY: tp[0], KAFKA_PARTITION_KEY: tp[1]},
        "offset": {KAFKA_OFFSET_KEY: offset},
    }


def _parse_sink_offsets(pairs: Pairs) -> dict[TopicPartitionKey, int | None]:
    """Kafka's ``SinkUtils.parseSinkConnectorOffsets``, messages included (numbers may be numeric strings)."""
    parsed: dict[TopicPartitionKey, int | None] = {}
    for partition, offset in pairs:
        if partition is None:
            raise BadRequestError("The partition for a sink connector offset cannot be null or missing")
        if KAFKA_TOPIC_KEY not in partition or KAFKA_PARTITION_KEY not in partition:
            raise BadRequestError(
                f"The partition for a sink connector offset must contain the keys '{KAFKA_TOPIC_KEY}' and "
                f"'{KAFKA_PARTITION_KEY}'"
            )
        if partition[KAFKA_TOPIC_KEY] is None:
            raise BadRequestError("Kafka topic names must be valid strings and may not be null")
        if partition[KAFKA_PARTITION_KEY] is None:
            raise BadRequestError("Kafka partitions must be valid numbers and may not be null")
        number = _java_long(partition[KAFKA_PARTITION_KEY], 2**31)
        if number is None:
            raise BadRequestError(
                f"Failed to parse the following Kafka partition value in the provided offsets: "
                f"'{partition[KAFKA_PARTITION_KEY]}'. Partition values for sink connectors need to be integers."
            )
        if number < 0:  # stricter than Kafka, whose group commit then fails with a 500
            raise BadRequestError(f"Kafka partitions must be non-negative numbers, not {number}")
        tp = (str(partition[KAFKA_TOPIC_KEY]), number)
        if offset is None:
            parsed[tp] = None
            continue
        if KAFKA_OFFSET_KEY not in offset:
            raise BadRequestError(
                f"The offset for a sink connector should either be null or contain the key '{KAFKA_OFFSET_KEY}'"
            )
        value = _java_long(offset[KAFKA_OFFSET_KEY], 2**63)
        if value is None:
            raise BadRequestError(
                f"Failed to parse the following Kafka offset value in the provided offsets: "
                f"'{offset[KAFKA_OFFSET_KEY]}'. Offset values for sink connectors need to be integers."
            )
        if value < 0:
            raise BadRequestError(f"Kafka offsets must be non-negative numbers, not {value}")
        parsed[tp] = value
    return parsed


def _java_long(value: Any, bound: int) -> int | None:
    """``Integer.parseInt(String.valueOf(v))`` / ``Long.parseLong``: ints or integer strings, nothing else."""
    if isinstance(value, bool) or isinstance(value, float):
        return None
    try:
        number = int(str(value), 10)
    except ValueError:
        return None
    return number if -bound <= number < bound else None

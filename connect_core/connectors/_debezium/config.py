"""Config pieces every Debezium connector shares: the keys that are the worker's, and the common validators."""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import BaseModel, model_validator

from connect_core.api.config import config_error, config_field, in_range

__all__ = [
    "DEFAULT_CHUNK_SIZE", "DEFAULT_SIGNAL_GROUP_ID", "FRAMEWORK_KEYS", "FRAMEWORK_PREFIXES", "SIGNAL_CHANNELS",
    "SUPPORTED_SIGNAL_CHANNELS", "WATERMARKING_STRATEGIES", "IncrementalSnapshotKeys", "is_framework_key",
    "signal_collection_validator", "validate_regexes", "validate_signal_channels", "validate_topic_prefix",
    "validate_watermarking",
]

DEFAULT_CHUNK_SIZE: Final = 1024  # incremental.snapshot.chunk.size
SIGNAL_CHANNELS: Final = ("source", "kafka", "file", "jmx", "in-process")
SUPPORTED_SIGNAL_CHANNELS: Final = ("source", "kafka")
DEFAULT_SIGNAL_GROUP_ID: Final = "kafka-signal"  # signal.kafka.groupId
WATERMARKING_STRATEGIES: Final = ("insert_insert", "insert_delete")

_INVALID_TOPIC_CHARS = re.compile(r"[^a-zA-Z0-9._-]")
# Keys of the worker and of lambda-connect's own trigger settings: never the connector's to refuse or report.
FRAMEWORK_KEYS: Final = frozenset({
    "name", "connector.class", "tasks.max", "tasks.max.enforce", "key.converter", "value.converter",
    "header.converter", "transforms", "predicates", "config.action.reload", "exactly.once.support",
    "transaction.boundary", "transaction.boundary.interval.ms", "offsets.storage.topic", "topics", "topics.regex",
    "poll.interval.ms", "connector.plugin.version",
})
FRAMEWORK_PREFIXES: Final = (
    "key.converter.", "value.converter.", "header.converter.", "transforms.", "predicates.", "errors.",
    "topic.creation.", "producer.override.", "consumer.override.", "admin.override.", "lambda.",
)


def is_framework_key(key: str) -> bool:
    """Whether ``key`` is the worker's (or lambda-connect's trigger's), not the connector's."""
    return key in FRAMEWORK_KEYS or key.startswith(FRAMEWORK_PREFIXES)


def validate_topic_prefix(key: str, value: Any) -> None:
    """``topic.prefix``: non-empty, ASCII alphanumerics, '.', '_' and '-' only (Debezium's message)."""
    if not value or _INVALID_TOPIC_CHARS.search(value):
        raise config_error(key, value, "The 'topic.prefix' value is invalid: A value must be non-empty and may only "
                           "contain ASCII alphanumerics, '.', '_' and '-'.")


def validate_regexes(key: str, value: Any) -> None:
    """A comma-separated list of regular expressions (the include/exclude lists): each must compile."""
    for pattern in value or []:
        try:
            re.compile(pattern)
        except re.error as e:
            raise config_error(key, ",".join(value), f"A comma-separated list of valid regular expressions is "
                               f"expected, but {pattern} is not: {e}") from None


def validate_signal_channels(key: str, value: Any) -> None:
    """``signal.enabled.channels``: Debezium's channel names; lambda-connect reads the signal table and Kafka."""
    for channel in value or []:
        if channel not in SIGNAL_CHANNELS:
            raise config_error(key, ",".join(value), f"Unknown signal channel {channel}; Debezium's are "
                               f"{', '.join(SIGNAL_CHANNELS)}")
        if channel not in SUPPORTED_SIGNAL_CHANNELS:
            raise config_error(key, ",".join(value), f"lambda-connect reads signals from the signal table "
                               f"(channel 'source') and from Kafka (channel 'kafka') only; the {channel} channel "
                               "is not supported")


def validate_watermarking(key: str, value: Any) -> None:
    """``incremental.snapshot.watermarking.strategy``: lambda-connect writes both watermarks as inserts."""
    if value is None:
        return
    if value.lower() not in WATERMARKING_STRATEGIES:
        raise config_error(key, value, f"Value must be one of {', '.join(WATERMARKING_STRATEGIES)}")
    if value.lower() != "insert_insert":
        raise config_error(key, value, "lambda-connect writes both watermarks as inserts (insert_insert); "
                           "insert_delete is not supported")


def signal_collection_validator(naming: str) -> Any:
    """``signal.data.collection``: ``<naming>.<tableName>`` (``schemaName`` for PostgreSQL, ``databaseName`` for
    MySQL/MariaDB)."""
    def check(key: str, value: Any) -> None:
        if value and len(value.split(".")) != 2:
            raise config_error(key, value, f"The signal data collection must be named <{naming}>.<tableName>")
    return check


class IncrementalSnapshotKeys(BaseModel):
    """The incremental snapshot keys both Debezium sources declare alike (``signal.data.collection`` is each
    connector's own: its table is named after a schema or a database)."""

    signal_enabled_channels: list[str] = config_field(
        ["source"], alias="signal.enabled.channels", description="Where signals are read from: the signal table "
        "('source') and/or the Kafka signal topic ('kafka').", group="Connector", validator=validate_signal_channels,
        recommended=SUPPORTED_SIGNAL_CHANNELS)
    signal_kafka_topic: str | None = config_field(
        None, alias="signal.kafka.topic", description="The name of the topic for the signals to the connector "
        "(partition 0 is read). Default: <topic.prefix>-signal.", group="Connector", importance="HIGH")
    signal_kafka_bootstrap_servers: str | None = config_field(
        None, alias="signal.kafka.bootstrap.servers", description="A list of host/port pairs of the Kafka cluster "
        "the signal topic is on (required with the kafka channel).", group="Connector", importance="HIGH")
    signal_kafka_group_id: str = config_field(
        DEFAULT_SIGNAL_GROUP_ID, alias="signal.kafka.groupId", description="Consumer group id for the signal topic: "
        "its committed offset is where a connector without a stored signal offset starts, and is committed after "
        "each commit of the records.", group="Connector", importance="LOW")
    signal_kafka_poll_timeout_ms: int = config_field(
        0, alias="signal.kafka.poll.timeout.ms", description="The number of milliseconds to wait while polling "
        "signals (each stream start reads the signals up to the topic's end offset, waiting at most 5 s or this "
        "long when longer).", group="Connector", importance="LOW", validator=in_range(0))
    incremental_snapshot_chunk_size: int = config_field(
        DEFAULT_CHUNK_SIZE, alias="incremental.snapshot.chunk.size", description="Rows an incremental snapshot reads "
        "per chunk (one watermark window).", group="Connector", validator=in_range(1))
    incremental_snapshot_watermarking_strategy: str = config_field(
        "insert_insert", alias="incremental.snapshot.watermarking.strategy", description="How a chunk's window is "
        "marked in the signal table: 'insert_insert' (an open and a close row; the only strategy lambda-connect "
        "writes).", group="Connector", validator=validate_watermarking, recommended=("insert_insert",))

    @model_validator(mode="after")
    def _kafka_channel(self) -> IncrementalSnapshotKeys:
        if "kafka" in self.signal_enabled_channels:
            if not (self.signal_kafka_bootstrap_servers or "").strip():
                raise config_error("signal.kafka.bootstrap.servers", self.signal_kafka_bootstrap_servers,
                                   "The signal channel kafka needs the Kafka cluster of its signal topic "
                                   "(signal.enabled.channels contains kafka)")
            if not getattr(self, "signal_data_collection", None):
                raise config_error("signal.data.collection", None, "The kafka signal channel starts incremental "
                                   "snapshots, which write their watermarks to the signal table: set "
                                   "signal.data.collection")
        return self

    @property
    def kafka_signals(self) -> bool:
        """Whether the Kafka signal channel is enabled."""
        return "kafka" in self.signal_enabled_channels

    @property
    def source_signals(self) -> bool:
        """Whether signal table rows are signals (the source channel)."""
        return "source" in self.signal_enabled_channels

"""TimestampRouter: route to a topic named from the topic and record timestamp (Kafka ``TimestampRouter``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.errors import DataError
from connect_core.api.transformation import Transformation
from connect_core.transforms._date_format import SimpleDateFormat

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = [
    "TIMESTAMP_FORMAT_CONFIG",
    "TIMESTAMP_FORMAT_DEFAULT",
    "TOPIC_FORMAT_CONFIG",
    "TOPIC_FORMAT_DEFAULT",
    "TimestampRouter",
    "TimestampRouterConfig",
]

TOPIC_FORMAT_CONFIG = "topic.format"
TOPIC_FORMAT_DEFAULT = "${topic}-${timestamp}"
TIMESTAMP_FORMAT_CONFIG = "timestamp.format"
TIMESTAMP_FORMAT_DEFAULT = "yyyyMMdd"


def _check_format(key: str, value: str) -> None:
    try:
        SimpleDateFormat(value)
    except ValueError as e:
        raise config_error(key, value, str(e)) from e


class TimestampRouterConfig(BaseModel):
    """Config of TimestampRouter (Kafka ``TimestampRouter.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    topic_format: str = config_field(
        TOPIC_FORMAT_DEFAULT, alias=TOPIC_FORMAT_CONFIG, importance="HIGH",
        description="Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as "
        "placeholders for the topic and timestamp, respectively.",
    )
    timestamp_format: str = config_field(
        TIMESTAMP_FORMAT_DEFAULT, alias=TIMESTAMP_FORMAT_CONFIG, importance="HIGH", validator=_check_format,
        description="Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.",
    )


class TimestampRouter(Transformation["ConnectRecord"]):
    """Route by timestamp, formatted in UTC (Kafka ``TimestampRouter``)."""

    config_model: ClassVar[type[BaseModel]] = TimestampRouterConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Compile the timestamp format once."""
        self.config = parse_config(TimestampRouterConfig, configs)
        self._topic_format = self.config.topic_format
        self._format = SimpleDateFormat(self.config.timestamp_format)
        self._last: tuple[int, str] = (-1, "")

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Rename the topic; a record without timestamp is an error."""
        timestamp = record.timestamp
        if timestamp is None:
            raise DataError(f"Timestamp missing on record: {record!r}")
        if self._last[0] == timestamp:
            formatted = self._last[1]
        else:
            formatted = self._format.format(timestamp)
            self._last = (timestamp, formatted)
        topic = self._topic_format.replace("${topic}", record.topic).replace("${timestamp}", formatted)
        return record.new_record(topic, record.kafka_partition, record.key_schema, record.key,
                                 record.value_schema, record.value, timestamp, record.headers)

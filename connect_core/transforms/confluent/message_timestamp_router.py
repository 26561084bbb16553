"""MessageTimestampRouter: route by a timestamp read from a field of a schemaless value (Confluent's
``io.confluent.connect.transforms.MessageTimestampRouter``): ``{"time":"2019-08-06"}`` on ``bar`` with
``topic.format=foo-${topic}-${timestamp}`` goes to ``foo-bar-2019.08.06``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.errors import DataError
from connect_core.api.transformation import Transformation
from connect_core.transforms._date_format import SimpleDateFormat
from connect_core.transforms._util import require_map

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["MessageTimestampRouter", "MessageTimestampRouterConfig"]

PURPOSE = "message timestamp routing"


def _pattern(key: str, value: Any) -> None:
    try:
        SimpleDateFormat(value)
    except ValueError as error:
        raise config_error(key, value, str(error)) from None


class MessageTimestampRouterConfig(BaseModel):
    """Config of MessageTimestampRouter (its documented properties)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    topic_format: str = config_field(
        "${topic}-${timestamp}", alias="topic.format", importance="HIGH",
        description="Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and "
        "timestamp, respectively.",
    )
    message_timestamp_format: str = config_field(
        "yyyy-MM-dd", alias="message.timestamp.format", importance="HIGH", validator=_pattern,
        description="Format string for the message timestamp that is compatible with java.text.SimpleDateFormat.",
    )
    topic_timestamp_format: str = config_field(
        "yyyyMMdd", alias="topic.timestamp.format", importance="HIGH", validator=_pattern,
        description="Format string for the timestamp that is compatible with java.text.SimpleDateFormat.",
    )
    message_timestamp_keys: list[str] = config_field(
        ..., alias="message.timestamp.keys", type="LIST", importance="HIGH",
        description="Comma separated list of Timestamp keys. The timestamp is taken from the first found field.",
    )


class MessageTimestampRouter(Transformation["ConnectRecord"]):
    """Confluent's MessageTimestampRouter: the value must be a map (structs are not supported, as documented)."""

    config_model: ClassVar[type[BaseModel]] = MessageTimestampRouterConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Compile both date patterns."""
        cfg = self.config = parse_config(MessageTimestampRouterConfig, configs)
        self._parse = SimpleDateFormat(cfg.message_timestamp_format)
        self._format = SimpleDateFormat(cfg.topic_timestamp_format)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record on ``topic.format`` filled with its topic and its message's timestamp."""
        value = require_map(record.value, PURPOSE)
        raw = next((value[key] for key in self.config.message_timestamp_keys if value.get(key) is not None), None)
        if raw is None:
            raise DataError(f"None of the fields {', '.join(self.config.message_timestamp_keys)} has a timestamp")
        if isinstance(raw, int) and not isinstance(raw, bool):
            epoch_ms = raw
        elif isinstance(raw, str):
            try:
                epoch_ms = self._parse.parse(raw)
            except ValueError as error:
                raise DataError(f"Could not parse timestamp '{raw}' with format "
                                f"'{self.config.message_timestamp_format}'") from error
        else:
            raise DataError(f"Unsupported timestamp value: {raw!r}")
        topic = self.config.topic_format.replace("${topic}", record.topic).replace(
            "${timestamp}", self._format.format(epoch_ms))
        return record.new_record(topic, record.kafka_partition, record.key_schema, record.key, record.value_schema,
                                 record.value, record.timestamp)

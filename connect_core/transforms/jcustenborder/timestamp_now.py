"""TimestampNow: stamp each record with the time it is transformed (jcustenborder's ``TimestampNow``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import parse_config
from connect_core.api.transformation import Transformation

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import ConnectRecord

__all__ = ["TimestampNow", "TimestampNowConfig"]


class TimestampNowConfig(BaseModel):
    """TimestampNow has no keys (its ``config()`` is an empty ConfigDef)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)


class TimestampNow(Transformation["ConnectRecord"]):
    """``com.github.jcustenborder.kafka.connect.transform.common.TimestampNow``: the wall clock, in epoch ms."""

    config_model: ClassVar[type[BaseModel]] = TimestampNowConfig
    clock: Callable[[], int] = staticmethod(lambda: time.time_ns() // 1_000_000)  # Kafka's Time.milliseconds()

    def configure(self, configs: dict[str, Any]) -> None:
        """Nothing to configure."""
        self.config = parse_config(TimestampNowConfig, configs)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record with the current time as its timestamp."""
        return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,
                                 record.value_schema, record.value, self.clock())

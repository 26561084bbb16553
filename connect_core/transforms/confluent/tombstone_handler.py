"""TombstoneHandler: drop tombstones quietly, with a warning, or fail on them (Confluent's
``io.confluent.connect.transforms.TombstoneHandler``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config, valid_string
from connect_core.api.errors import DataError
from connect_core.api.transformation import Transformation

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["TombstoneHandler", "TombstoneHandlerConfig"]

log = logging.getLogger(__name__)


class TombstoneHandlerConfig(BaseModel):
    """Config of TombstoneHandler (its documented property)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    behavior: str = config_field(
        "warn", alias="behavior", validator=valid_string("ignore", "warn", "fail"),
        description="If set to ignore, the tombstone record is ignored silently, with a DEBUG message written to "
        "log. If set to warn, the tombstone record is ignored silently, with a WARN message written to log. If set to "
        "fail, the execution fails, a DataException is thrown, and a DEBUG message is written to log.",
    )


class TombstoneHandler(Transformation["ConnectRecord"]):
    """Confluent's TombstoneHandler: a tombstone is a record whose whole value is null, with or without schema."""

    config_model: ClassVar[type[BaseModel]] = TombstoneHandlerConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Read ``behavior``."""
        self.config = parse_config(TombstoneHandlerConfig, configs)

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        """Pass records with a value; handle tombstones as configured."""
        if record.value is not None:
            return record
        behavior = self.config.behavior
        message = f"Tombstone record (topic {record.topic}, partition {record.kafka_partition})"
        if behavior == "fail":
            log.debug("%s: failing", message)
            raise DataError(f"{message} encountered with behavior=fail")
        log.log(logging.WARNING if behavior == "warn" else logging.DEBUG, "%s ignored", message)
        return None

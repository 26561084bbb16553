"""RecordIsTombstone: true for records with a null value (Kafka ``predicates.RecordIsTombstone``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.transformation import Predicate

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord


__all__ = ["RecordIsTombstone", "RecordIsTombstoneConfig"]


class RecordIsTombstoneConfig(BaseModel):
    """RecordIsTombstone has no config keys."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)


class RecordIsTombstone(Predicate["ConnectRecord"]):
    """A predicate which is true for records which are tombstones (i.e. have null value)."""

    config_model: ClassVar[type[BaseModel]] = RecordIsTombstoneConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Nothing to configure."""

    def test(self, record: ConnectRecord) -> bool:
        """Whether the value is null."""
        return record.value is None

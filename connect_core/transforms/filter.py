"""Filter: drop every record; meant to be used with a predicate (Kafka ``transforms.Filter``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.transformation import Transformation

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord


__all__ = ["Filter", "FilterConfig"]


class FilterConfig(BaseModel):
    """Filter has no config keys."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)


class Filter(Transformation["ConnectRecord"]):
    """Drops all records, filtering them from subsequent transformations in the chain (Kafka ``Filter``)."""

    config_model: ClassVar[type[BaseModel]] = FilterConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Nothing to configure."""

    def apply(self, record: ConnectRecord) -> None:
        """Drop the record."""
        return None

"""HasHeaderKey: true when a header with the given key exists (Kafka ``predicates.HasHeaderKey``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.transformation import Predicate
from connect_core.transforms._util import non_empty_string

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["HasHeaderKey", "HasHeaderKeyConfig", "NAME_CONFIG"]

NAME_CONFIG = "name"


class HasHeaderKeyConfig(BaseModel):
    """Config of HasHeaderKey (Kafka ``HasHeaderKey.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    name: str = config_field(
        ..., alias=NAME_CONFIG, validator=non_empty_string, description="The header name.",
    )


class HasHeaderKey(Predicate["ConnectRecord"]):
    """A predicate which is true for records with at least one header with the configured name."""

    config_model: ClassVar[type[BaseModel]] = HasHeaderKeyConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the header name."""
        self.config = parse_config(HasHeaderKeyConfig, configs)
        self._name = self.config.name

    def test(self, record: ConnectRecord) -> bool:
        """Whether any header has the name (stops at the first one)."""
        name = self._name
        return any(h.key == name for h in record.headers)

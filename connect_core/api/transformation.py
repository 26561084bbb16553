"""SMT SPIs: ``Transformation`` and ``Predicate`` (Kafka ``org.apache.kafka.connect.transforms``)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from connect_core.api.record import ConnectRecord

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.record import SourceKeyedValues

__all__ = ["Predicate", "Transformation"]

R = TypeVar("R", bound=ConnectRecord)


class Transformation(abc.ABC, Generic[R]):
    """A single message transform: record in, record (or None to drop it) out (Kafka ``Transformation``)."""

    config_model: ClassVar[type[BaseModel]]

    @abc.abstractmethod
    def configure(self, configs: dict[str, Any]) -> None:
        """Apply the SMT's config (keys without the ``transforms.<alias>.`` prefix)."""

    @abc.abstractmethod
    def apply(self, record: R) -> R | None:
        """Transform ``record``; return None to drop it."""

    def apply_keyed(self, run: SourceKeyedValues) -> SourceKeyedValues | None:
        """The run ``apply`` makes of ``run.records()`` (every record kept, only their value schema and values
        changed), said without the records, when the SMT can (ours, not Kafka's: a CDC task's keyed runs); None:
        ``apply`` to each record, as by default."""
        return None

    def close(self) -> None:  # optional hook
        """Release resources; nothing by default."""


class Predicate(abc.ABC, Generic[R]):
    """A condition deciding whether an SMT applies to a record (Kafka ``Predicate``)."""

    config_model: ClassVar[type[BaseModel]]

    @abc.abstractmethod
    def configure(self, configs: dict[str, Any]) -> None:
        """Apply the predicate's config (keys without the ``predicates.<alias>.`` prefix)."""

    @abc.abstractmethod
    def test(self, record: R) -> bool:
        """Whether ``record`` matches."""

    def close(self) -> None:  # optional hook
        """Release resources; nothing by default."""

"""``GroupOffsets``: a consumer group's committed offsets on a cluster a connector names (MirrorMaker 2's source and
target), read and committed by the runtime's one home for them (``kafka/group_offsets.py``).

A connector sees only the api, so it reaches that home through its context: ``context.group_offsets(config)``
with the librdkafka consumer settings of the cluster. The runtime's readers never join the group (librdkafka's
admin group-offset calls can crash the process while a group's coordinator moves) and read a refused commit back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["GroupOffsets", "GroupOffsetsFactory", "Marks", "no_group_offsets"]

# (topic, partition) -> (offset, metadata)
Marks = dict[tuple[str, int], tuple[int, str]]


class GroupOffsets(Protocol):
    """Committed offsets of any group on one cluster; readers kept warm, closed by ``close``."""

    def committed(self, group: str, timeout_s: float, *, partitions: Iterable[tuple[str, int]] = (),
                  topics: Callable[[str], bool] | None = None) -> Marks:
        """``group``'s commits on ``partitions`` and on every partition of the topics ``topics`` accepts;
        partitions without a commit are left out. Raises when the group's coordinator does not answer in time."""
        ...

    def commit(self, group: str, marks: Mapping[tuple[str, int], tuple[int, str]],
               timeout_s: float) -> list[tuple[str, int]]:
        """Commit ``marks`` as ``group`` with no member (refused while it has members); the partitions written
        (a refused commit is read back). Raises on retriable errors."""
        ...

    def close(self) -> None:
        """Close the readers."""
        ...


GroupOffsetsFactory = Callable[["Mapping[str, Any]"], GroupOffsets]


def no_group_offsets(config: Mapping[str, Any]) -> GroupOffsets:
    """A context's factory when the runtime gives none (a connector or task built outside the runtime).

    Raises:
        RuntimeError: always; group offsets need the runtime.
    """
    raise RuntimeError("this context has no access to consumer group offsets (it was not built by the runtime)")

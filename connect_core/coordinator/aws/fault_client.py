"""Control-plane fault points: a boto3 client whose every call passes ``aws.<operation>.before`` and ``.after``.

The deployer wraps its clients in it only when the fault suite arms a step (``connect_core/runtime/fault_points``):
the coordinator process is then killed right before or right after that AWS call, and the suite shows that the next
reconcile pass converges (``tests/faults/test_control_plane.py``). Unit tests pass their own ``on_step`` (raising
instead of killing: for AWS's state the same thing, the call happened or did not, nothing after it did).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["FaultClient"]

_PLAIN = frozenset({"meta", "exceptions", "can_paginate", "get_waiter", "close"})


class FaultClient:
    """Delegates to ``client``; each operation (and each paginated listing, as one step) passes its fault points."""

    def __init__(self, client: Any, on_step: Callable[[str], None]) -> None:
        """``on_step(step)`` is called with ``aws.<operation>.before`` / ``.after`` around every call."""
        self._client = client
        self._on_step = on_step

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name in _PLAIN or name.startswith("_") or not callable(attribute):
            return attribute
        if name == "get_paginator":
            return lambda operation: _FaultPaginator(attribute(operation), operation, self._on_step)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._on_step(f"aws.{name}.before")
            result = attribute(*args, **kwargs)
            self._on_step(f"aws.{name}.after")
            return result

        return call


class _FaultPaginator:
    def __init__(self, paginator: Any, operation: str, on_step: Callable[[str], None]) -> None:
        self._paginator = paginator
        self._operation = operation
        self._on_step = on_step

    def paginate(self, **kwargs: Any) -> Iterator[Any]:
        self._on_step(f"aws.{self._operation}.before")
        pages = list(self._paginator.paginate(**kwargs))
        self._on_step(f"aws.{self._operation}.after")
        return iter(pages)

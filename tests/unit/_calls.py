"""``record_calls``: what a module-level function was called with, for tests that a fast path skips it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest


def record_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    """Wrap ``owner.name`` (a one-argument function) for this test: the returned list gets each call's argument."""
    calls: list[Any] = []
    original = getattr(owner, name)

    def recording(argument: Any) -> Any:
        calls.append(argument)
        return original(argument)

    monkeypatch.setattr(owner, name, recording)
    return calls

"""Runner tests run against in-memory topics and a fake transactional producer; no broker, no sockets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.runtime.stale_batch import StaleBatches
from tests.unit.runtime import fakes

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(autouse=True)
def _scripted_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The scripted connectors are worker plugins (LAMBDA_CONNECT_PLUGINS), as a deployment would add them."""
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", fakes.PLUGINS)
    # a failed sink batch asks its group's committed offsets (runtime/stale_batch.py): of the in-memory group
    monkeypatch.setattr(StaleBatches, "_reader", lambda _self, group: fakes.FakeGroupReader(group))
    fakes.reset()
    yield
    fakes.reset()

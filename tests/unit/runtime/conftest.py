"""Runner tests run against in-memory topics and a fake transactional producer; no broker, no sockets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.unit.runtime import fakes

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(autouse=True)
def _scripted_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The scripted connectors are worker plugins (LAMBDA_CONNECT_PLUGINS), as a deployment would add them."""
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", fakes.PLUGINS)
    fakes.reset()
    yield
    fakes.reset()

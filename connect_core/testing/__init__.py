"""The connector test kit: run a connector against a real Kafka as a deployment runs it (``EmbeddedConnect``).

Imports the coordinator and the runtime, so it is for tests only (no function imports it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from connect_core.testing.embedded import ConnectRestError, EmbeddedConnect, Message

__all__ = ["ConnectRestError", "EmbeddedConnect", "Message"]

_EXPORTS: dict[str, str] = {
    "ConnectRestError": "connect_core.testing.embedded",
    "EmbeddedConnect": "connect_core.testing.embedded",
    "Message": "connect_core.testing.embedded",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)

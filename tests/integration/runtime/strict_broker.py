"""A throwaway single-node KRaft broker that refuses automatic topic creation (MSK's default), on ports 39092-39099.

The shared broker creates any topic a producer names; this one, like Amazon MSK's default configuration
(``auto.create.topics.enable=false``), creates only what an admin client asks for.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from infra.local.kafka import ThrowawayBroker

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["STRICT_CONTROLLER_PORT", "STRICT_PORT", "strict_broker"]

STRICT_PORT = 39092
STRICT_CONTROLLER_PORT = 39093
START_TIMEOUT_S = 300.0  # a JVM that formats and starts a KRaft broker on a loaded two-core machine


@contextlib.contextmanager
def strict_broker(directory: Path, port: int = STRICT_PORT, controller_port: int = STRICT_CONTROLLER_PORT,
                  timeout_s: float = START_TIMEOUT_S) -> Iterator[ThrowawayBroker]:
    """Start a private broker with ``auto.create.topics.enable=false``; kill it at the end."""
    broker = ThrowawayBroker(directory, port, controller_port)
    properties = directory / "server.properties"
    text = properties.read_text()
    assert "auto.create.topics.enable=true" in text
    properties.write_text(text.replace("auto.create.topics.enable=true", "auto.create.topics.enable=false"))
    broker.start(timeout_s)
    try:
        yield broker
    finally:
        broker.stop()

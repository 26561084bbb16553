"""A throwaway single-node KRaft broker that refuses automatic topic creation (MSK's default), on free ports.

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

__all__ = ["strict_broker"]

START_TIMEOUT_S = 300.0  # a JVM that formats and starts a KRaft broker on a loaded two-core machine


@contextlib.contextmanager
def strict_broker(directory: Path, timeout_s: float = START_TIMEOUT_S) -> Iterator[ThrowawayBroker]:
    """Start a private broker with ``auto.create.topics.enable=false`` on free ports; kill it at the end."""
    broker = ThrowawayBroker(directory)
    properties = directory / "server.properties"
    text = properties.read_text()
    assert "auto.create.topics.enable=true" in text
    # a node its own tests pause (SIGSTOP past the 9 s default) must not fence itself: a single node fenced by its
    # own controller leaves every partition leaderless for minutes on a loaded machine
    properties.write_text(text.replace("auto.create.topics.enable=true", "auto.create.topics.enable=false")
                          + "broker.session.timeout.ms=60000\n")
    broker.start(timeout_s)
    try:
        yield broker
    finally:
        broker.stop()

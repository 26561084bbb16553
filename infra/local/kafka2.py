"""A second Apache Kafka cluster (single node, KRaft, plaintext) for MirrorMaker 2: the other side of a replication.

Same jars and start path as the shared broker (``kafka.start_plain``), on its own ports, run directory, data and
cluster id: 127.0.0.1:19092, controller 19093.
"""

from __future__ import annotations

import os

from infra.local import _process as proc
from infra.local import kafka

NAME = "kafka2"
HOST = kafka.HOST
PORT = int(os.environ.get("LAMBDA_CONNECT_KAFKA2_PORT", "19092"))  # moved as LAMBDA_CONNECT_KAFKA_PORT moves kafka's
CONTROLLER_PORT = PORT + 1


def address() -> str:
    return f"{HOST}:{PORT}"


def settings() -> dict[str, str]:
    """The plaintext bootstrap."""
    return {"bootstrap.servers": address()}


def healthy() -> bool:
    """A metadata round trip through the real client."""
    return kafka.plain_healthy(PORT)


def start() -> None:
    kafka.start_plain(NAME, PORT, CONTROLLER_PORT, os.environ.get("LAMBDA_CONNECT_KAFKA2_HEAP", "-Xmx384m"))


def stop() -> bool:
    return proc.stop_pid(NAME)

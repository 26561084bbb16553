"""Every environment variable lambda-connect reads, and the one rule to resolve them.

Rule (as Powertools): an explicit argument wins, then the environment variable, then the default constant.
"""

from __future__ import annotations

import os

BOOTSTRAP_SERVERS = "LAMBDA_CONNECT_BOOTSTRAP_SERVERS"
CONFIG_TOPIC = "LAMBDA_CONNECT_CONFIG_TOPIC"
OFFSET_TOPIC = "LAMBDA_CONNECT_OFFSET_TOPIC"
STATUS_TOPIC = "LAMBDA_CONNECT_STATUS_TOPIC"
GROUP_ID = "LAMBDA_CONNECT_GROUP_ID"
REPLICATION_FACTOR = "LAMBDA_CONNECT_REPLICATION_FACTOR"
KAFKA_CLIENT_PROPERTIES = "LAMBDA_CONNECT_KAFKA_PROPERTIES"
CONNECTOR_NAME = "CONNECTOR_NAME"
WORKER_ID = "LAMBDA_CONNECT_WORKER_ID"
SAFETY_MARGIN_MS = "LAMBDA_CONNECT_SAFETY_MARGIN_MS"
LOCAL_TIME_BUDGET_MS = "LAMBDA_CONNECT_LOCAL_TIME_BUDGET_MS"

DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092"
DEFAULT_GROUP_ID = "connect-cluster"
DEFAULT_SAFETY_MARGIN_MS = 10_000
DEFAULT_LOCAL_TIME_BUDGET_MS = 30_000

ALL = (
    BOOTSTRAP_SERVERS, CONFIG_TOPIC, OFFSET_TOPIC, STATUS_TOPIC, GROUP_ID, REPLICATION_FACTOR,
    KAFKA_CLIENT_PROPERTIES, CONNECTOR_NAME, WORKER_ID, SAFETY_MARGIN_MS, LOCAL_TIME_BUDGET_MS,
)


def resolve(name: str, default: str, explicit: str | None = None) -> str:
    """Explicit argument, then the environment variable, then the default."""
    if explicit is not None:
        return explicit
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def resolve_int(name: str, default: int, explicit: int | None = None) -> int:
    if explicit is not None:
        return explicit
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from error

"""Does the cluster answer, and does it accept our login? Asked once before anything waits on Kafka.

librdkafka retries a refused login forever (its clients report ``_AUTHENTICATION`` only to an ``error_cb``), so a
worker with a wrong password would wait out every timeout and say nothing useful. A Java worker fails at startup
with the broker's ``SaslAuthenticationException``; ``lambda-connect up`` and the deployed coordinator ask here
first and report the broker's own message at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from confluent_kafka import KafkaError
    from confluent_kafka.admin import AdminClient

__all__ = ["DEFAULT_REACHABILITY_TIMEOUT_S", "ClusterProblem", "cluster_problem"]

DEFAULT_REACHABILITY_TIMEOUT_S = 5.0
_METADATA_WAIT_S = 0.5


@dataclass(frozen=True)
class ClusterProblem:
    """Why the cluster cannot be used now."""

    message: str
    refused_login: bool  # the broker refused the credentials: retrying with the same ones cannot help


def cluster_problem(admin: AdminClient, errors: Iterable[KafkaError],
                    timeout_s: float = DEFAULT_REACHABILITY_TIMEOUT_S) -> ClusterProblem | None:
    """None once ``admin`` gets the cluster's metadata; the broker's message as soon as it refuses the login
    (``errors`` is what the admin client's ``error_cb`` appends to); else the last error after ``timeout_s``."""
    from confluent_kafka import KafkaError

    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while True:
        try:
            admin.list_topics(timeout=_METADATA_WAIT_S)
            return None
        except Exception as error:  # KafkaException: no metadata yet
            last = str(error)
        admin.poll(0)  # serves error_cb
        refused = [e for e in errors if e.code() == KafkaError._AUTHENTICATION]
        if refused:
            return ClusterProblem(refused[0].str(), refused_login=True)
        if time.monotonic() >= deadline:
            return ClusterProblem(last, refused_login=False)

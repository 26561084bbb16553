"""Decommissioning: the connector's ``decommission`` hook when it is stopped or deleted (lambda-connect's own).

A Kafka task's ``stop`` runs at every rebalance and a function's at every container recycle, so a connector that
keeps something outside Kafka for its next run (Debezium's PostgreSQL replication slot) learns that it is gone here:
``PUT /connectors/<name>/stop`` and ``DELETE /connectors/<name>`` call it once the tasks' triggers are gone, a delete
with ``DELETED_CONFIG=true`` in the props (a delete is never undone: the PostgreSQL source drops its slot and
publication, and says so, and the herder then clears the source offsets that named a position in that slot). It
runs off the request thread, bounded like a connector start, and whatever it raises is logged: a stop or delete
always completes.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from connect_core.coordinator.herder.plugins import (
    CONNECTOR_CLASS_CONFIG,
    CONNECTOR_VERSION_CONFIG,
    connector_class,
    new_connector,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DECOMMISSION_TIMEOUT_S", "DELETED_CONFIG", "decommission"]

log = logging.getLogger(__name__)

# within the coordinator's 30 s function timeout, with room for the writes of the stop or delete itself
DECOMMISSION_TIMEOUT_S = 15.0
DELETED_CONFIG = "lambda.connector.deleted"  # "true" in the props of a deleted connector's decommission


def decommission(name: str, config: Mapping[str, str | None], timeout_s: float | None = None, *,
                 deleted: bool = False) -> bool | None:
    """Call the connector's ``decommission`` with its config (placeholders resolved, ``DELETED_CONFIG`` when
    ``deleted``); None when it did not return in time (``timeout_s``, by default ``DECOMMISSION_TIMEOUT_S``) or
    raised, else whether what its offsets resume from went with it (its answer)."""
    from connect_core.coordinator.herder.task_configs import resolve_for_connector  # lazy: config providers

    props = {k: v for k, v in config.items() if v is not None}
    failed: list[BaseException] = []
    answer: list[bool] = []

    def run() -> None:
        try:
            instance = new_connector(connector_class(props[CONNECTOR_CLASS_CONFIG],
                                                     props.get(CONNECTOR_VERSION_CONFIG)))
            resolved = resolve_for_connector(props)
            answer.append(bool(instance.decommission({**resolved, DELETED_CONFIG: "true"} if deleted else resolved)))
        except BaseException as error:  # logged below; a stop or delete never fails for it
            failed.append(error)

    worker = threading.Thread(target=run, name=f"connector-decommission-{name}", daemon=True)
    limit = DECOMMISSION_TIMEOUT_S if timeout_s is None else timeout_s
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        log.warning("Connector %s: decommission did not finish within %g s; it goes on in the background", name,
                    limit)
        return None
    if failed:
        log.warning("Connector %s: decommission failed (what it keeps outside Kafka may be left): %s", name,
                    failed[0], exc_info=failed[0])
        return None
    return bool(answer and answer[0])

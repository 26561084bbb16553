"""Zombie fencing of a source connector's task producers before its offsets change.

A stopped connector's last invocation may still be inside its transaction (its records and offsets commit together);
if it committed after ``PATCH``/``DELETE /offsets`` wrote, the old offsets would come back. Kafka's
``DistributedHerder`` fences the tasks' transactional producers first when exactly-once source support is enabled,
which ours always is: here one ``init_transactions`` per task's transactional id bumps its epoch, so the broker aborts
what that zombie has open and refuses its commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.errors import ConnectError
from connect_core.kafka.clients import producer_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["FENCING_FAILED", "SourceTaskFencing"]

FENCING_FAILED = "Failed to perform zombie fencing for source connector prior to modifying offsets"


class SourceTaskFencing:
    """Fences the transactional producers of a source connector's tasks (``<group.id>-<connector>-<task>``)."""

    def __init__(self, kafka: KafkaClientSettings, transactional_id: Callable[[str, int], str],
                 timeout_s: float = 15.0) -> None:
        self.kafka = kafka
        self.transactional_id = transactional_id
        self.timeout_s = timeout_s

    def fence(self, connector: str, tasks: int) -> None:
        """Fence tasks ``0..tasks-1``; returns once each zombie's open transaction is aborted.

        Raises:
            ConnectError: Kafka's message when a producer cannot be fenced (the cause chained).
        """
        from confluent_kafka import KafkaException, Producer

        for task in range(tasks):
            producer = Producer(producer_config(self.kafka, transactional_id=self.transactional_id(connector, task)))
            try:
                producer.init_transactions(self.timeout_s)
            except KafkaException as error:
                raise ConnectError(f"{FENCING_FAILED}: {error}") from error
            finally:
                producer.flush(0)

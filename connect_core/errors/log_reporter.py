"""Write each failure to the application log (Kafka ``LogReporter``), in Kafka's exact message format."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.record import CREATE_TIME, LOG_APPEND_TIME
from connect_core.errors.error_handling_metrics import task_error_metrics

if TYPE_CHECKING:
    from connect_core.errors.config import ErrorHandlingConfig
    from connect_core.errors.error_handling_metrics import ErrorHandlingMetrics
    from connect_core.errors.processing_context import ProcessingContext

__all__ = ["LogReporter", "log_reporters"]

log = logging.getLogger(__name__)


class LogReporter:
    """Logs failures at ERROR with their traceback; add it only when ``errors.log.enable`` is true.

    Args:
        connector_name: the connector, for the task id ``<connector>-<task>``.
        task_id: the task number.
        include_messages: ``errors.log.include.messages``: add the record's coordinates to the message.
        metrics: counts ``total_errors_logged`` when given.
        logger: where to log (this module's logger by default).
    """

    def __init__(
        self,
        connector_name: str,
        task_id: int,
        *,
        include_messages: bool = False,
        metrics: ErrorHandlingMetrics | None = None,
        logger: logging.Logger = log,
    ) -> None:
        self.task = f"{connector_name}-{task_id}"
        self.include_messages = include_messages
        self.metrics = metrics
        self.logger = logger

    @classmethod
    def from_config(
        cls, config: ErrorHandlingConfig, connector_name: str, task_id: int, metrics: ErrorHandlingMetrics | None = None
    ) -> LogReporter:
        """A reporter honouring ``errors.log.include.messages``."""
        return cls(connector_name, task_id, include_messages=config.log_include_messages, metrics=metrics)

    def report(self, context: ProcessingContext) -> None:
        """Log one failure; contexts without an error are ignored, as in Kafka."""
        if context.error is None:
            return
        self.logger.error(self.message(context), exc_info=context.error)
        if self.metrics is not None:
            self.metrics.total_errors_logged += 1

    def message(self, context: ProcessingContext) -> str:
        """``Error encountered in task <conn>-<task>. Executing stage '<STAGE>' with class '<FQCN>'[, where ...].``"""
        text = f"Error encountered in task {self.task}. Executing stage '{context.stage.name}' with class "
        text += f"'{context.executing_class}'"
        original = context.original
        if self.include_messages and isinstance(original, ConsumedRecord):
            text += (
                f", where consumed record is {{topic='{original.topic}', partition={original.partition}, "
                f"offset={original.offset}"
            )
            if original.timestamp is not None and original.timestamp_type in (CREATE_TIME, LOG_APPEND_TIME):
                text += f", timestamp={original.timestamp}, timestampType={original.timestamp_type}"
            text += "}"
        elif self.include_messages and original is not None:
            text += f", where source record is = {original!r}"
        return text + "."


def log_reporters(
    config: ErrorHandlingConfig, connector_name: str, task_id: int, metrics: ErrorHandlingMetrics | None = None
) -> list[LogReporter]:
    """A ``LogReporter`` only when ``errors.log.enable`` is true (Kafka ``Worker.sinkTaskReporters``): otherwise
    tolerated failures stay out of the logs, and with them the records ``errors.log.include.messages`` would show.
    ``metrics`` defaults to the task's counters in this process (``task_error_metrics``)."""
    if not config.log_enable:
        return []
    chosen = metrics if metrics is not None else task_error_metrics(connector_name, task_id)
    return [LogReporter.from_config(config, connector_name, task_id, chosen)]

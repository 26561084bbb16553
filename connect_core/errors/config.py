"""Connector-level error handling keys (Kafka ``ConnectorConfig`` ``errors.*`` and ``SinkConnectorConfig`` DLQ keys).

Descriptions, types, widths and display names are Kafka's, so ``config/validate`` answers as a Connect worker does.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config, valid_string

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ErrorHandlingConfig", "ToleranceType"]

ERROR_GROUP: Final = "Error Handling"

ERRORS_RETRY_TIMEOUT_DEFAULT: Final = 0
ERRORS_RETRY_MAX_DELAY_DEFAULT: Final = 60000
ERRORS_LOG_ENABLE_DEFAULT: Final = False
ERRORS_LOG_INCLUDE_MESSAGES_DEFAULT: Final = False
DLQ_TOPIC_DEFAULT: Final = ""
DLQ_TOPIC_REPLICATION_FACTOR_DEFAULT: Final = 3
DLQ_CONTEXT_HEADERS_ENABLE_DEFAULT: Final = False


class ToleranceType(enum.Enum):
    """Kafka ``ToleranceType``: ``none`` fails on the first error, ``all`` skips problematic records."""

    NONE = "none"
    ALL = "all"


ERRORS_TOLERANCE_DEFAULT: Final = ToleranceType.NONE


class ErrorHandlingConfig(BaseModel):
    """The ``errors.*`` keys of a connector config; parse with ``ErrorHandlingConfig.parse(props)``."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    retry_timeout: int = config_field(
        ERRORS_RETRY_TIMEOUT_DEFAULT,
        alias="errors.retry.timeout",
        description="The maximum duration in milliseconds that a failed operation will be reattempted. "
        "The default is 0, which means no retries will be attempted. Use -1 for infinite retries.",
        type="LONG",
        group=ERROR_GROUP,
        width="MEDIUM",
        display_name="Retry Timeout for Errors",
    )
    retry_delay_max_ms: int = config_field(
        ERRORS_RETRY_MAX_DELAY_DEFAULT,
        alias="errors.retry.delay.max.ms",
        description="The maximum duration in milliseconds between consecutive retry attempts. "
        "Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.",
        type="LONG",
        group=ERROR_GROUP,
        width="MEDIUM",
        display_name="Maximum Delay Between Retries for Errors",
    )
    tolerance: ToleranceType = config_field(
        ERRORS_TOLERANCE_DEFAULT,
        alias="errors.tolerance",
        description="Behavior for tolerating errors during connector operation. 'none' is the default value and "
        "signals that any error will result in an immediate connector task failure; 'all' changes the behavior "
        "to skip over problematic records.",
        group=ERROR_GROUP,
        width="SHORT",
        display_name="Error Tolerance",
        validator=valid_string(*(t.value for t in ToleranceType)),
        recommended=(),  # Kafka's ValidString is no recommender: validate answers recommended_values=[]
    )
    log_enable: bool = config_field(
        ERRORS_LOG_ENABLE_DEFAULT,
        alias="errors.log.enable",
        description="If true, write each error and the details of the failed operation and problematic record "
        "to the Connect application log. This is 'false' by default, so that only errors that are not "
        "tolerated are reported.",
        group=ERROR_GROUP,
        width="SHORT",
        display_name="Log Errors",
    )
    log_include_messages: bool = config_field(
        ERRORS_LOG_INCLUDE_MESSAGES_DEFAULT,
        alias="errors.log.include.messages",
        description="Whether to include in the log the Connect record that resulted in a failure. "
        "For sink records, the topic, partition, offset, and timestamp will be logged. "
        "For source records, the key and value (and their schemas), all headers, and the timestamp, "
        "Kafka topic, Kafka partition, source partition, and source offset will be logged. "
        "This is 'false' by default, which will prevent record keys, values, and headers from being "
        "written to log files.",
        group=ERROR_GROUP,
        width="SHORT",
        display_name="Log Error Details",
    )
    dlq_topic_name: str = config_field(
        DLQ_TOPIC_DEFAULT,
        alias="errors.deadletterqueue.topic.name",
        description="The name of the topic to be used as the dead letter queue (DLQ) for messages that result "
        "in an error when processed by this sink connector, or its transformations or converters. The topic "
        "name is blank by default, which means that no messages are to be recorded in the DLQ.",
        group=ERROR_GROUP,
        width="MEDIUM",
        display_name="Dead Letter Queue Topic Name",
    )
    dlq_topic_replication_factor: int = config_field(
        DLQ_TOPIC_REPLICATION_FACTOR_DEFAULT,
        alias="errors.deadletterqueue.topic.replication.factor",
        description="Replication factor used to create the dead letter queue topic when it doesn't already exist.",
        type="SHORT",
        group=ERROR_GROUP,
        width="MEDIUM",
        display_name="Dead Letter Queue Topic Replication Factor",
    )
    dlq_context_headers_enable: bool = config_field(
        DLQ_CONTEXT_HEADERS_ENABLE_DEFAULT,
        alias="errors.deadletterqueue.context.headers.enable",
        description="If true, add headers containing error context to the messages written to the dead letter "
        "queue. To avoid clashing with headers from the original record, all error context header keys, all "
        "error context header keys will start with <code>__connect.errors.</code>",
        group=ERROR_GROUP,
        width="MEDIUM",
        display_name="Enable Error Context Headers",
    )

    @classmethod
    def parse(cls, props: Mapping[str, str]) -> ErrorHandlingConfig:
        """Parse a connector's string props (other keys are ignored); bad values raise Kafka's ConfigError."""
        return parse_config(cls, props)

    @property
    def dlq_enabled(self) -> bool:
        """Whether failed records go to a dead letter queue (a blank topic name disables it, as in Kafka)."""
        return bool(self.dlq_topic_name.strip())

    @property
    def errant_record_reporter_enabled(self) -> bool:
        """KIP-610: sink tasks get an errant record reporter only with a DLQ topic or error logging."""
        return self.dlq_enabled or self.log_enable

"""The pipeline stages an error can happen in (Kafka ``org.apache.kafka.connect.runtime.errors.Stage``)."""

from __future__ import annotations

import enum

__all__ = ["Stage"]


class Stage(enum.Enum):
    """Where in the connector pipeline an operation runs; the name goes into logs and DLQ headers verbatim."""

    TASK_POLL = "TASK_POLL"
    """``SourceTask.poll()``."""
    TASK_PUT = "TASK_PUT"
    """``SinkTask.put()``."""
    TRANSFORMATION = "TRANSFORMATION"
    """A single message transform (or its predicate)."""
    KEY_CONVERTER = "KEY_CONVERTER"
    """The key converter."""
    VALUE_CONVERTER = "VALUE_CONVERTER"
    """The value converter."""
    HEADER_CONVERTER = "HEADER_CONVERTER"
    """The header converter."""
    KAFKA_PRODUCE = "KAFKA_PRODUCE"
    """Producing a source record to Kafka."""
    KAFKA_CONSUME = "KAFKA_CONSUME"
    """Consuming a record from Kafka."""

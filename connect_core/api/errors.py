"""Connect exception hierarchy (Kafka's ``org.apache.kafka.connect.errors``).

The runtime acts on the class of an error, never on its message: keep these flat and logic-free.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsError",
    "ConfigError",
    "ConnectError",
    "DataError",
    "IllegalWorkerStateError",
    "NotFoundError",
    "RetriableError",
    "ServiceUnavailableError",
]


class ConnectError(Exception):
    """Root of every Connect error (Kafka ``ConnectException``)."""


class ConfigError(ConnectError):
    """A configuration is invalid (Kafka ``ConfigException``); HTTP 400 at validate."""


class DataError(ConnectError):
    """A record, schema or value cannot be handled (Kafka ``DataException``)."""


class RetriableError(ConnectError):
    """A transient failure the runtime retries with backoff (Kafka ``RetriableException``)."""

    def __init__(self, *args: object, retry_after: float | None = None) -> None:
        super().__init__(*args)
        self.retry_after = retry_after


class ServiceUnavailableError(RetriableError):
    """A service the pipeline depends on (a schema registry), not the record, is unavailable.

    Retried like any ``RetriableError``; when the retries run out the invocation fails whatever
    ``errors.tolerance`` says, so the batch is redelivered instead of dead-lettering records that are fine.
    """


class IllegalWorkerStateError(ConnectError):
    """A task asked its context for something its state does not allow (Kafka ``IllegalWorkerStateException``)."""


class NotFoundError(ConnectError):
    """A connector, task or resource does not exist (Kafka ``NotFoundException``); HTTP 404."""


class AlreadyExistsError(ConnectError):
    """A connector or resource already exists (Kafka ``AlreadyExistsException``); HTTP 409."""

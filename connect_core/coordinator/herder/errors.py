"""Domain errors of the coordinator; ``rest.service.error_response`` maps each to its HTTP status in one place."""

from __future__ import annotations

from connect_core.api.errors import ConnectError

__all__ = ["BadRequestError"]


class BadRequestError(ConnectError):
    """The request cannot be carried out as asked (Kafka's ``BadRequestException``, HTTP 400)."""

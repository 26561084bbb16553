"""Keep resolved secrets out of status traces and logs.

The config topic and the REST API only ever hold placeholders, but a resolved value can still leak through an
exception message (a driver echoing its connection URL, a validation error quoting a value). Every value a provider
substitutes is remembered for the life of the container; ``redact`` masks them in any text, and ``RedactingFilter``
does the same for log records on the root logger's handlers. Masking uses Kafka's ``[hidden]`` marker.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "HIDDEN", "MIN_REDACTED_LENGTH", "RedactingFilter", "forget_secrets", "redact", "remember_secrets",
    "without_secrets",
]

HIDDEN = "[hidden]"
MIN_REDACTED_LENGTH = 4  # masking "1" or "on" would garble every trace while protecting nothing
_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()


def remember_secrets(values: Iterable[str]) -> None:
    """Register resolved values to be masked from now on (and install the log filter once)."""
    global _ordered
    new = {v for v in values if v and len(v) >= MIN_REDACTED_LENGTH} - _secrets
    if not new:
        return
    with _lock:
        _secrets.update(new)
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))  # longest first: no partial leftovers
    RedactingFilter.install()


def forget_secrets() -> None:
    """Clear the registry (tests)."""
    global _ordered
    with _lock:
        _secrets.clear()
        _ordered = ()


def redact(text: str | None) -> str | None:
    """``text`` with every remembered secret replaced by ``[hidden]``."""
    if not text or not _ordered:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


def without_secrets(error: BaseException) -> BaseException:
    """``error`` itself, or a ``ConnectError`` with its masked message when the message holds a secret: what leaves
    a function (Lambda logs an unhandled error's message; ``lambda-connect up`` logs what its functions raise)."""
    message = str(error)
    masked = redact(message)
    if masked == message:
        return error
    from connect_core.api.errors import ConnectError

    return ConnectError(f"{type(error).__name__}: {masked}")


class RedactingFilter(logging.Filter):
    """Formats a record's message and traceback eagerly, masked, so no handler ever sees the secret."""

    _installed = False

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the message, its arguments and the exception text; always keep the record."""
        if not _ordered:
            return True
        record.msg = redact(record.getMessage()) or ""
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True

    @classmethod
    def install(cls) -> None:
        """Attach one filter to each handler of the root logger (where the Lambda runtime's handler lives), and to
        ``logging.lastResort``, which prints warnings when the root has none (a local function process)."""
        root = logging.getLogger()
        for handler in [*root.handlers, *([logging.lastResort] if logging.lastResort else [])]:
            if not any(isinstance(f, cls) for f in handler.filters):
                handler.addFilter(cls())
        cls._installed = True

"""What tests share about pytest's captured log records."""

from __future__ import annotations

import logging


def release_tracebacks() -> None:
    """Keep the text of each captured log record's traceback, drop the traceback: pytest's log capture holds every
    record of the test, and a traceback's frames pin the clients of the invocation that logged it (each librdkafka
    handle takes one of the process's 1,024 thread-local storage keys; make faults' thousands ran out of them)."""
    formatter = logging.Formatter()
    for handler in logging.getLogger().handlers:
        for record in getattr(handler, "records", ()):
            if record.exc_info:
                record.exc_text = record.exc_text or formatter.formatException(record.exc_info)
                record.exc_info = None

"""A plugin's warning about its config, logged once per container instead of at every task start.

A task is started again at every cold start, after every failure and at every new task config; a warning that a
key is accepted and ignored (a key Debezium removed, a deprecated alias) would then repeat with every retried
batch (~80 times a minute for a failing sink). The coordinator logs every such key once per deploy (the validate
warnings, ``coordinator/herder/validation.py`` ``log_ignored_keys``); a task logs each distinct message once.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

__all__ = ["warning_once"]

_LIMIT = 4096  # distinct messages remembered; past it the memory is cleared (a message may then show again)
_seen: set[tuple[str, str]] = set()
_lock = threading.Lock()


def warning_once(logger: logging.Logger, message: str, *args: Any) -> bool:
    """``logger.warning(message, *args)`` the first time this logger gives this text in the process; whether it did."""
    key = (logger.name, message % args if args else message)
    with _lock:
        if key in _seen:
            return False
        if len(_seen) >= _LIMIT:
            _seen.clear()
        _seen.add(key)
    logger.warning(message, *args)
    return True

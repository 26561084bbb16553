"""Config pieces every Debezium connector shares: the keys that are the worker's, and the common validators."""

from __future__ import annotations

import re
from typing import Any, Final

from connect_core.api.config import config_error

__all__ = ["FRAMEWORK_KEYS", "FRAMEWORK_PREFIXES", "is_framework_key", "validate_regexes", "validate_topic_prefix"]

_INVALID_TOPIC_CHARS = re.compile(r"[^a-zA-Z0-9._-]")
# Keys of the worker and of lambda-connect's own trigger settings: never the connector's to refuse or report.
FRAMEWORK_KEYS: Final = frozenset({
    "name", "connector.class", "tasks.max", "tasks.max.enforce", "key.converter", "value.converter",
    "header.converter", "transforms", "predicates", "config.action.reload", "exactly.once.support",
    "transaction.boundary", "transaction.boundary.interval.ms", "offsets.storage.topic", "topics", "topics.regex",
    "poll.interval.ms", "connector.plugin.version",
})
FRAMEWORK_PREFIXES: Final = (
    "key.converter.", "value.converter.", "header.converter.", "transforms.", "predicates.", "errors.",
    "topic.creation.", "producer.override.", "consumer.override.", "admin.override.", "lambda.",
)


def is_framework_key(key: str) -> bool:
    """Whether ``key`` is the worker's (or lambda-connect's trigger's), not the connector's."""
    return key in FRAMEWORK_KEYS or key.startswith(FRAMEWORK_PREFIXES)


def validate_topic_prefix(key: str, value: Any) -> None:
    """``topic.prefix``: non-empty, ASCII alphanumerics, '.', '_' and '-' only (Debezium's message)."""
    if not value or _INVALID_TOPIC_CHARS.search(value):
        raise config_error(key, value, "The 'topic.prefix' value is invalid: A value must be non-empty and may only "
                           "contain ASCII alphanumerics, '.', '_' and '-'.")


def validate_regexes(key: str, value: Any) -> None:
    """A comma-separated list of regular expressions (the include/exclude lists): each must compile."""
    for pattern in value or []:
        try:
            re.compile(pattern)
        except re.error as e:
            raise config_error(key, ",".join(value), f"A comma-separated list of valid regular expressions is "
                               f"expected, but {pattern} is not: {e}") from None

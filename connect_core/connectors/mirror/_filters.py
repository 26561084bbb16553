"""Kafka's ``DefaultTopicFilter``, ``DefaultGroupFilter`` and ``DefaultConfigPropertyFilter``: regex lists.

A list is joined with ``|`` and must match a whole name (Java ``Matcher.matches``); an empty list matches nothing
(Kafka ``MirrorUtils.compilePatternList``). Excludes win over includes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from connect_core.api.config import config_error

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "CONFIG_PROPERTIES_EXCLUDE_DEFAULT",
    "GROUPS_EXCLUDE_DEFAULT",
    "TOPICS_EXCLUDE_DEFAULT",
    "NameFilter",
    "compile_pattern_list",
]

TOPICS_EXCLUDE_DEFAULT: Final = r"mm2.*\.internal, .*\.replica, __.*"  # Kafka 4.1's (3.x: .*[\-\.]internal)
GROUPS_EXCLUDE_DEFAULT: Final = "console-consumer-.*, connect-.*, __.*"
# Kafka 4.3's (4.1 escaped the dots and had neither log.message.timestamp.*.max.ms)
CONFIG_PROPERTIES_EXCLUDE_DEFAULT: Final = (
    "follower.replication.throttled.replicas, leader.replication.throttled.replicas, "
    "message.timestamp.difference.max.ms, log.message.timestamp.before.max.ms, log.message.timestamp.after.max.ms, "
    "message.timestamp.type, unclean.leader.election.enable, min.insync.replicas")


def compile_pattern_list(key: str, patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern for the list (None for an empty list: it matches nothing).

    Raises:
        ConfigError: naming ``key`` when a regex does not compile.
    """
    if not patterns:
        return None
    joined = "|".join(patterns)
    try:
        return re.compile(joined)
    except re.error as error:
        raise config_error(key, ",".join(patterns), f"not a regular expression: {error}") from error


class NameFilter:
    """Include and exclude regex lists over names (topics, consumer groups, topic config properties)."""

    __slots__ = ("_exclude", "_include")

    def __init__(self, include: re.Pattern[str] | None, exclude: re.Pattern[str] | None) -> None:
        """``include`` None includes nothing, ``exclude`` None excludes nothing."""
        self._include = include
        self._exclude = exclude

    def included(self, name: str) -> bool:
        """Whether ``name`` matches the include list."""
        return self._include is not None and self._include.fullmatch(name) is not None

    def excluded(self, name: str) -> bool:
        """Whether ``name`` matches the exclude list."""
        return self._exclude is not None and self._exclude.fullmatch(name) is not None

    def accepts(self, name: str) -> bool:
        """Included and not excluded."""
        return self.included(name) and not self.excluded(name)

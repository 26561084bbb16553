"""TopicNameMatches: true when the whole topic name matches a regex (Kafka ``predicates.TopicNameMatches``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.transformation import Predicate
from connect_core.transforms._util import non_empty_string
from connect_core.transforms.regex_router import python_regex

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["PATTERN_CONFIG", "TopicNameMatches", "TopicNameMatchesConfig"]

PATTERN_CONFIG = "pattern"


def _check_pattern(key: str, value: str) -> None:
    non_empty_string(key, value)
    try:
        re.compile(python_regex(value))
    except re.error as e:
        raise config_error(key, value, f"entry must be a Java-compatible regular expression: {e}") from e


class TopicNameMatchesConfig(BaseModel):
    """Config of TopicNameMatches (Kafka ``TopicNameMatches.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    pattern: str = config_field(
        ..., alias=PATTERN_CONFIG, validator=_check_pattern,
        description="A Java regular expression for matching against the name of a record's topic.",
    )


class TopicNameMatches(Predicate["ConnectRecord"]):
    """A predicate which is true for records with a topic name that matches the configured regular expression."""

    config_model: ClassVar[type[BaseModel]] = TopicNameMatchesConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Compile the pattern once."""
        self.config = parse_config(TopicNameMatchesConfig, configs)
        self._pattern = re.compile(python_regex(self.config.pattern))

    def test(self, record: ConnectRecord) -> bool:
        """Whether the topic is non-null and fully matches."""
        return record.topic is not None and self._pattern.fullmatch(record.topic) is not None

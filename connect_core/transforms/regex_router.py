"""RegexRouter: rename the topic with a regex and replacement (Kafka ``transforms.RegexRouter``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.transformation import Transformation

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = [
    "REGEX_CONFIG",
    "REPLACEMENT_CONFIG",
    "RegexRouter",
    "RegexRouterConfig",
    "compile_java_regex",
    "java_replacement",
    "python_regex",
]

REGEX_CONFIG = "regex"
REPLACEMENT_CONFIG = "replacement"
_JAVA_GROUP = re.compile(r"\\(.)|\$(\d+)|\$\{(\w+)\}")
_JAVA_NAMED_GROUP = re.compile(r"(?<!\\)\(\?<([A-Za-z][A-Za-z0-9]*)>")


def python_regex(pattern: str) -> str:
    """Translate the Java-only syntax Python's ``re`` spells differently: named groups ``(?<name>...)``."""
    return _JAVA_NAMED_GROUP.sub(r"(?P<\1>", pattern)


def compile_java_regex(key: str, pattern: str) -> re.Pattern[str]:
    """Compile a (Java-compatible) regex, failing like Kafka's ``RegexValidator``."""
    try:
        return re.compile(python_regex(pattern))
    except re.error as e:
        raise config_error(key, pattern, str(e)) from e


def java_replacement(replacement: str) -> str:
    """Turn a Java ``Matcher`` replacement (``$1``, ``${name}``, ``\\$``) into a Python ``expand`` template."""
    def sub(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1).replace("\\", "\\\\")
        return "\\g<" + (m.group(2) or m.group(3)) + ">"

    parts = []
    last = 0
    for m in _JAVA_GROUP.finditer(replacement):
        parts.append(replacement[last:m.start()].replace("\\", "\\\\"))
        parts.append(sub(m))
        last = m.end()
    parts.append(replacement[last:].replace("\\", "\\\\"))
    return "".join(parts)


class RegexRouterConfig(BaseModel):
    """Config of RegexRouter (Kafka ``RegexRouter.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    regex: str = config_field(
        ..., alias=REGEX_CONFIG, importance="HIGH", validator=compile_java_regex,
        description="Regular expression to use for matching.",
    )
    replacement: str = config_field(..., alias=REPLACEMENT_CONFIG, importance="HIGH", description="Replacement string.")


class RegexRouter(Transformation["ConnectRecord"]):
    """Rewrite the topic when the regex matches it entirely (Kafka ``RegexRouter``)."""

    config_model: ClassVar[type[BaseModel]] = RegexRouterConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Compile the regex and the replacement template once."""
        self.config = parse_config(RegexRouterConfig, configs)
        self._regex = compile_java_regex(REGEX_CONFIG, self.config.regex)
        self._template = java_replacement(self.config.replacement)
        self._last: tuple[str, str] | None = None

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Route to the rewritten topic (cached per input topic: records of one batch share a topic)."""
        topic = record.topic
        last = self._last
        if last is not None and last[0] == topic:
            updated = last[1]
        else:
            match = self._regex.fullmatch(topic)
            updated = match.expand(self._template) if match is not None else topic
            self._last = (topic, updated)
        if updated == topic:
            return record
        return record.new_record(updated, record.kafka_partition, record.key_schema, record.key,
                                 record.value_schema, record.value, record.timestamp, record.headers)

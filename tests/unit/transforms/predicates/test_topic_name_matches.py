"""TopicNameMatches."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.transforms.predicates.topic_name_matches import TopicNameMatches
from tests.unit.transforms._records import source


def test_whole_topic_must_match() -> None:
    predicate = TopicNameMatches()
    predicate.configure({"pattern": "my-.*"})
    assert predicate.test(source(topic="my-topic"))
    assert not predicate.test(source(topic="not-my-topic"))


@pytest.mark.parametrize("pattern", ["", "("])
def test_empty_or_invalid_pattern_is_a_config_error_naming_the_key(pattern: str) -> None:
    with pytest.raises(ConfigError, match="for configuration pattern"):
        TopicNameMatches().configure({"pattern": pattern})


def test_java_named_group_syntax_compiles() -> None:
    predicate = TopicNameMatches()
    predicate.configure({"pattern": "(?<env>dev|prod)-.*"})
    assert predicate.test(source(topic="prod-orders"))

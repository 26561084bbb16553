"""TopicRegexRouter: Confluent's ``io.confluent.connect.transforms.TopicRegexRouter``, documented as Kafka's
RegexRouter (the regex must match the whole topic; ``replaceFirst`` with the replacement)."""

from __future__ import annotations

from connect_core.transforms.regex_router import RegexRouter

__all__ = ["TopicRegexRouter"]


class TopicRegexRouter(RegexRouter):
    """Confluent's TopicRegexRouter: ``regex`` and ``replacement``, as RegexRouter."""

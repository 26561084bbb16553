"""TopicRegexRouter: Confluent's ``io.confluent.connect.transforms.TopicRegexRouter``, also registered under the
name its documentation and Confluent Cloud's connector configs give it, ``io.confluent.connect.cloud.transforms.``;
documented as Kafka's RegexRouter (the regex must match the whole topic; ``replaceFirst`` with the replacement).
Confluent compiles the regex with RE2/J, which refuses backreferences and lookaround that Java's syntax (ours) takes."""

from __future__ import annotations

from connect_core.transforms.regex_router import RegexRouter

__all__ = ["TopicRegexRouter"]


class TopicRegexRouter(RegexRouter):
    """Confluent's TopicRegexRouter: ``regex`` and ``replacement``, as RegexRouter."""

"""Kafka's built-in predicates; import the modules directly (``predicates.topic_name_matches``) or via the registry."""

from __future__ import annotations

__all__: list[str] = []

"""``sink_group_id``: a sink connector's consumer group (Kafka ``SinkUtils.consumerGroupId``).

Its own module, free of the connector configs' pydantic models, so the coordinator's cold start can name a group
without loading them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["sink_group_id"]


def sink_group_id(name: str, props: Mapping[str, Any] | None = None) -> str:
    """Kafka's ``SinkUtils.consumerGroupId``: ``connect-<name>`` unless ``consumer.override.group.id`` is set."""
    override = (props or {}).get("consumer.override.group.id")
    return str(override) if override else f"connect-{name}"

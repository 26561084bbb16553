"""Fixtures shared by integration tests of several packages."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def scheduler(aws_settings: dict[str, str]) -> Iterator[tuple[Any, str]]:
    """An EventBridge Scheduler client on LocalStack and a schedule group of its own, deleted afterwards."""
    import boto3

    client = boto3.client("scheduler", **aws_settings)
    group = f"it-{uuid.uuid4().hex[:8]}"
    client.create_schedule_group(Name=group)
    yield client, group
    client.delete_schedule_group(Name=group)

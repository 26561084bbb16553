"""The extension's health route: what `make services` checks before it reuses a running LocalStack, and the
event-source poll cadence the extension sets as AWS's (a source task's delayed-message ticks arrive within a second
or so of becoming visible, not after LocalStack's 10-second empty-poll backoff)."""

from __future__ import annotations

import pytest

from infra.local import localstack

pytestmark = pytest.mark.integration


def test_the_health_route_reports_this_trees_extension_and_an_aws_like_empty_poll_backoff(
    aws_settings: dict[str, str],
) -> None:
    health = localstack._get_json("/_lambda_connect/health")
    assert localstack._parse_version(health["version"]) >= localstack.extension_version()
    assert health["runtime_executor"] == localstack.EXECUTOR
    # LocalStack's own defaults are 1 s after every batch and up to 10 s on an empty source
    assert health["poll_cadence_s"] == {"after_batch": 0.05, "empty_backoff_max": 1.0}

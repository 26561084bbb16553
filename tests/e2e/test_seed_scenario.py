"""`make demo`'s seed scenario as a test: the curl bodies over HTTP against `lambda-connect up`, data checked in
the CRM table, S3, OpenSearch and the FileStream sink file."""

from __future__ import annotations

import pytest

from demo import seed_scenario

pytestmark = pytest.mark.integration


def test_seed_scenario_runs_end_to_end() -> None:
    assert seed_scenario.main() == 0

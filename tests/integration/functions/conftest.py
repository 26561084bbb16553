"""The runtime tests' per-test ``cluster`` (own internal topics and stores), for the function handlers."""

from __future__ import annotations

from tests.integration.runtime.conftest import cluster  # noqa: F401 - re-exported fixture

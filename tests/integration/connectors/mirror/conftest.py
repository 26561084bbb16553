"""The MirrorMaker 2 tests' worker: our connectors on the target cluster (the shared broker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.integration.connectors.mirror._mm2 import LambdaWorker

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def lambda_worker(kafka_bootstrap: str) -> Iterator[LambdaWorker]:
    """A coordinator and source runner on the shared broker with internal topics of their own, dropped after."""
    worker = LambdaWorker.start(kafka_bootstrap)
    yield worker
    worker.close()

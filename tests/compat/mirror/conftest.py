"""A Kafka Connect 4.3.1 worker with Apache Kafka's MirrorMaker 2 connectors (connect-mirror 4.3.1 from Maven
Central), once per session, on the target cluster (the shared broker): MM2 on a Connect cluster runs there."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.compat.connect_worker.conftest import ConnectWorker, free_port, running_worker
from tests.integration.connectors.mirror.conftest import lambda_worker  # noqa: F401 - re-exported fixture

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def mirror_worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectWorker]:
    """The worker, its REST API up; stopped and its topics dropped at the end."""
    with running_worker(HERE / "pom.xml", free_port(), kafka_bootstrap, tmp_path_factory.mktemp("mirror-worker"),
                        "compat-mm2") as worker:
        yield worker

"""A Kafka Connect 4.3.1 worker with Debezium's PostgreSQL connector from Maven Central, once per session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.compat.connect_worker.conftest import ConnectWorker, free_port, running_worker
from tests.integration.connectors.postgres.session import PgSession

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def debezium_pg_worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectWorker]:
    """The worker, its REST API up; stopped and its topics dropped at the end."""
    with running_worker(HERE / "pom.xml", free_port(), kafka_bootstrap, tmp_path_factory.mktemp("debezium-pg-worker"),
                        "compat-dbzpg") as worker:
        yield worker


@pytest.fixture
def database(postgres_settings: dict[str, str]) -> Iterator[PgSession]:
    """A schema of the test's own on the shared PostgreSQL (the test drops its slots, publications and schema)."""
    db = PgSession(postgres_settings, "dbzpg")
    try:
        yield db
    finally:
        db.conn.close()

"""A Kafka Connect 4.3.1 worker with Debezium's MariaDB connector from Maven Central, once per session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.compat.connect_worker.conftest import ConnectWorker, free_port, running_worker
from tests.compat.debezium.test_debezium_compat import Database

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def debezium_worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectWorker]:
    """The worker, its REST API up; stopped and its topics dropped at the end."""
    with running_worker(HERE / "pom.xml", free_port(), kafka_bootstrap, tmp_path_factory.mktemp("debezium-worker"),
                        "compat-dbz") as worker:
        yield worker


@pytest.fixture
def database(mariadb_settings: dict[str, str]) -> Iterator[Database]:
    """A database of the test's own on the shared MariaDB, dropped afterwards."""
    db = Database(mariadb_settings)
    try:
        yield db
    finally:
        db.sql(f"DROP DATABASE IF EXISTS `{db.name}`")
        db.conn.close()

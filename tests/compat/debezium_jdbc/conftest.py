"""A Kafka Connect 4.3.1 worker with Debezium's JDBC sink plugin archive from Maven Central, once per session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.compat.connect_worker.conftest import ConnectWorker, free_port, running_worker

if TYPE_CHECKING:
    from collections.abc import Iterator

WORKER_POM = Path(__file__).resolve().parents[1] / "connect_worker" / "pom.xml"
# The newest JDBC sink plugin archive Maven Central serves (3.7.0.Final has none there)
DEBEZIUM_JDBC = "io.debezium:debezium-connector-jdbc:3.2.0.Final"


@pytest.fixture(scope="session")
def debezium_jdbc_worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectWorker]:
    """The worker with the plugin on its plugin.path, REST API up; stopped and its topics dropped at the end."""
    from bench import jvm_worker
    from tests.compat.connect_worker import conftest as connect_worker

    plugin, why = jvm_worker.plugin(DEBEZIUM_JDBC, "debezium-connector-jdbc")
    if plugin is None:
        pytest.skip(f"{DEBEZIUM_JDBC} is not resolvable: {why}")
    start_timeout = connect_worker.START_TIMEOUT_S
    connect_worker.START_TIMEOUT_S = max(start_timeout, 600.0)  # Hibernate's jars make the plugin scan slow
    try:
        with running_worker(WORKER_POM, free_port(), kafka_bootstrap, tmp_path_factory.mktemp("debezium-jdbc-worker"),
                            "compat-dbzjdbc", extra_properties=f"plugin.path={plugin}\n") as worker:
            yield worker
    finally:
        connect_worker.START_TIMEOUT_S = start_timeout

"""The fault suite's shared pieces: its size, function processes with the test's internal topics, a tally.

``make test`` runs the suite at a small size; ``make faults`` sets ``LAMBDA_CONNECT_FAULTS_SIZE=big`` (the sizes the
issue asks for) and prints the tally of every case: runs, rows expected, lost, duplicated.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from connect_core.runtime import env
from infra.local import _process as proc
from infra.local.kafka_cluster import NODES
from infra.local.kafka_cluster import Cluster as BrokerCluster
from tests.integration.runtime.conftest import cluster  # noqa: F401 - re-exported fixture

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from tests.e2e.conftest import Up
    from tests.integration.connectors.postgres.session import PgSession
    from tests.integration.runtime.conftest import Cluster

ROOT = Path(__file__).resolve().parents[2]
BIG = os.environ.get("LAMBDA_CONNECT_FAULTS_SIZE", "small") == "big"
TALLY_FILE = os.environ.get("LAMBDA_CONNECT_FAULTS_TALLY", "")


@dataclass
class Tally:
    """One case's outcome: every row expected, what arrived, what is missing or doubled."""

    case: str
    runs: int = 0
    expected: int = 0
    lost: int = 0
    duplicated: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    def count(self, expected: Iterable[Any], arrived: Iterable[Any]) -> Tally:
        """Compare the expected row ids with those that arrived (a multiset)."""
        want = set(expected)
        got = Counter(arrived)
        self.expected = len(want)
        self.lost = len(want - set(got))
        self.duplicated = sum(n - 1 for n in got.values() if n > 1)
        return self

    def line(self) -> str:
        """``case runs=.. expected=.. lost=.. duplicated=..``."""
        extra = "".join(f" {k}={v}" for k, v in self.notes.items())
        return (f"{self.case}: runs={self.runs} expected={self.expected} lost={self.lost} "
                f"duplicated={self.duplicated}{extra}")


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    """The case's tally, printed (and appended to ``LAMBDA_CONNECT_FAULTS_TALLY``) when the test ends."""
    result = Tally(request.node.name)
    yield result
    line = result.line()
    sys.stderr.write(f"\nFAULTS {line}\n")
    if TALLY_FILE:
        with open(TALLY_FILE, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def function_env(target: Cluster, **extra: str) -> dict[str, str]:
    """The environment of a function process bound to ``cluster``'s internal topics (``target``: the test cluster)."""
    storage = target.worker.storage
    return {**os.environ, env.BOOTSTRAP_SERVERS: target.worker.kafka.bootstrap_servers,
            env.CONFIG_TOPIC: storage.config_storage_topic, env.OFFSET_TOPIC: storage.offset_storage_topic,
            env.STATUS_TOPIC: storage.status_storage_topic, env.GROUP_ID: target.worker.group_id,
            env.WORKER_ID: "lambda:faults", "PYTHONPATH": str(ROOT), **extra}


def run_function(module: str, args: list[str], environment: dict[str, str],
                 timeout_s: float = 900.0) -> tuple[int, dict[str, Any] | None, str]:
    """Run ``python -m module args`` to its end: exit code (-9 when killed), its JSON line, its stderr."""
    done = subprocess.run([sys.executable, "-m", module, *args], env=environment, capture_output=True, text=True,
                          timeout=timeout_s, check=False, cwd=ROOT)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, (json.loads(lines[-1]) if lines else None), done.stderr[-3000:]


def mysql(settings: dict[str, str], database: str | None = None) -> pymysql.Connection:
    """An autocommit connection to the shared MariaDB."""
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=database or settings["database"],
                           autocommit=True)


@pytest.fixture
def database(mariadb_settings: dict[str, str]) -> Iterator[str]:
    """A fresh MariaDB database of the case's own, dropped afterwards."""
    name = f"lc_faults_{uuid.uuid4().hex[:10]}"
    with mysql(mariadb_settings) as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
    yield name
    with mysql(mariadb_settings) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def pg(postgres_settings: dict[str, str]) -> Iterator[PgSession]:
    """A PostgreSQL schema, slot and publication of the case's own, dropped afterwards."""
    from tests.integration.connectors.postgres.session import PgSession

    db = PgSession(postgres_settings, "lc_faults")
    try:
        yield db
    finally:
        db.close()


def topic_ids(bootstrap: str, topic: str, expected: int, timeout_s: float | None = None) -> list[int]:
    """The ``id`` field of every committed record of ``topic`` (read_committed), waiting for ``expected`` (by
    default a minute plus a second per thousand: 200,000 records took longer than a minute on a loaded machine)."""
    import time

    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    ids: list[int] = []
    idle = 0
    deadline = time.monotonic() + (timeout_s if timeout_s is not None else 60.0 + expected / 1000)
    try:
        while time.monotonic() < deadline:
            messages = consumer.consume(10_000, 1.0)
            if not messages:
                idle = idle + 1 if len(ids) >= expected else 0
                if idle >= 3:
                    break
                continue
            for message in messages:
                if message.error() is None and message.value() is not None:
                    ids.append(json.loads(message.value())["id"])
    finally:
        consumer.close()
    return ids


@pytest.fixture(scope="session")
def bounce_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerCluster]:
    """A private three-broker cluster with MSK's defaults (``infra/local/kafka_cluster.py``) whose brokers the
    cases kill: its own data, on free ports (node n: base + n - 1, SASL + 100, controller + 200); the shared
    cluster is never killed. One per run: the modules that use it share one work unit (tests/_parallel.py)."""
    for _ in range(50):  # below the ephemeral range (32768-60999): a restarted node finds its port still free
        base = random.randrange(20_000, 28_000)
        ports = [base + offset + n for offset in (0, 100, 200) for n in range(NODES)]
        if not any(proc.port_open("127.0.0.1", port) for port in ports):
            break
    brokers = BrokerCluster(tmp_path_factory.mktemp("bounce-cluster"), base)
    brokers.start()
    try:
        yield brokers
    finally:
        brokers.stop()


@pytest.fixture
def whole(bounce_cluster: BrokerCluster) -> BrokerCluster:
    """The private cluster with all three nodes up (a case before may have left one down when it failed)."""
    for node in range(1, NODES + 1):
        bounce_cluster.restart(node)
    return bounce_cluster


def cluster_worker_file(brokers: BrokerCluster, tmp_path: Path, name: str) -> Path:
    """A ``connect-distributed.properties`` on ``brokers`` with internal topics of its own at RF 3."""
    from tests.e2e.test_standalone import _rewrite

    return _rewrite("connect-distributed.properties", tmp_path, **{
        "bootstrap.servers": brokers.bootstrap, "group.id": name, "offset.storage.topic": f"{name}-offsets",
        "config.storage.topic": f"{name}-configs", "status.storage.topic": f"{name}-status",
        "offset.storage.replication.factor": "3", "config.storage.replication.factor": "3",
        "status.storage.replication.factor": "3"})  # fmt: skip


def task_states(up: Up) -> dict[str, list[str]]:
    """Connector name -> its tasks' states, through `lambda-connect up`'s REST API ({} when it does not answer)."""
    status, body = up.http("GET", "/connectors?expand=status")
    if status != 200:
        return {}
    return {name: [task["state"] for task in entry["status"]["tasks"]] for name, entry in body.items()}

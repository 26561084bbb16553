"""The three-broker cluster on MSK's defaults (``infra/local/kafka_cluster.py``, `make services`): auto-creation off,
replication factor 3, ``min.insync.replicas=2``. Tests here meet it as a user's deployment does."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from infra.local import services

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def msk_cluster(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The shared three-broker cluster's settings (``bootstrap.servers``, ``sasl.bootstrap.servers``, CA, user).
    In `make test`'s parallel session the cluster stops once its work unit ended (tests/_parallel.py: no other
    unit uses it), so its three idle brokers take no CPU from the units still running. The topics the session
    created are deleted after it: they would stay on the cluster's disks, and every partition costs each broker
    CPU in replication and metrics for as long as it runs, in every later session on this machine."""
    try:
        settings = services.ensure(["kafka-cluster"])["kafka-cluster"]
    except services.ServiceError as error:
        pytest.fail(f"local service 'kafka-cluster' could not be started:\n{error}", pytrace=False)
    before = topic_names(settings["bootstrap.servers"])
    yield settings
    _delete_topics(settings["bootstrap.servers"], before)
    if hasattr(request.config, "workerinput"):
        services.down(["kafka-cluster"])


def _delete_topics(bootstrap: str, kept: set[str]) -> None:
    """Delete the topics not in ``kept`` (but the brokers' own ``__`` topics), waiting at most a minute and a half.
    Best effort: a cluster that does not answer keeps them."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        doomed = sorted(name for name in admin.list_topics(timeout=10).topics
                        if name not in kept and not name.startswith("__"))
    except KafkaException:
        return
    for future in (admin.delete_topics(doomed, operation_timeout=60) if doomed else {}).values():
        try:
            future.result(timeout=90)
        except Exception:  # a topic someone else deleted meanwhile, or the cluster gone: left as it is
            pass


def create_topics(bootstrap: str, *names: str, partitions: int = 1, config: dict[str, str] | None = None) -> None:
    """What an operator does before a connector runs on a cluster without automatic creation: the topics, at the
    broker's default replication factor (3 here), waited for until every partition has a leader."""
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.admin import ensure_topic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for name in names:
        ensure_topic(admin, name, partitions, -1, config)


def replication(bootstrap: str, topic: str) -> set[int]:
    """The replication factors of ``topic``'s partitions (one element when they agree)."""
    from confluent_kafka.admin import AdminClient

    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic=topic, timeout=10)
    return {len(p.replicas) for p in metadata.topics[topic].partitions.values()}


def topic_names(bootstrap: str) -> set[str]:
    from confluent_kafka.admin import AdminClient

    return set(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics)


@pytest.fixture
def orders_db(mariadb_settings: dict[str, str]) -> Iterator[dict[str, Any]]:
    """A database with an ``orders`` table of three rows, dropped after."""
    name = f"msk_{uuid.uuid4().hex[:10]}"
    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"], autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
        cur.execute(f"CREATE TABLE {name}.orders (id INT PRIMARY KEY, status VARCHAR(20))")
        cur.execute(f"INSERT INTO {name}.orders VALUES (1, 'PLACED'), (2, 'SHIPPED'), (3, 'PICKED')")
    try:
        yield {"conn": conn, "db": name, "url": f"jdbc:mysql://{mariadb_settings['host']}:"
               f"{mariadb_settings['port']}/{name}", "user": mariadb_settings["user"],
               "password": mariadb_settings["password"]}
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.close()

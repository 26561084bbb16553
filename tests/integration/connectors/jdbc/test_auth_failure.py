"""A JDBC connector whose password is wrong opens its circuit breaker at the first failure, on both databases.

MariaDB refuses with error 1045, PostgreSQL with SQLSTATE 28P01, which libpq hands over only as text for a login
refused before the session begins: both are ``DatabaseAuthenticationError``, never retried inside the sink's
``max.retries`` (10 retries 3 s apart by default: the batch would fail back as retriable ~30 s later, counted nowhere)
and never automatically restarted (docs/operations.md).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.api.config import parse_config
from connect_core.connectors.jdbc._connection import connect
from connect_core.connectors.jdbc._dialect import DatabaseAuthenticationError, dialect_for
from connect_core.connectors.jdbc._url import parse_jdbc_url
from connect_core.connectors.jdbc.source_config import JdbcSourceConfig
from connect_core.local.kafka_trigger import build_event
from connect_core.runtime.restart_policy import is_non_retriable
from connect_core.runtime.task_invocation import SinkInvocation
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_state import State
from tests.integration.functions._sink_harness import Out
from tests.integration.runtime.conftest import cluster, topics  # noqa: F401 - the runtime tests' fixtures

if TYPE_CHECKING:
    from tests.integration.functions._sink_harness import KafkaTopics
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

DATABASES = ["mariadb_settings", "postgres_settings"]
ROW = b'{"schema":{"type":"struct","fields":[{"field":"id","type":"int32"}],"optional":false},"payload":{"id":1}}'


@pytest.mark.parametrize("service", DATABASES)
def test_a_sink_with_a_wrong_password_fails_once_and_opens_its_breaker(
        service: str, request: pytest.FixtureRequest, cluster: Cluster, topics: KafkaTopics,  # noqa: F811
        kafka_bootstrap: str) -> None:
    settings = request.getfixturevalue(service)
    name = f"badpw-sink-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t")
    topics.produce(topic, [Out(None, ROW)])
    config = {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": topic, "tasks.max": "1",
              "connection.url": settings["connection.url"], "connection.user": settings["user"],
              "connection.password": "not-the-password", "auto.create": "true",
              "table.name.format": f"badpw_{uuid.uuid4().hex[:8]}",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter"}
    cluster.deploy(name, config, [config])
    event = build_event(topics.consume(topic, 1), kafka_bootstrap, "SelfManagedKafka")
    invocation = SinkInvocation(cluster.worker, name)
    runs = RunStore(cluster.worker.kafka, cluster.worker.storage)
    try:
        with pytest.raises(DatabaseAuthenticationError, match="refused the connector's credentials"):
            invocation.handle(event, 128)
        cluster.statuses.refresh()
        status = cluster.statuses.task_status(name, 0)
        assert status is not None and status.state is State.FAILED
        assert "circuit breaker open after 1 failure(s)" in (status.trace or "")
        assert "not-the-password" not in (status.trace or "")
        runs.refresh()
        [streak] = runs.state.task_streaks(name)
        assert streak.restart.breaker_open and streak.restart.failures == 1
    finally:
        invocation.close()
        runs.close()


@pytest.mark.parametrize("service", DATABASES)
def test_a_source_with_a_wrong_password_is_refused_as_an_authentication_failure(
        service: str, request: pytest.FixtureRequest) -> None:
    settings = request.getfixturevalue(service)
    config = parse_config(JdbcSourceConfig, {
        "connection.url": settings["connection.url"], "connection.user": settings["user"],
        "connection.password": "not-the-password", "connection.attempts": "1", "mode": "bulk",
        "table.whitelist": "t", "topic.prefix": "badpw-"})
    dialect = dialect_for(parse_jdbc_url(settings["connection.url"]).family, "", "ALWAYS")
    with pytest.raises(DatabaseAuthenticationError) as refused:
        connect(config, dialect)
    assert is_non_retriable(refused.value)
    assert "not-the-password" not in str(refused.value)

"""A real Prometheus scrapes `lambda-connect up`'s ``GET /metrics`` while a Datagen source, a JDBC sink (MariaDB)
and failing connectors run: the queries of Strimzi's Kafka Connect dashboard return series for our connectors, and
Strimzi's two alert rules fire for the failing connector and task and resolve once they are fixed.

The scrape config adds the labels Strimzi's PodMonitor relabelling gives a worker (docs/operations.md); intervals
are a second and the rules' ``for:`` two seconds, so the test takes seconds, not Strimzi's five minutes.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from infra.local import prometheus
from infra.local._process import free_server_port
from tests.e2e.conftest import start_up

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration

CLUSTER = "lambda-connect"
SELECT = f'strimzi_io_kind=~"KafkaConnect.*",strimzi_io_cluster="{CLUSTER}"'
NAMESPACED = f'namespace="{CLUSTER}",{SELECT}'
# Strimzi's Kafka Connect dashboard (prometheus-jmx-exporter/grafana-dashboards/strimzi-kafka-connect.json), its
# variables filled in; the JVM, container and client-connection panels measure a JVM worker we do not have.
DASHBOARD = {
    "Number of Connectors": f"sum(kafka_connect_worker_connector_count{{{SELECT}}})",
    "Number of Tasks": f"sum(kafka_connect_worker_task_count{{{SELECT}}})",
    "Assigned Connectors by Worker":
        f"sum(kafka_connect_coordinator_assigned_connectors{{{SELECT}}}) by (kubernetes_pod_name)",
    "Assigned Tasks per Worker": f"sum(kafka_connect_coordinator_assigned_tasks{{{SELECT}}}) by (kubernetes_pod_name)",
    "Rebalancing": f"sum(kafka_connect_worker_rebalance_rebalancing{{{SELECT}}})",
    "Connector Task State (running)": f"sum(kafka_connect_worker_connector_running_task_count{{{SELECT}}})",
    "Connector Task State (failed)": f"sum(kafka_connect_worker_connector_failed_task_count{{{SELECT}}})",
    "Connector Task State (paused)": f"sum(kafka_connect_worker_connector_paused_task_count{{{SELECT}}})",
    "Connector Task State (unassigned)": f"sum(kafka_connect_worker_connector_unassigned_task_count{{{SELECT}}})",
    "Connector Task State (destroyed)": f"sum(kafka_connect_worker_connector_destroyed_task_count{{{SELECT}}})",
}
TASKS_WITH_ISSUES = f"sum(kafka_connect_worker_connector_failed_task_count{{{NAMESPACED}}}) by (connector) != 0"
CONNECTOR_STATUS = (
    f"sum(kafka_connect_connector_status{{{SELECT}}} * on(connector) group_left(connector_class) "
    "kafka_connect_connector_connector_class{} * on (connector) group_left(connector_version) "
    "kafka_connect_connector_connector_version{} * on (connector) group_left(connector_type) "
    "kafka_connect_connector_connector_type{}) by (connector, status, connector_class, kubernetes_pod_name, "
    "connector_version, connector_type)")
TASK_STATUS = (
    f"sum(kafka_connect_task_error_total_record_failures{{{SELECT}}} * on(connector, task) group_left(status) "
    "kafka_connect_connector_task_status{}) by (connector, status, kubernetes_pod_name, task)")
# Strimzi's prometheus-kafka-connect-rules.yaml, ``for: 5m`` shortened
RULES = """groups:
- name: kafka-connect
  rules:
  - alert: ConnectFailedConnector
    expr: sum(kafka_connect_connector_status{status="failed"}) by (namespace) > 0
    for: 2s
    labels: {severity: major}
  - alert: ConnectFailedTask
    expr: sum(kafka_connect_worker_connector_failed_task_count) by (namespace) > 0
    for: 2s
    labels: {severity: major}
"""


class Prometheus:
    """A Prometheus scraping one `up` every second, and its HTTP API."""

    def __init__(self, up: Up, tmp_path: Path) -> None:
        port, target = free_server_port(), up.url.removeprefix("http://")
        (tmp_path / "rules.yml").write_text(RULES)
        (tmp_path / "prometheus.yml").write_text(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [{tmp_path / "rules.yml"}]
scrape_configs:
- job_name: lambda-connect
  metrics_path: /metrics
  static_configs:
  - targets: ["{target}"]
    labels: {{namespace: {CLUSTER}, strimzi_io_kind: KafkaConnect, strimzi_io_cluster: {CLUSTER},
              kubernetes_pod_name: {CLUSTER}-coordinator}}
""")
        self.url = f"http://127.0.0.1:{port}"
        self.process = prometheus.start(tmp_path / "prometheus.yml", tmp_path / "tsdb", port,
                                        tmp_path / "prometheus.log")
        self.log = tmp_path / "prometheus.log"

    def api(self, path: str, **query: str) -> Any:
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(query)}",
                                    timeout=10) as response:  # loopback
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        try:
            return list(self.api("query", query=expr)["result"])
        except OSError:
            return []  # still starting

    def firing(self) -> set[str]:
        try:
            alerts = self.api("alerts")["alerts"]
        except OSError:
            return set()
        return {a["labels"]["alertname"] for a in alerts if a["state"] == "firing"}


@pytest.fixture(scope="session")
def prometheus_binary() -> Path:
    """Built once from its Go module (minutes, cached: infra/local/prometheus.py)."""
    return prometheus.executable()


@pytest.fixture
def database(mariadb_settings: dict[str, str]) -> Iterator[str]:
    name = f"lc_prom_{uuid.uuid4().hex[:10]}"
    with _mysql(mariadb_settings) as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
    yield name
    with _mysql(mariadb_settings) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def _mysql(settings: dict[str, str], database: str | None = None) -> pymysql.Connection:
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=database or settings["database"], autocommit=True)


def _connectors(series: list[dict[str, Any]], **labels: str) -> set[str]:
    return {s["metric"]["connector"] for s in series if all(s["metric"].get(k) == v for k, v in labels.items())}


def test_strimzis_dashboard_and_alerts_work_on_up(prometheus_binary: Path, kafka_bootstrap: str, tmp_path: Path,
                                                  mariadb_settings: dict[str, str], database: str) -> None:
    url = f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/{database}"
    user, password = mariadb_settings["user"], mariadb_settings["password"]
    with start_up(kafka_bootstrap, tmp_path) as up:
        topic = f"{up.prefix}-users"
        dg, snk, bad, broken = (f"{up.prefix}-{n}" for n in ("dg", "snk", "bad", "broken"))
        configs = {
            dg: {"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector", "kafka.topic": topic,
                 "quickstart": "users", "max.interval": "50", "iterations": "100000",
                 "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                 "value.converter.schemas.enable": "true"},
            snk: {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "connection.url": url,
                  "connection.user": user, "connection.password": password, "topics": topic, "auto.create": "true",
                  "table.name.format": "users", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                  "value.converter.schemas.enable": "true"},
            # its task fails: the query's table does not exist (yet)
            bad: {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": url,
                  "connection.user": user, "connection.password": password, "mode": "bulk",
                  "query": "SELECT * FROM missing", "topic.prefix": f"{up.prefix}-bad", "poll.interval.ms": "500",
                  "lambda.restart.enabled": "false"},  # FAILED until restarted through REST, as on a worker
            # the connector itself fails: it lists the database's tables at start, with a wrong password
            broken: {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": url,
                     "connection.user": user, "connection.password": "wrong", "mode": "bulk",
                     "table.whitelist": "missing", "topic.prefix": f"{up.prefix}-broken-"},
        }
        for name, config in configs.items():
            status, answer = up.http("POST", "/connectors", {"name": name, "config": config})
            assert status == 201, answer
        prom = Prometheus(up, tmp_path)
        try:
            ours = set(configs)
            up.wait_for(lambda: ours <= _connectors(prom.query(CONNECTOR_STATUS)),
                        "the dashboard's connector status table lists every connector", timeout_s=90)
            table = prom.query(CONNECTOR_STATUS)
            assert _connectors(table, connector_type="source") >= {dg, bad, broken}
            assert _connectors(table, connector_type="sink", connector_class=configs[snk]["connector.class"]) == {snk}
            assert _connectors(table, status="failed") == {broken}
            up.wait_for(lambda: _connectors(prom.query(TASKS_WITH_ISSUES)) == {bad},
                        "the dashboard's tasks with issues name the failing task's connector", timeout_s=90)
            up.wait_for(lambda: {dg, snk, bad} <= _connectors(prom.query(TASK_STATUS)),
                        "the dashboard's task status table lists every task")
            for title, expr in DASHBOARD.items():
                assert prom.query(expr), f"{title}: {expr} returned no series"
            up.wait_for(lambda: prom.query(f'sum(kafka_connect_sink_task_sink_record_send_total{{connector="{snk}"}}) '
                                           "> 0"), "records put to the JDBC sink")
            assert prom.query(f'kafka_connect_source_task_source_record_write_rate{{connector="{dg}"}} > 0')
            errors = prom.query(f'{{__name__=~"kafka_connect_task_error_.+", connector="{snk}", task="0"}}')
            assert {e["metric"]["__name__"].removeprefix("kafka_connect_task_error_") for e in errors} == {
                "total_record_failures", "total_record_errors", "total_records_skipped", "total_retries",
                "total_errors_logged", "deadletterqueue_produce_requests", "deadletterqueue_produce_failures",
                "last_error_timestamp"}  # every task-error-metrics attribute, as Prometheus parsed the scrape
            up.wait_for(lambda: prom.firing() >= {"ConnectFailedConnector", "ConnectFailedTask"},
                        "both of Strimzi's alerts firing", timeout_s=60)

            with _mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
                cursor.execute("CREATE TABLE missing (id INT PRIMARY KEY)")
            status, answer = up.http("POST", f"/connectors/{bad}/tasks/0/restart")
            assert status == 204, answer
            status, answer = up.http("PUT", f"/connectors/{broken}/config",
                                     {**configs[broken], "connection.password": password})
            assert status == 200, answer
            up.wait_for(lambda: not prom.firing() & {"ConnectFailedConnector", "ConnectFailedTask"},
                        "both alerts resolved once the connector and the task are fixed", timeout_s=90)
            assert not prom.query(TASKS_WITH_ISSUES)
        finally:
            prometheus.stop(prom.process)

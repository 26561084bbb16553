"""No secret leaves: after a run whose configs carry passwords, none is in clear where lambda-connect writes.

`lambda-connect up` runs a JDBC source whose password comes from the worker's file config provider, a JDBC sink
with an inline `connection.password` (a PASSWORD key) that sends a bad record to its dead letter queue, and a source
whose query names a provider-held table that does not exist (FAILED: the driver's message echoes the value). Then
every log line, the status, runs, offset and DLQ topics (values, keys, headers), the status page's data and the REST
responses are read:

- the provider-held values appear nowhere, the config topic included (it keeps the placeholders);
- the inline password appears only where Kafka Connect itself keeps and returns it: the config topic (Kafka's
  format) and the config-returning REST endpoints (`GET /connectors/{c}`, `/config`, `/tasks`, `?expand=info`).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from tests.e2e.conftest import start_up

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration


@pytest.fixture
def database(mariadb_settings: dict[str, str]) -> Iterator[dict[str, str]]:
    """A database and two users of their own, with passwords that occur nowhere else."""
    run = uuid.uuid4().hex[:10]
    names = {"db": f"leak_{run}", "source_user": f"src_{run}", "sink_user": f"snk_{run}",
             "provider_password": f"pp-{uuid.uuid4().hex}", "inline_password": f"ip-{uuid.uuid4().hex}",
             "wrong_password": f"wp-{uuid.uuid4().hex}"}
    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"], autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {names['db']}")
        cur.execute(f"CREATE TABLE {names['db']}.orders (id INT PRIMARY KEY, status VARCHAR(20))")
        cur.execute(f"INSERT INTO {names['db']}.orders VALUES (1, 'PLACED'), (2, 'SHIPPED')")
        for user, password in ((names["source_user"], names["provider_password"]),
                               (names["sink_user"], names["inline_password"])):
            cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")  # hex: nothing to escape
            cur.execute(f"GRANT ALL ON {names['db']}.* TO '{user}'@'%'")
    try:
        yield {**names, "url": f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/{names['db']}"}
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {names['db']}")
            for user in (names["source_user"], names["sink_user"]):
                cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        conn.close()


def _topic(bootstrap: str, topic: str) -> list[bytes]:
    """Every key, value and header (name and value) of ``topic`` from the beginning, as bytes."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"leak-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        parts = [TopicPartition(topic, p) for p in metadata.partitions]
        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in parts}
        consumer.assign([TopicPartition(topic, p, 0) for p in ends])
        out: list[bytes] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:  # transaction markers take offsets too: done when every position reached its end
                positions = consumer.position([TopicPartition(topic, p) for p in ends])
                if all(tp.offset >= ends[tp.partition] or ends[tp.partition] == 0 for tp in positions):
                    return out
                continue
            if message.error():
                continue
            out += [message.key() or b"", message.value() or b""]
            out += [part for name, value in (message.headers() or []) for part in (name.encode(), value or b"")]
        raise AssertionError(f"{topic}: not read to its end offsets {ends} within 30 s")
    finally:
        consumer.close()


def _rest_texts(up: Up, names: list[str], configs: dict[str, dict[str, str]]) -> tuple[list[str], list[str]]:
    """(answers that must hold no password, answers that return configs as Kafka does)."""
    clean, with_configs = [], []
    for path in ("/connectors?expand=status", "/", "/connector-plugins", "/ui/api/overview"):  # the page is static
        clean.append(json.dumps(up.http("GET", path)))
    with_configs.append(json.dumps(up.http("GET", "/connectors?expand=info&expand=status")))
    for name in names:
        for suffix in ("/status", "/offsets", "/topics", "/tasks/0/status"):
            clean.append(json.dumps(up.http("GET", f"/connectors/{name}{suffix}")))
        for suffix in ("", "/config", "/tasks"):
            with_configs.append(json.dumps(up.http("GET", f"/connectors/{name}{suffix}")))
        plugin = configs[name]["connector.class"]
        clean.append(json.dumps(up.http("PUT", f"/connector-plugins/{plugin}/config/validate",
                                        {"name": name, **configs[name]})))
    return clean, with_configs


def test_no_password_is_in_clear_in_logs_topics_dlq_status_page_or_rest(
    kafka_bootstrap: str, tmp_path: Path, database: dict[str, str],
) -> None:
    secrets = tmp_path / "secrets.properties"
    secrets.write_text(f"source.password={database['provider_password']}\n"
                       f"table={database['wrong_password']}\n")
    with start_up(kafka_bootstrap, tmp_path, "--config-providers", "file") as up:
        topic, dlq = f"{up.prefix}-orders", f"{up.prefix}-dlq"
        src, snk, bad = (f"{up.prefix}-{n}" for n in ("src", "snk", "bad"))  # unique: connect-<name> groups
        configs = {
            src: {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                    "connection.url": database["url"], "connection.user": database["source_user"],
                    "connection.password": f"${{file:{secrets}:source.password}}", "mode": "incrementing",
                    "incrementing.column.name": "id", "table.whitelist": "orders", "topic.prefix": f"{up.prefix}-",
                    "poll.interval.ms": "500"},
            snk: {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                    "connection.url": database["url"], "connection.user": database["sink_user"],
                    "connection.password": database["inline_password"], "topics": topic, "auto.create": "true",
                    "table.name.format": "copy", "errors.tolerance": "all", "errors.log.enable": "true",
                    "errors.log.include.messages": "true", "errors.deadletterqueue.topic.name": dlq,
                    "errors.deadletterqueue.topic.replication.factor": "1",
                    "errors.deadletterqueue.context.headers.enable": "true"},
            bad: {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                    "connection.url": database["url"], "connection.user": database["source_user"],
                    "connection.password": f"${{file:{secrets}:source.password}}", "mode": "bulk",
                    "query": f"SELECT * FROM `${{file:{secrets}:table}}`", "topic.prefix": f"{up.prefix}-bad"},
        }
        for name, config in configs.items():
            status, answer = up.http("POST", "/connectors", {"name": name, "config": config})
            assert status == 201, answer
        _produce(kafka_bootstrap, topic, b"not json: goes to the dead letter queue")
        up.wait_for(lambda: _rows(database) == 2, "the two rows copied by the sink", timeout_s=120)
        up.wait_for(lambda: _topic(kafka_bootstrap, dlq) if _exists(kafka_bootstrap, dlq) else None,
                    "the bad record in the dead letter queue", timeout_s=120)
        up.wait_for(lambda: _state(up, bad) == "FAILED", "the query of a missing table FAILED", timeout_s=120)
        trace = json.dumps(up.http("GET", f"/connectors/{bad}/status")[1])
        assert f"Table '{database['db']}.[hidden]' doesn't exist" in trace  # the driver echoes the value: masked

        clean, with_configs = _rest_texts(up, list(configs), configs)
        up_config = json.dumps(up.http("GET", f"/connectors/{snk}/config"))
        logs = [path.read_text(errors="replace") for path in tmp_path.rglob("*.log")]
        prefix = up.prefix
        status_topic = [*_topic(kafka_bootstrap, f"{prefix}-status"), *_topic(kafka_bootstrap, f"{prefix}-status-runs")]
        config_topic = _topic(kafka_bootstrap, f"{prefix}-configs")
        offsets_topic = _topic(kafka_bootstrap, f"{prefix}-offsets")
        dlq_records = _topic(kafka_bootstrap, dlq)

    assert any(b"__connect.errors.exception.message" in part for part in dlq_records)
    assert sum(len(text) for text in logs) > 1000  # the functions did log
    everything = [*clean, *with_configs, *logs, *(b.decode("utf-8", "replace") for b in
                                                   (*status_topic, *config_topic, *offsets_topic, *dlq_records))]
    for secret in (database["provider_password"], database["wrong_password"]):  # no provider-held value
        assert not [text[max(0, text.index(secret) - 1500):text.index(secret) + 100] for text in everything
                    if secret in text]
    inline = database["inline_password"]
    ours = [*clean, *logs, *(b.decode("utf-8", "replace") for b in (*status_topic, *offsets_topic, *dlq_records))]
    assert not [text[max(0, text.index(inline) - 1500):text.index(inline) + 100] for text in ours if inline in text]
    # Kafka Connect keeps an inline password in its config topic and returns it with the config: so do we.
    assert any(inline.encode() in part for part in config_topic)
    assert inline in up_config and inline in with_configs[0]


def _produce(bootstrap: str, topic: str, value: bytes) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, value)
    assert producer.flush(30) == 0


def _exists(bootstrap: str, topic: str) -> bool:
    from confluent_kafka.admin import AdminClient

    return topic in AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics


def _rows(database: dict[str, str]) -> int:
    host, port = database["url"].split("//")[1].split("/")[0].split(":")
    try:
        conn = pymysql.connect(host=host, port=int(port), user=database["sink_user"],
                               password=database["inline_password"], database=database["db"])
    except pymysql.MySQLError:
        return 0
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM copy")
            return int(cur.fetchone()[0])
    except pymysql.MySQLError:
        return 0
    finally:
        conn.close()


def _state(up: Up, name: str) -> Any:
    status = up.http("GET", f"/connectors/{name}/status")[1]
    tasks = status.get("tasks") or []
    return tasks[0]["state"] if tasks else status.get("connector", {}).get("state")

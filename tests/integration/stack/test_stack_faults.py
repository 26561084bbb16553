"""``kill -9`` of the deployed source function on the LocalStack stack: a CDC source killed inside its transaction
while it snapshots and again while it streams loses nothing and repeats nothing.

The stack's functions run as local processes (infra/localstack_ext), so the test does what a crashed host or an
out-of-memory kill does to a Lambda execution environment. While it snapshots: it waits until the function has a
transaction open on the topic (the last stable offset behind the log end) and sends SIGKILL to the function's
process. While it streams, the update's transactions can be too short for that watch on a fast machine (0 of 36,000
checks saw one, twice), so the stack's fault seam kills it instead: the first process that has handed records to
its producer with the transaction open dies there (``source.after_produce``, connect_core/runtime/fault_points.py).
The source's next scheduled fire starts a fresh environment, which fences the dead producer (its transaction is
aborted) and delivers every change once; the test fires the schedule itself after each kill (its target and Input,
asynchronously, as Scheduler does) rather than wait up to a minute for the extension's scheduler.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from infra.local import stack
from tests.integration.stack.conftest import wait_for

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.stack.conftest import Deployed

pytestmark = pytest.mark.integration

ROWS = 20_000  # two transactions of the source runner's 10,000-record chunks: seconds of open transaction to hit
KILL_WAIT_S = 240.0  # a killed invocation sends no next tick: the schedule's next fire runs the task again; on a
# loaded machine a cold start can take well over a minute


def _function_processes(function: str) -> list[int]:
    """Pids of the execution environments LocalStack runs for ``function``: the extension gives each its own
    ``TMPDIR``, ``<tmp>/lambda-<function>-<random>`` (infra/localstack_ext, executor.py)."""
    marker = f"/lambda-{function}-".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    variables = handle.read().split(b"\0")
            except OSError:
                continue
            if any(v.startswith(b"TMPDIR=") and marker in v for v in variables):
                pids.append(int(entry))
    return pids


def _open_transaction(admin: Any, topic: str) -> bool:
    """Whether a transaction is open on ``topic``'s partition 0: its last stable offset is behind its end."""
    from confluent_kafka import IsolationLevel, KafkaException, TopicPartition
    from confluent_kafka.admin import OffsetSpec

    partition = TopicPartition(topic, 0)
    try:
        ends = [admin.list_offsets({partition: OffsetSpec.latest()}, isolation_level=level,
                                   request_timeout=5)[partition].result().offset
                for level in (IsolationLevel.READ_COMMITTED, IsolationLevel.READ_UNCOMMITTED)]
    except KafkaException:
        return False  # the topic does not exist yet
    return bool(ends[0] < ends[1])


def _topic_known(admin: Any, topic: str) -> bool:
    from confluent_kafka import KafkaException, TopicPartition
    from confluent_kafka.admin import OffsetSpec

    try:
        admin.list_offsets({TopicPartition(topic, 0): OffsetSpec.latest()})[TopicPartition(topic, 0)].result()
    except KafkaException:
        return False
    return True


def _arm(deployed: Deployed, step: str) -> Path:
    """Drop the arming file for ``step`` in the stack's fault directory (a source transaction without records, an
    idle tick's, claims none); returns the directory."""
    directory = stack.fault_dir(deployed.name)
    for stale in directory.glob(f"{step}.fired-*"):
        stale.unlink()
    (directory / step).write_text(f"armed by {__name__}\n")
    return directory


def _fire_schedules(deployed: Deployed, connector: str) -> None:
    """Fire the connector's schedules now, as Scheduler fires one: its target invoked asynchronously with its Input,
    the context attributes filled in (a killed invocation sends no next tick; the schedule's fire is what resumes)."""
    from infra.localstack_ext.lambda_connect_localstack.scheduler_input import scheduler_input

    scheduler = deployed.client("scheduler")
    for summary in scheduler.list_schedules(GroupName=deployed.name, NamePrefix=connector)["Schedules"]:
        schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=deployed.name)
        target = schedule["Target"]
        payload = scheduler_input(target.get("Input"), schedule["Arn"], datetime.now(UTC))
        deployed.client("lambda").invoke(FunctionName=target["Arn"], InvocationType="Event", Payload=payload.encode())


def _kill_inside_a_transaction(deployed: Deployed, bootstrap: str, topic: str, connector: str, what: str) -> None:
    """SIGKILL every environment of the source function once it has a transaction open on ``topic``."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    wait_for(lambda: _topic_known(admin, topic), f"{topic}'s offsets")
    function, deadline = f"{deployed.name}-source-task", time.monotonic() + KILL_WAIT_S
    opened = seen = 0
    while time.monotonic() < deadline:
        if _open_transaction(admin, topic):
            opened += 1
            if pids := _function_processes(function):
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
                _fire_schedules(deployed, connector)
                return
        seen += 1
        time.sleep(0.005)
    raise AssertionError(f"the source function inside a transaction {what}: not within {KILL_WAIT_S:.0f}s "
                         f"({opened} of {seen} checks saw a transaction open; {topic} now: {_ends(admin, topic)})\n"
                         f"source function log for {connector}:\n{_function_log(deployed, connector)}")


def _ends(admin: Any, topic: str) -> str:
    """The topic's last stable offset and log end (what a failing wait shows: whether anything arrived at all)."""
    from confluent_kafka import IsolationLevel, KafkaException, TopicPartition
    from confluent_kafka.admin import OffsetSpec

    partition = TopicPartition(topic, 0)
    try:
        stable, end = (admin.list_offsets({partition: OffsetSpec.latest()}, isolation_level=level,
                                          request_timeout=5)[partition].result().offset
                       for level in (IsolationLevel.READ_COMMITTED, IsolationLevel.READ_UNCOMMITTED))
    except KafkaException as error:
        return f"offsets unknown ({error})"
    return f"last stable offset {stable}, log end {end}"


def _function_log(deployed: Deployed, connector: str, lines: int = 40) -> str:
    """The source function's last log lines about ``connector`` (every page, in time order), then its last lines of
    all (a crash or a timeout names no connector)."""
    logs = deployed.client("logs")
    events: list[dict[str, Any]] = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(
                logGroupName=f"/aws/lambda/{deployed.name}-source-task"):
            events.extend(page["events"])
    except Exception as error:
        return f"(no log: {error})"
    events.sort(key=lambda event: event["timestamp"])
    mine = [event["message"].rstrip()[:1500] for event in events if connector in event["message"]]
    rest = [event["message"].rstrip()[:800] for event in events[-(lines // 2):]]
    return "\n".join([*mine[-lines:], f"-- the last {len(rest)} lines of all:", *rest])


def _wait(deployed: Deployed, connector: str, check: Any, what: str) -> None:
    try:
        wait_for(check, what, KILL_WAIT_S)
    except AssertionError as error:
        raise AssertionError(f"{error}\nsource function log for {connector}:\n{_function_log(deployed, connector)}"
                             ) from None


def _events(bootstrap: str, topic: str, isolation: str) -> list[tuple[str, int]]:
    """(op or "tombstone", id) of every record in ``topic`` now, as a consumer at ``isolation`` reads them."""
    from confluent_kafka import Consumer, KafkaError, KafkaException

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"stack-faults-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": isolation,
                         "enable.auto.commit": False, "enable.partition.eof": True})
    out: list[tuple[str, int]] = []
    try:
        try:
            consumer.list_topics(topic, timeout=5).topics[topic].partitions[0]
        except (KafkaException, KeyError):
            return out
        consumer.subscribe([topic])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:  # everything there is, read
                    break
                continue
            value = message.value()
            key = json.loads(message.key())["id"]
            out.append(("tombstone", key) if value is None else (json.loads(value)["op"], key))
    finally:
        consumer.close()
    return out


def _ops(events: list[tuple[str, int]], op: str) -> list[int]:
    return sorted(key for kind, key in events if kind == op)


def test_a_cdc_source_killed_in_its_transaction_on_the_stack_delivers_every_change_once(
    deployed: Deployed, mariadb_settings: dict[str, str], kafka_bootstrap: str,
) -> None:
    run = uuid.uuid4().hex[:8]
    database, name, prefix = f"stack_kill_{run}", f"kill-{run}", f"stack-kill-{run}"
    topic = f"{prefix}.{database}.t"
    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"], autocommit=True)
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {database}")
        cursor.execute(f"CREATE TABLE {database}.t (id INT PRIMARY KEY, state VARCHAR(16))")
        cursor.execute(f"INSERT INTO {database}.t SELECT seq, 'PLACED' FROM {database}.seq_1_to_{ROWS}")
    config: dict[str, Any] = {
        "connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
        "database.hostname": mariadb_settings["host"], "database.port": mariadb_settings["port"],
        "database.user": mariadb_settings["user"], "database.password": mariadb_settings["password"],
        "database.server.id": str(8000 + int(run[:4], 16) % 1000), "topic.prefix": prefix,
        "database.include.list": database, "include.schema.changes": "false", "poll.interval.ms": "1000",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}
    from confluent_kafka.admin import AdminClient, NewTopic

    # made here, so the offsets of the first transaction are known the moment it opens (a topic the admin client
    # has not seen yet answers UNKNOWN_TOPIC for a while: a whole snapshot could pass unobserved)
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result()
    try:
        status, answer = deployed.http("POST", "/connectors", {"name": name, "config": config})
        assert status == 201, answer
        _kill_inside_a_transaction(deployed, kafka_bootstrap, topic, name, "while it snapshots")
        _wait(deployed, name, lambda: len(_events(kafka_bootstrap, topic, "read_committed")) >= ROWS, "the snapshot")
        snapshot = _events(kafka_bootstrap, topic, "read_committed")
        assert _ops(snapshot, "r") == list(range(1, ROWS + 1)) and len(snapshot) == ROWS

        faults = _arm(deployed, "source.after_produce")  # the update's first transaction with records dies in it
        with conn.cursor() as cursor:  # one binlog transaction of ROWS row events
            cursor.execute(f"UPDATE {database}.t SET state = 'SHIPPED'")
        _wait(deployed, name, lambda: list(faults.glob("source.after_produce.fired-*")),
              "the source function killed inside a transaction while it streams")
        _fire_schedules(deployed, name)
        _wait(deployed, name, lambda: len(_events(kafka_bootstrap, topic, "read_committed")) >= 2 * ROWS, "the update")
        events = _events(kafka_bootstrap, topic, "read_committed")
        assert len(events) == 2 * ROWS
        assert _ops(events, "r") == _ops(events, "u") == list(range(1, ROWS + 1))
        # the killed attempts' records are in the log, aborted: a read_uncommitted reader sees them
        assert len(_events(kafka_bootstrap, topic, "read_uncommitted")) > len(events)
    finally:
        (stack.fault_dir(deployed.name) / "source.after_produce").unlink(missing_ok=True)  # unclaimed: disarmed
        deployed.http("DELETE", f"/connectors/{name}")
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.close()

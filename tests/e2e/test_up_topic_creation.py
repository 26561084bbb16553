"""Issue 49's seed scenario with FileStream on `lambda-connect up --worker-config`, against a broker that creates no
topic by itself (a throwaway single broker with only ``auto.create.topics.enable=false`` changed, free ports).

A source to a topic that does not exist is FAILED with the cause in its trace (never RUNNING while every invocation
is killed), and runs by itself once the topic exists; the same source with KIP-158's ``topic.creation.default.*``
keys creates its topic as they say and delivers.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import start_up
from tests.e2e.test_standalone import _rewrite
from tests.integration.runtime.conftest import consume_committed
from tests.integration.runtime.strict_broker import strict_broker
from tests.integration.runtime.test_topic_creation import describe

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def _task(up: Any, name: str) -> dict[str, Any] | None:
    status, body = up.http("GET", f"/connectors/{name}/status")
    return body["tasks"][0] if status == 200 and body.get("tasks") else None


def test_sources_on_a_broker_without_automatic_topic_creation(tmp_path: Path) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    with strict_broker(tmp_path / "broker") as broker:
        name = f"kip158-{uuid.uuid4().hex[:8]}"
        worker = _rewrite("connect-distributed.properties", tmp_path, **{
            "bootstrap.servers": broker.bootstrap, "group.id": name, "offset.storage.topic": f"{name}-offsets",
            "config.storage.topic": f"{name}-configs", "status.storage.topic": f"{name}-status"})
        (tmp_path / "in.txt").write_text("one\ntwo\n")
        plain, created = f"{name}-plain-status", f"{name}-created-status"
        source = {"connector.class": "FileStreamSource", "file": "in.txt", "tasks.max": "1",
                  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
                  "lambda.restart.backoff.initial.ms": "1000"}
        with start_up(broker.bootstrap, tmp_path, "--worker-config", str(worker)) as up:
            assert up.http("PUT", f"/connectors/{name}-plain/config", {**source, "topic": plain})[0] == 201
            assert up.http("PUT", f"/connectors/{name}-created/config", {
                **source, "topic": created, "topic.creation.default.replication.factor": "1",
                "topic.creation.default.partitions": "3", "topic.creation.default.compression.type": "gzip"})[0] == 201

            failed = up.wait_for(lambda: (t := _task(up, f"{name}-plain")) and t["state"] == "FAILED" and t,
                                 "the source without its topic FAILED", 120)
            assert f"Topic {plain} not present in metadata after" in failed["trace"]
            up.wait_for(lambda: (t := _task(up, f"{name}-created")) and t["state"] == "RUNNING",
                        "the source with topic.creation.* RUNNING", 60)
            assert [v for _, v, _ in consume_committed(broker.bootstrap, created, 2, 60)] == [b"one", b"two"]
            assert describe(broker.bootstrap, created) == (3, 1, {"compression.type": "gzip"})

            admin = AdminClient({"bootstrap.servers": broker.bootstrap})
            admin.create_topics([NewTopic(plain, 1, 1)])[plain].result(timeout=30)  # the operator creates it
            up.wait_for(lambda: (t := _task(up, f"{name}-plain")) and t["state"] == "RUNNING",
                        "the source RUNNING again once its topic exists", 180)
            assert [v for _, v, _ in consume_committed(broker.bootstrap, plain, 2, 60)] == [b"one", b"two"]

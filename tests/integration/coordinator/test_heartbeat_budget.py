"""The coordinator's heartbeat stays inside its budget when a source task is killed mid-transaction: the transaction
it leaves open on the offsets topic holds every read_committed reader until it times out (60 s), and the offsets key
index reads that topic; the heartbeat bounds that read by what is left of its budget, keeps the index's progress up
to the open transaction, and the poison-batch guard and lag sampling still run. Once the next invocation of the task
fences the zombie (its transaction is aborted), a heartbeat reads the index to the log end."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING

import pytest

from connect_core.coordinator import RecordingDeployer, coordinator_from_settings
from connect_core.kafka.clients import producer_config
from connect_core.storage.offset_key_index import index_group

if TYPE_CHECKING:
    from pathlib import Path

    from connect_core.runtime.worker import WorkerSettings
    from tests.integration.coordinator.conftest import Client

pytestmark = pytest.mark.integration

BUDGET_S = 28.0  # the coordinator function's 30 s less the handler's margin (runtime/heartbeat.py)
SLACK_S = 1.5  # a step's last Kafka call may end a little after its deadline

KILLED_IN_TRANSACTION = textwrap.dedent("""
    import json, os, signal, sys
    from confluent_kafka import Producer
    config, topic = json.loads(sys.argv[1]), sys.argv[2]
    producer = Producer(config)
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce(topic, key=b'["src",{"filename":"in.txt"}]', value=b'{"position":42}')
    producer.flush(30)
    print("open", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # a source task killed between its produce and its commit
""")


def _transactional(worker: WorkerSettings) -> dict[str, object]:
    return {k: v for k, v in producer_config(worker.kafka, transactional_id=f"{worker.group_id}-src-0").items()
            if isinstance(v, (str, int, float, bool))}


def test_a_source_killed_mid_transaction_leaves_every_heartbeat_in_budget_with_its_later_steps_run(
    client: Client, worker: WorkerSettings, tmp_path: Path, prefix: str,
) -> None:
    source_file = tmp_path / "in.txt"
    source_file.write_text("one\n")
    for name, config in (("src", {"connector.class": "FileStreamSource", "file": str(source_file),
                                  "topic": f"{prefix}-beat-lines"}),
                         ("snk", {"connector.class": "FileStreamSink", "file": str(tmp_path / "out.txt"),
                                  "topics": f"{prefix}-beat-lines"})):
        created = client.call("POST", "/connectors", {"name": name, "config": config})
        assert created.status == 201, created.body
    coordinator = coordinator_from_settings(worker, RecordingDeployer())  # the heartbeat's own warm container
    coordinator.heartbeat(BUDGET_S)
    assert coordinator.heartbeats.last["offsets-key-index"].result is True  # the index is at the log end

    offsets_topic = worker.storage.offset_storage_topic
    killed = subprocess.run([sys.executable, "-c", KILLED_IN_TRANSACTION, json.dumps(_transactional(worker)),
                             offsets_topic], capture_output=True, text=True, timeout=60, check=False)
    assert killed.stdout.strip() == "open", killed.stderr

    for _beat in range(2):
        started = time.monotonic()
        totals = coordinator.heartbeat(BUDGET_S)
        took = time.monotonic() - started
        steps = coordinator.heartbeats.last
        assert took < BUDGET_S + SLACK_S, {name: outcome.summary() for name, outcome in steps.items()}
        assert {name: outcome.state for name, outcome in steps.items()} == dict.fromkeys(
            ("reconfigure", "reconcile", "poison-batch-guard", "lag", "offsets-key-index"), "done")
        index = steps["offsets-key-index"]
        assert index.result is False  # held at the open transaction: the rest is the next beat's work
        assert index.seconds < index.given_s + SLACK_S < BUDGET_S  # its read ended with its share, not at 30 s
        assert "snk" in totals  # lag sampled
    # the index kept its progress up to the open transaction (its committed positions are readable)
    marks = coordinator.offsets.offsets.log.read_bookmarks(index_group(offsets_topic))
    assert marks and all(position >= 0 for position, _metadata in marks.values())

    # the task's next invocation fences the zombie: init_transactions aborts the open transaction
    from confluent_kafka import Producer

    Producer(_transactional(worker)).init_transactions(30)
    coordinator.heartbeat(BUDGET_S)
    assert coordinator.heartbeats.last["offsets-key-index"].result is True

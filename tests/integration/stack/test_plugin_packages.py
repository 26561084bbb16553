"""Plugins travel with the deployment: plugin packages built into the session's stack by `sam build`
(conftest.py ``plugin_packages``), registered by their entry points alone (the stack's PluginClasses is empty), and
run by the deployed functions.

- a source and a sink made only by following docs/connector-guide.md (``lambda-connect new connector``, in a
  directory outside the repository) run as a pair;
- the SinkTask contract suite of tests/integration/runtime/test_sink_contract.py (pre_commit's lower offsets,
  request_commit, rewinds, pause/resume, RetriableError with and without ``context.timeout``) holds for the contract
  sink deployed this way, behind a coordinator-created Kafka event source mapping and as pull-mode tasks, each of
  them RUNNING before any record reaches it (an idle sink says RUNNING on the deployed stack too).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tests.fixtures.plugin_packages import CONTRACT_SINK_CLASS, CONTRACT_SINK_VERSION
from tests.integration.functions._sink_harness import KafkaTopics, Out
from tests.integration.stack.conftest import wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.integration.stack.conftest import Deployed

pytestmark = pytest.mark.integration

STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"


@pytest.fixture
def topics(kafka_bootstrap: str) -> Iterator[KafkaTopics]:
    created = KafkaTopics(kafka_bootstrap)
    yield created
    created.delete_all()


def _running(deployed: Deployed, name: str) -> bool:
    status, body = deployed.http("GET", f"/connectors/{name}/status")
    return status == 200 and body["connector"]["state"] == "RUNNING" and bool(body["tasks"]) \
        and all(task["state"] == "RUNNING" for task in body["tasks"])


def _committed(deployed: Deployed, name: str) -> list[int]:
    status, body = deployed.http("GET", f"/connectors/{name}/offsets")
    return [entry["offset"]["kafka_offset"] for entry in body["offsets"]] if status == 200 else []


def _create(deployed: Deployed, name: str, config: dict[str, str]) -> None:
    status, answer = deployed.http("PUT", f"/connectors/{name}/config", config)
    assert status == 201, answer


def test_plugin_packages_are_registered_by_their_entry_points_with_their_versions(deployed: Deployed) -> None:
    status, plugins = deployed.http("GET", "/connector-plugins")
    assert status == 200
    listed = {plugin["class"]: plugin for plugin in plugins}
    assert listed[CONTRACT_SINK_CLASS] == {"class": CONTRACT_SINK_CLASS, "type": "sink",
                                           "version": CONTRACT_SINK_VERSION}
    assert listed["guide_ticker.GuideTickerSourceConnector"]["version"] == "0.1.0"
    assert listed["guide_journal.GuideJournalSinkConnector"]["type"] == "sink"
    status, keys = deployed.http("GET", "/connector-plugins/GuideTickerSource/config")  # the alias, Kafka's rule
    assert status == 200
    assert {"topic", "max.records", "batch.size", "message"} <= {key["name"] for key in keys}


def test_a_source_and_a_sink_written_from_the_guide_run_deployed(deployed: Deployed, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    source, sink, topic, out = f"ticker-{run}", f"journal-{run}", f"guide-{run}", tmp_path / "journal.jsonl"
    json_values = {"value.converter": JSON, "value.converter.schemas.enable": "false"}
    status, refused = deployed.http("PUT", f"/connectors/{source}/config",
                                    {"connector.class": "GuideTickerSource", "batch.size": "0"})
    assert status == 400 and "topic" in refused["message"] and "batch.size" in refused["message"]
    _create(deployed, source, {"connector.class": "guide_ticker.GuideTickerSourceConnector", "topic": topic,
                               "max.records": "7", "batch.size": "3", "message": run, **json_values})
    _create(deployed, sink, {"connector.class": "GuideJournalSink", "topics": topic, "file": str(out),
                             "lambda.maximum.batching.window.ms": "100", **json_values})

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []

    wait_for(lambda: len(lines()) >= 7, "the ticker's records in the journal")
    # One transaction per invocation: an invocation that was fenced or ended before its commit leaves an aborted
    # transaction (its records and marker take offsets no reader sees), so the first offset is not always 0.
    journal = lines()
    first = journal[0]["offset"]
    assert [(line["offset"], line["value"]) for line in journal] == [(first + n, {"id": n, "message": run})
                                                                     for n in range(7)]
    status, offsets = deployed.http("GET", f"/connectors/{source}/offsets")
    assert (status, offsets["offsets"]) == (200, [{"partition": {"topic": topic}, "offset": {"position": 7}}])
    wait_for(lambda: _committed(deployed, sink) == [7], "the journal's group committed")
    wait_for(lambda: _running(deployed, source) and _running(deployed, sink), "both RUNNING")
    for name in (source, sink):
        assert deployed.http("DELETE", f"/connectors/{name}")[0] == 204


# The contract sink's knobs (tests/fixtures/contract_sink.py), per case: what it does, and on which sink path.
CASES: dict[str, dict[str, str]] = {
    # put only buffers; a record is durable at the next pre_commit, which returns only what is durable, and asks
    # for a commit while it holds records
    "write-behind": {"contract.write.behind": "true", "contract.request.commit": "true"},
    # the first put that sees offset 2 drops it and what follows, and asks for them again with offset(tp, 2)
    "rewind": {"contract.rewind.at": "2"},
    # the first two puts raise RetriableError and take nothing (with context.timeout: within the invocation)
    "retriable": {"contract.retriable.times": "2", "contract.retriable.timeout.ms": "100"},
}
PULL_CASES: dict[str, dict[str, str]] = {
    "write-behind": {"contract.write.behind": "true"},  # no request_commit: the next invocation makes them durable
    "pause": {"contract.pause.partitions": "0"},  # open() pauses; the resume file resumes them
    "retriable": {"contract.retriable.times": "2"},  # no timeout: the records come at the next invocation
}


def _written(out: Path) -> list[str]:
    """``offset:value`` of every durable record, in the order written."""
    return [":".join(line.split(":")[2:4]) for line in out.read_text().splitlines()] if out.exists() else []


def _puts(out: Path) -> list[list[str]]:
    path = out.with_name(out.name + ".puts")
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("trigger", ["mapping", "schedule"])
def test_the_sink_task_contract_holds_for_a_deployed_plugin_package(
    trigger: str, deployed: Deployed, topics: KafkaTopics, tmp_path: Path,
) -> None:
    run = uuid.uuid4().hex[:8]
    cases = CASES if trigger == "mapping" else PULL_CASES
    resume = tmp_path / "resume"
    made: dict[str, tuple[str, str, Path]] = {}
    for case, knobs in cases.items():
        name = f"contract-{case}-{trigger}-{run}"
        topic = topics.create(f"{name}.t")
        out = tmp_path / f"{case}.txt"
        _create(deployed, name, {
            "connector.class": CONTRACT_SINK_CLASS, "topics": topic, "file": str(out), "key.converter": STRING,
            "value.converter": STRING, "lambda.sink.trigger": trigger, "lambda.maximum.batching.window.ms": "100",
            **({"contract.resume.file": str(resume)} if case == "pause" else {}), **knobs})
        made[name] = (case, topic, out)
    # The records come once each task has started (its start invocation has returned). Records produced while the
    # start invocation still runs make Lambda start a second container for the mapping's batch: another task
    # instance, which gets the batch again from the group's committed offset, as a restarted worker task does
    # (README, "SinkTask contract on a mapping"); the contract sink's per-instance rewind would then repeat there.
    for name, (_, topic, _) in made.items():
        wait_for(lambda name=name: _running(deployed, name), f"{name}: RUNNING before any record")
        topics.produce(topic, [Out(None, f"v{i}".encode()) for i in range(5)])
    every = [f"{i}:v{i}" for i in range(5)]
    for name, (case, _, out) in made.items():
        if case == "pause":
            continue
        wait_for(lambda out=out: _written(out) == every, f"{name}: every record written once, in order")
        wait_for(lambda name=name: _committed(deployed, name) == [5], f"{name}: committed to the end")
        assert _running(deployed, name), f"{name} is not RUNNING"  # a RetriableError is no failure of the task
        if case == "retriable":  # the same records came again after each RetriableError
            assert _puts(out)[:3] == [[f"0:{i}" for i in range(5)]] * 3
        if case == "rewind":  # dropped from offset 2, asked again from 2
            assert _puts(out)[:2] == [[f"0:{i}" for i in range(5)], ["0:2", "0:3", "0:4"]]
    for name, (case, _, out) in made.items():
        if case != "pause":
            continue
        time.sleep(5)  # several invocations while paused: nothing put, nothing committed past the first record
        assert _written(out) == []
        assert _committed(deployed, name) in ([], [0])
        resume.touch()
        wait_for(lambda out=out: _written(out) == every, f"{name}: every record written once resumed")
        wait_for(lambda name=name: _committed(deployed, name) == [5], f"{name}: committed once resumed")
    for name in made:
        assert deployed.http("DELETE", f"/connectors/{name}")[0] == 204

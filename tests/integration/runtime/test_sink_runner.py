"""SinkRunner against the real broker: Lambda Kafka events in, connector writes out, DLQ for bad records."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError
from connect_core.runtime.sink_runner import ConnectorNotRunningError, SinkRunner
from connect_core.storage.config_state import TargetState
from tests.integration.runtime.conftest import consume_committed

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def msk_event(topic: str, values: list[bytes | None], *, partition: int = 0, first_offset: int = 0,
              headers: list[dict[str, list[int]]] | None = None) -> dict:
    """An MSK event source mapping batch, as Lambda delivers it."""
    records = []
    for i, value in enumerate(values):
        record = {"topic": topic, "partition": partition, "offset": first_offset + i,
                  "timestamp": 1_700_000_000_000 + i, "timestampType": "CREATE_TIME", "headers": headers or []}
        if value is not None:
            record["value"] = base64.b64encode(value).decode()
        record["key"] = base64.b64encode(f"k{i}".encode()).decode()
        records.append(record)
    return {"eventSource": "aws:kafka", "eventSourceArn": "arn:aws:kafka:us-east-1:000000000000:cluster/c/1",
            "bootstrapServers": "127.0.0.1:9092", "records": {f"{topic}-{partition}": records}}


def _deploy_file_sink(cluster: Cluster, name: str, path: Path, topic: str, **extra: str) -> None:
    config = {"connector.class": FILE_SINK, "file": str(path), "topics": topic, "tasks.max": "1",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false", **extra}
    cluster.deploy(name, config, [{"file": str(path), "topics": topic}])


def _runner(cluster: Cluster, name: str) -> SinkRunner:
    return SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)


def test_batch_is_written_and_status_reported(cluster: Cluster, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    _deploy_file_sink(cluster, "file-sink", out, "orders")

    result = _runner(cluster, "file-sink").handle(msk_event("orders", [b'{"id":1}', b'{"id":2}', b'"plain"']))

    assert result.response() == {}
    assert (result.put, result.offsets) == (3, {"orders-0": 3})
    assert out.read_text().splitlines() == ["{id=1}", "{id=2}", "plain"]
    cluster.statuses.refresh()
    assert cluster.statuses.task_status("file-sink", 0).state.value == "RUNNING"


def test_bad_record_goes_to_dead_letter_queue_with_original_bytes(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str
) -> None:
    out = tmp_path / "out.txt"
    dlq = f"{cluster.worker.group_id}-dlq"
    _deploy_file_sink(cluster, "dlq-sink", out, "payments", **{
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
    })
    event = msk_event("payments", [b'{"ok":1}', b"{not json", b'{"ok":2}'], first_offset=40,
                      headers=[{"trace": list(b"abc")}])

    result = _runner(cluster, "dlq-sink").handle(event)

    assert (result.put, result.skipped) == (2, 1)
    assert out.read_text().splitlines() == ["{ok=1}", "{ok=2}"]
    [(key, value, headers)] = consume_committed(kafka_bootstrap, dlq, 1)
    assert (key, value) == (b"k1", b"{not json")
    context = {name: raw for name, raw in headers}
    assert context["trace"] == b"abc"
    assert context["__connect.errors.topic"] == b"payments"
    assert context["__connect.errors.offset"] == b"41"
    assert context["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert context["__connect.errors.connector.name"] == b"dlq-sink"


def test_bad_record_without_tolerance_fails_the_batch_and_writes_nothing_of_it(
    cluster: Cluster, tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    _deploy_file_sink(cluster, "strict", out, "strict-topic")
    runner = _runner(cluster, "strict")

    with pytest.raises(Exception, match="Tolerance exceeded"):
        runner.handle(msk_event("strict-topic", [b'{"a":1}', b"{broken"]))

    assert not out.exists() or out.read_text() == ""
    cluster.statuses.refresh()
    assert cluster.statuses.task_status("strict", 0).state.value == "FAILED"
    assert runner.handle(msk_event("strict-topic", [b'{"a":1}'])).put == 1


def test_paused_connector_fails_the_invocation_so_nothing_is_committed(cluster: Cluster, tmp_path: Path) -> None:
    _deploy_file_sink(cluster, "pausable", tmp_path / "out.txt", "t")
    cluster.configs.put_target_state("pausable", TargetState.PAUSED)

    with pytest.raises(ConnectorNotRunningError, match="PAUSED"):
        _runner(cluster, "pausable").handle(msk_event("t", [b"1"]))


def test_batch_item_failures_name_the_first_offset_of_each_partition(cluster: Cluster, tmp_path: Path) -> None:
    _deploy_file_sink(cluster, "partial", tmp_path / "out.txt", "p", **{"lambda.report.batch.item.failures": "true"})

    result = _runner(cluster, "partial").handle(msk_event("p", [b"{bad", b"1"], partition=3, first_offset=7))

    assert result.response() == {"batchItemFailures": [{"itemIdentifier": {"partition": "p-3", "offset": 7}}]}


def test_null_values_and_keys_decode_as_tombstones(cluster: Cluster, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    _deploy_file_sink(cluster, "tomb", out, "tomb")
    event = msk_event("tomb", [None, b"2"])
    del event["records"]["tomb-0"][0]["key"]

    result = _runner(cluster, "tomb").handle(event)

    assert result.put == 2
    assert out.read_text().splitlines() == ["null", "2"]
    assert json.loads("2") == 2


@pytest.mark.parametrize(("extra", "message"), [
    ({"value.converter": "tempfile:mkdtemp"}, "Class tempfile:mkdtemp could not be found."),
    ({"transforms": "t", "transforms.t.type": "Filter", "transforms.t.predicate": "gone"},
     "Unknown configuration 'predicates.gone.type'"),
])
def test_a_bad_plugin_config_is_failed_with_its_trace_not_left_unassigned(
    cluster: Cluster, tmp_path: Path, extra: dict[str, str], message: str
) -> None:
    # A config written before validation refused such plugins (or by another writer of the config topic).
    _deploy_file_sink(cluster, "bad-plugin-sink", tmp_path / "out.txt", "orders", **extra)

    with pytest.raises(ConfigError, match=message):
        _runner(cluster, "bad-plugin-sink").handle(msk_event("orders", [b'{"id":1}']))

    cluster.statuses.refresh()
    status = cluster.statuses.task_status("bad-plugin-sink", 0)
    assert status.state.value == "FAILED"
    assert message in (status.trace or "")

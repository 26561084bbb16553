"""A retriable error from a source task's poll is no task failure (Kafka's ``AbstractWorkerSourceTask.poll``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import RetriableError
from connect_core.connectors.file.source_task import FileStreamSourceTask
from connect_core.runtime.source_runner import SourceRunner
from tests.integration.runtime.conftest import consume_committed

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _budget(ms: float = 20_000):
    import time

    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


@pytest.mark.parametrize("error", [RetriableError("the source is busy"), "kafka"])
def test_a_retriable_poll_error_is_logged_and_the_next_invocation_polls_again(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str, *, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, error: Exception | str,
) -> None:
    from confluent_kafka import KafkaError, KafkaException

    raised = error if isinstance(error, Exception) else KafkaException(KafkaError(KafkaError._TIMED_OUT))
    path = tmp_path / "input.txt"
    path.write_text("alpha\nbeta\n")
    topic = f"{cluster.worker.group_id}-retriable"
    config = {"connector.class": FILE_SOURCE, "file": str(path), "topic": topic, "tasks.max": "1",
              "value.converter": "org.apache.kafka.connect.storage.StringConverter"}
    cluster.deploy("retriable", config, [{"file": str(path), "topic": topic, "batch.size": "2000"}])
    real_poll = FileStreamSourceTask.poll
    calls = {"n": 0}

    def busy_once(self: FileStreamSourceTask):
        calls["n"] += 1
        if calls["n"] == 1:
            raise raised
        return real_poll(self)

    monkeypatch.setattr(FileStreamSourceTask, "poll", busy_once)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)

    first = runner.run("retriable", 0, _budget())  # raises nothing: the task is not failed
    cluster.statuses.refresh()
    assert (first.state, first.records) == ("RUNNING", 0)
    assert cluster.statuses.task_status("retriable", 0).state.value == "RUNNING"
    assert "failed to poll records from SourceTask. Will retry operation." in caplog.text

    second = runner.run("retriable", 0, _budget())
    assert second.records == 2
    assert [v for _, v, _ in consume_committed(kafka_bootstrap, topic, 2)] == [b"alpha", b"beta"]
    cluster.statuses.refresh()
    assert cluster.statuses.task_status("retriable", 0).state.value == "RUNNING"

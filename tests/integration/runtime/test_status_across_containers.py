"""Task status as two warm containers of one task report it, against the real status topic.

Lambda runs each batch, and each retry, on whichever warm container it picks. Each ``SinkInvocation`` or
``SourceInvocation`` here stands for one warm container of the same function: a status write compares with the
status topic's latest value, never with what its own container wrote last, so the status converges to the truth
(RUNNING within one successful run after a failure, FAILED within one failed run), whichever container runs.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import ConnectError
from connect_core.local.kafka_trigger import build_event
from connect_core.runtime.task_invocation import SinkInvocation, SourceInvocation
from connect_core.storage.status_state import State
from tests.fixtures.contract_sink import TARGET
from tests.integration.functions._sink_harness import KafkaTopics, Out

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

STRING = "org.apache.kafka.connect.storage.StringConverter"
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _broken(*_args: Any) -> None:
    raise ConnectError("the store refused the batch")


def _state(cluster: Cluster, name: str) -> State | None:
    cluster.statuses.refresh()
    status = cluster.statuses.task_status(name, 0)
    return None if status is None else status.state


def _budget(ms: float = 20_000) -> Callable[[], float]:
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


@pytest.fixture
def sink(cluster: Cluster, topics: KafkaTopics, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         kafka_bootstrap: str) -> Iterator[tuple[str, list[dict[str, Any]], SinkInvocation, SinkInvocation]]:
    """A contract sink over a topic of six records, one event per record, and two warm containers of its function."""
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", TARGET)
    name = f"status-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t")
    topics.produce(topic, [Out(None, f"v{i}".encode()) for i in range(6)])
    config = {"connector.class": TARGET, "topics": topic, "tasks.max": "1", "key.converter": STRING,
              "value.converter": STRING, "file": str(tmp_path / "out.txt")}
    cluster.deploy(name, config, [config])
    events = [build_event([message], kafka_bootstrap, "SelfManagedKafka") for message in topics.consume(topic, 6)]
    c1, c2 = SinkInvocation(cluster.worker, name), SinkInvocation(cluster.worker, name)
    yield name, events, c1, c2
    c1.close()
    c2.close()


def _fail_next_batch(container: SinkInvocation) -> None:
    """The container's started task refuses its next ``put`` (the runner starts a fresh task after a failure)."""
    running = container.runner._running
    assert running is not None
    running.task.put = _broken  # type: ignore[method-assign]


def test_a_sink_is_running_again_after_another_containers_success(
        cluster: Cluster, sink: tuple[str, list[dict[str, Any]], SinkInvocation, SinkInvocation]) -> None:
    """C2 reported RUNNING earlier; C1 fails a batch (FAILED); C2's next success writes RUNNING again."""
    name, events, c1, c2 = sink
    c2.handle(events[0], 128)
    c1.handle(events[1], 128)
    assert _state(cluster, name) is State.RUNNING
    _fail_next_batch(c1)
    with pytest.raises(ConnectError, match="refused"):
        c1.handle(events[2], 128)
    assert _state(cluster, name) is State.FAILED
    c2.handle(events[2], 128)  # the retry, on the container that last wrote RUNNING itself
    assert _state(cluster, name) is State.RUNNING
    c2.handle(events[3], 128)  # and nothing more written while the topic already says so
    cluster.statuses.refresh()
    written = cluster.statuses.log.positions.copy()
    c2.handle(events[4], 128)
    cluster.statuses.refresh()
    assert cluster.statuses.log.positions == written


def test_a_sink_is_failed_again_after_another_containers_failure(
        cluster: Cluster, sink: tuple[str, list[dict[str, Any]], SinkInvocation, SinkInvocation]) -> None:
    """The reverse: C1 failed, C2 healed it, C1 (whose own last write was FAILED) fails again: FAILED; then C1's
    own success is RUNNING, though C2 wrote RUNNING last."""
    name, events, c1, c2 = sink
    c1.handle(events[0], 128)
    _fail_next_batch(c1)
    with pytest.raises(ConnectError):
        c1.handle(events[1], 128)
    c2.handle(events[1], 128)
    assert _state(cluster, name) is State.RUNNING
    c1.handle(events[2], 128)  # C1's task restarted after its failure
    _fail_next_batch(c1)
    with pytest.raises(ConnectError):
        c1.handle(events[3], 128)
    assert _state(cluster, name) is State.FAILED
    _fail_next_batch(c2)
    with pytest.raises(ConnectError):
        c2.handle(events[3], 128)
    assert _state(cluster, name) is State.FAILED
    c1.handle(events[3], 128)
    assert _state(cluster, name) is State.RUNNING


def test_a_source_is_running_again_after_another_containers_success(
        cluster: Cluster, tmp_path: Path) -> None:
    """Two warm containers of one source task: C1's poll fails (FAILED), C2, which reported RUNNING before, runs
    the next schedule tick: RUNNING again; then C2 fails and C1 succeeds: FAILED, then RUNNING."""
    name = f"status-src-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "input.txt"
    path.write_text("alpha\n")
    config = {"connector.class": FILE_SOURCE, "file": str(path), "topic": f"{cluster.worker.group_id}-{name}",
              "tasks.max": "1", "key.converter": STRING, "value.converter": STRING,
              "lambda.restart.backoff.initial.ms": "0"}  # every next schedule tick is an automatic restart
    cluster.deploy(name, config, [{"file": str(path), "topic": config["topic"]}])
    c1, c2 = SourceInvocation(cluster.worker), SourceInvocation(cluster.worker)
    try:
        c2.run(name, 0, _budget(), 128)
        c1.run(name, 0, _budget(), 128)
        assert _state(cluster, name) is State.RUNNING
        _fail_next_poll(c1, name)
        with pytest.raises(ConnectError, match="refused"):
            c1.run(name, 0, _budget(), 128)
        assert _state(cluster, name) is State.FAILED
        c2.run(name, 0, _budget(), 128)
        assert _state(cluster, name) is State.RUNNING

        _fail_next_poll(c2, name)
        with pytest.raises(ConnectError):
            c2.run(name, 0, _budget(), 128)
        assert _state(cluster, name) is State.FAILED
        c1.run(name, 0, _budget(), 128)
        assert _state(cluster, name) is State.RUNNING
    finally:
        c1.close()
        c2.close()


def _fail_next_poll(container: SourceInvocation, name: str) -> None:
    """The container's started task fails its next poll, whichever poll path the runner takes."""
    task = container.runner._running[(name, 0)].task
    task.poll = _broken  # type: ignore[method-assign]
    task.values_poll = lambda: _broken  # type: ignore[method-assign,assignment,return-value]
    task.messages_poll = lambda: _broken  # type: ignore[method-assign,assignment,return-value]


def test_a_warm_invocation_catches_up_on_config_and_status_in_one_request(
        cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """The status view a write compares with costs a warm container no request of its own: the config and status
    topics' ends are asked together, and the status record another container wrote is read."""
    from connect_core.kafka.read_to_end import end_offsets, end_offsets_of
    from connect_core.kafka.shared_clients import SharedClients
    from connect_core.storage import _topic_log, catch_up
    from connect_core.storage.config_store import ConfigStore
    from connect_core.storage.status_state import TaskStatus
    from connect_core.storage.status_store import StatusStore

    clients = SharedClients(cluster.worker.kafka)
    configs = ConfigStore(cluster.worker.kafka, cluster.worker.storage, clients=clients)
    statuses = StatusStore(cluster.worker.kafka, cluster.worker.storage, clients=clients)
    try:
        catch_up.refresh_together(configs, statuses)  # cold: each read on its own
        asked: list[object] = []

        def counted(ask: Callable[..., Any]) -> Callable[..., Any]:
            def asking(*args: Any, **kwargs: Any) -> Any:
                asked.append(args[1])
                return ask(*args, **kwargs)
            return asking

        monkeypatch.setattr(catch_up, "end_offsets_of", counted(end_offsets_of))
        monkeypatch.setattr(_topic_log, "end_offsets", counted(end_offsets))
        cluster.statuses.put_task_status(TaskStatus("other", 0, State.FAILED, "w", 0, "from another container"))
        catch_up.refresh_together(configs, statuses)
        assert asked == [{cluster.worker.storage.config_storage_topic: [0],
                          cluster.worker.storage.status_storage_topic: [0, 1]}]
        status = statuses.task_status("other", 0)
        assert status is not None and status.state is State.FAILED and status.at_ms is not None
        assert statuses.is_latest(TaskStatus("other", 0, State.FAILED, "x", 0, "from another container"))
    finally:
        configs.close()
        statuses.close()
        clients.close()

"""MirrorSourceMetrics and MirrorCheckpointMetrics (``mirror/_metrics.py``): Kafka's names and tags, each partition's
figures of an invocation from whole polls, the window an invocation is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.plugin_metrics import PluginMetrics
from connect_core.connectors.mirror import source_task
from connect_core.connectors.mirror._metrics import CheckpointMetrics, SourceMetrics
from tests.unit.connectors.mirror.test_source_task import _messages, _task

if TYPE_CHECKING:
    import pytest


def _measured(metrics: PluginMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(name.name, name.tags[2:]): value for name, value in metrics.measurements()}


def test_source_figures_per_target_partition_then_a_new_window() -> None:
    metrics = PluginMetrics({"connector": "mm2", "task": "0"})
    figures = SourceMetrics(metrics, "west")
    where = [("east.t", 0), ("east.t", 0), ("east.t", 1), ("east.t", 0)]
    figures.polled(where, [900, None, 950, 980], [b"abc", None, b"", b"hello"], now_ms=1_000)
    figures.committed(now_ms=1_100)
    got = _measured(metrics)
    p0 = (("target", "west"), ("topic", "east.t"), ("partition", "0"))
    p1 = (("target", "west"), ("topic", "east.t"), ("partition", "1"))
    assert {name: value for (name, tags), value in got.items() if tags == p0} == {
        "record-count": 3, "byte-count": 8,  # a null value is 0 bytes; a record without timestamp has no age
        "record-age-ms": 20, "record-age-ms-min": 20, "record-age-ms-max": 100, "record-age-ms-avg": 60,
        "replication-latency-ms": 120, "replication-latency-ms-min": 120, "replication-latency-ms-max": 200,
        "replication-latency-ms-avg": 160}
    assert got[("record-count", p1)] == 1 and got[("record-age-ms", p1)] == 50 and got[("byte-count", p1)] == 0
    # the next invocation's window: nothing polled, counts 0, no latencies or ages (none measured)
    assert {name: value for (name, tags), value in _measured(metrics).items() if tags == p0} == {
        "record-count": 0, "byte-count": 0}
    figures.polled([("east.t", 0)], [1_990], [b"x"], now_ms=2_000)
    assert _measured(metrics)[("record-count", p0)] == 0  # polled, not yet committed
    figures.committed(now_ms=2_010)
    after = _measured(metrics)
    assert (after[("record-count", p0)], after[("replication-latency-ms-min", p0)],
            after[("replication-latency-ms-max", p0)]) == (1, 20, 20)


def test_records_of_and_messages_of_measure_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source_task.time, "time", lambda: 1_700_000_000.5)
    measured = []
    for path in ("_records_of", "_messages_of"):
        task, metrics = _task(), PluginMetrics({"connector": "mm2", "task": "0"})
        task._metrics = SourceMetrics(metrics, "west")
        getattr(task, path)(_messages())
        task.commit()
        measured.append(_measured(metrics))
    assert measured[0] == measured[1]
    assert sum(v for (name, _tags), v in measured[0].items() if name == "record-count") == 40
    assert {tags for (name, tags) in measured[0]} == {
        (("target", "west"), ("topic", t), ("partition", p)) for t, p in
        (("src.orders", "0"), ("src.orders", "1"), ("src.audit.log", "0"))}


def test_checkpoint_latency_per_group_and_partition() -> None:
    metrics = PluginMetrics({"connector": "cp", "task": "0"})
    figures = CheckpointMetrics(metrics, "east", "west")
    for latency in (30, 10, 20):
        figures.checkpointed("g1", "east.t", 2, latency)
    tags = (("source", "east"), ("target", "west"), ("group", "g1"), ("topic", "east.t"), ("partition", "2"))
    assert _measured(metrics) == {("checkpoint-latency-ms", tags): 20, ("checkpoint-latency-ms-min", tags): 10,
                                  ("checkpoint-latency-ms-max", tags): 30, ("checkpoint-latency-ms-avg", tags): 20}
    assert _measured(metrics) == {}

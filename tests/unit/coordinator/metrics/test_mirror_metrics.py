"""``kafka_connect_mirror_mirrorsourceconnector_*``: per MirrorSourceConnector task, labelled as the rules give them
(connector, task, source, target), from the run records."""

from __future__ import annotations

from connect_core.storage.run_state import RunRecord, TaskCounters
from connect_core.storage.status_state import State, TaskStatus
from tests.unit.coordinator.health.test_overview import World, world
from tests.unit.coordinator.metrics.test_worker_metrics import _scrape

__all__ = ["world"]

MIRROR = {"connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector", "name": "mm2",
          "source.cluster.alias": "east", "target.cluster.alias": "west", "topics": "orders"}


def test_record_count_and_rate_per_mirror_source_task_with_its_cluster_aliases(world: World) -> None:
    configs = world.topics.config_store()
    configs.put_connector_config("mm2", MIRROR)
    configs.put_task_configs("mm2", [MIRROR, MIRROR])
    statuses = world.topics.status_store()
    for task in (0, 1):
        statuses.put_task_status(TaskStatus("mm2", task, State.RUNNING, "w", 1))
    runs = world.run_store()
    now_ms = int(world.now * 1000)
    runs.put_run(RunRecord("mm2", 0, now_ms - 10_000, "source", True, records=40))
    runs.put_run(RunRecord("mm2", 0, now_ms - 5_000, "source", False, records=0, error="ConnectError: down"))
    for container, written in (("a", 300), ("b", 25)):
        runs.put_run(RunRecord("mm2", 1, now_ms - 60 * 60_000, "source", True), counters=TaskCounters(
            "mm2", 1, container, now_ms, 0, "source", records_out=written))
    got = _scrape(world)
    labels = {("connector", "mm2"), ("source", "east"), ("target", "west")}
    task0, task1 = frozenset({*labels, ("task", "0")}), frozenset({*labels, ("task", "1")})
    assert got[("kafka_connect_mirror_mirrorsourceconnector_record_count", task1)] == 325
    assert got[("kafka_connect_mirror_mirrorsourceconnector_record_rate", task0)] == 40 / 40  # 10 s + one window
    assert got[("kafka_connect_mirror_mirrorsourceconnector_record_rate", task1)] == 0
    assert not any(name.startswith("kafka_connect_mirror_") and ("connector", "src") in at for name, at in got)

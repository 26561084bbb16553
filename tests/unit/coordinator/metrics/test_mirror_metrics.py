"""``kafka_connect_mirror_*``: MirrorMaker 2's per-partition gauges labelled as Strimzi's rules give them, from the
mirror tasks' metrics in the run records (totals from every container's counts, rates, latest values and the
min/max/avg of Kafka's windows)."""

from __future__ import annotations

import math

from connect_core.coordinator.metrics.mirror_metrics import parse_tagged
from connect_core.storage.run_state import RunRecord, TaskCounters
from connect_core.storage.status_state import State, TaskStatus
from tests.unit.coordinator.health.test_overview import World, world
from tests.unit.coordinator.metrics.test_worker_metrics import _scrape

__all__ = ["world"]

MIRROR = {"connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector", "name": "mm2",
          "source.cluster.alias": "east", "target.cluster.alias": "west", "topics": "orders"}
CHECKPOINT = {**MIRROR, "connector.class": "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
              "name": "mm2-cp"}
P0 = "{target=west,topic=east.orders,partition=0}"
SRC = "kafka_connect_mirror_mirrorsourceconnector_"


def _deploy(world: World, name: str, config: dict[str, str]) -> None:
    configs = world.topics.config_store()
    configs.put_connector_config(name, config)
    configs.put_task_configs(name, [config])
    world.topics.status_store().put_task_status(TaskStatus(name, 0, State.RUNNING, "w", 1))


def test_per_partition_totals_rates_and_latencies_of_a_mirror_source(world: World) -> None:
    _deploy(world, "mm2", MIRROR)
    runs = world.run_store()
    now_ms = int(world.now * 1000)
    first = {f"record-count{P0}": 40, f"byte-count{P0}": 4000, f"record-age-ms{P0}": 70, f"record-age-ms-min{P0}": 5,
             f"record-age-ms-max{P0}": 90, f"record-age-ms-avg{P0}": 30, f"replication-latency-ms{P0}": 80,
             f"replication-latency-ms-min{P0}": 10, f"replication-latency-ms-max{P0}": 100,
             f"replication-latency-ms-avg{P0}": 40}
    second = {f"record-count{P0}": 10, f"byte-count{P0}": 1000, f"replication-latency-ms{P0}": 7,
              f"replication-latency-ms-min{P0}": 7, f"replication-latency-ms-max{P0}": 7,
              f"replication-latency-ms-avg{P0}": 7}
    runs.put_run(RunRecord("mm2", 0, now_ms - 10_000, "source", True, records=40, metrics=first))
    runs.put_run(RunRecord("mm2", 0, now_ms - 5_000, "source", True, records=10, metrics=second))
    for container, written in (("a", 300), ("b", 25)):  # every container's totals: what the records' counts summed
        runs.put_run(RunRecord("mm2", 0, now_ms - 60 * 60_000, "source", True), counters=TaskCounters(
            "mm2", 0, container, now_ms, 0, "source", counts={f"record-count{P0}": written, f"byte-count{P0}": 9}))
    got = _scrape(world)
    labels = frozenset({("target", "west"), ("topic", "east.orders"), ("partition", "0")})
    assert got[(SRC + "record_count", labels)] == 325 and got[(SRC + "byte_count", labels)] == 18
    assert got[(SRC + "record_rate", labels)] == 50 / 40  # 10 s + one window, as Kafka's Rate
    assert got[(SRC + "byte_rate", labels)] == 5000 / 40
    assert got[(SRC + "replication_latency_ms", labels)] == 7  # the latest invocation's
    assert got[(SRC + "record_age_ms", labels)] == 70  # the latest that measured one
    assert (got[(SRC + "replication_latency_ms_min", labels)], got[(SRC + "replication_latency_ms_max", labels)]) == (
        7, 100)
    assert got[(SRC + "replication_latency_ms_avg", labels)] == (40 * 40 + 7 * 10) / 50
    assert got[(SRC + "record_age_ms_avg", labels)] == 30
    assert not any(("connector", "mm2") in at for name, at in got if name.startswith("kafka_connect_mirror_"))


def test_checkpoint_latency_per_group_partition_and_nan_once_out_of_the_windows(world: World) -> None:
    _deploy(world, "mm2-cp", CHECKPOINT)
    runs = world.run_store()
    now_ms = int(world.now * 1000)
    tagged = "{source=east,target=west,group=g,1,topic=east.orders,partition=2}"
    runs.put_run(RunRecord("mm2-cp", 0, now_ms - 5 * 60_000, "source", True, metrics={
        f"checkpoint-latency-ms{tagged}": 12, f"checkpoint-latency-ms-max{tagged}": 12,
        f"checkpoint-latency-ms-min{tagged}": 12, f"checkpoint-latency-ms-avg{tagged}": 12}))
    got = _scrape(world)
    labels = frozenset({("source", "east"), ("target", "west"), ("group", "g,1"), ("topic", "east.orders"),
                        ("partition", "2")})
    prefix = "kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms"
    assert got[(prefix, labels)] == 12
    assert all(math.isnan(got[(prefix + stat, labels)]) for stat in ("_min", "_max", "_avg"))


def test_parse_tagged_takes_only_the_exact_tags() -> None:
    assert parse_tagged("record-count" + P0, ("target", "topic", "partition")) == (
        "record-count", (("target", "west"), ("topic", "east.orders"), ("partition", "0")))
    assert parse_tagged("record-count", ("target", "topic", "partition")) is None
    assert parse_tagged("x{topic=t,partition=0}", ("target", "topic", "partition")) is None

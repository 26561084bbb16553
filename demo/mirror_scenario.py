"""`make demo`, second step: MirrorMaker 2 replicates a topic and a consumer group's offsets from the second local
cluster ("eu", 127.0.0.1:19092) to the first ("local", the worker's cluster), as functions.

An `orders` topic on eu gets records with keys, headers and a tombstone; the `billing` group reads three of them and
commits. MirrorSourceConnector, MirrorCheckpointConnector (sync.group.offsets.enabled) and MirrorHeartbeatConnector
are created with the same JSON bodies a Kafka Connect user would curl to port 8083 (demo/connectors/mirror/), against
`lambda-connect up`; then `eu.orders` holds the same records, and `billing` on the local cluster can carry on from
its translated offsets.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from demo.seed_scenario import REST, ROOT, http, say, wait_for, with_up
from infra.local import services

CONNECTORS = Path(__file__).parent / "connectors" / "mirror"
NAMES = ("mm2_source_eu", "mm2_checkpoint_eu", "mm2_heartbeat_eu")
TOPIC, REMOTE, GROUP = "orders", "eu.orders", "billing"
RECORDS = [(b"order-1", b"PLACED"), (b"order-2", b"PLACED"), (b"order-1", b"SHIPPED"), (b"order-3", b"PLACED"),
           (b"order-2", None)]
READ_BY_BILLING = 3


def reset(source: str, target: str) -> None:
    """A fresh run: the topic and group on eu, the remote and internal topics and the group on local."""
    from confluent_kafka.admin import AdminClient

    for bootstrap, topics in ((source, [TOPIC, "mm2-offset-syncs.local.internal"]),
                              (target, [REMOTE, "eu.checkpoints.internal"])):
        admin = AdminClient({"bootstrap.servers": bootstrap})
        existing = set(admin.list_topics(timeout=10).topics)
        doomed = [t for t in topics if t in existing]
        for future in (admin.delete_topics(doomed, operation_timeout=30) if doomed else {}).values():
            future.result()
        for future in admin.delete_consumer_groups([GROUP], request_timeout=10).values():
            try:
                future.result()
            except Exception:  # no such group: nothing to delete
                pass
    time.sleep(2)  # deletions settle before the same names are created again


def seed(source: str) -> None:
    """The records on eu, and the billing group three records in."""
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": source})
    admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1,
                                  config={"retention.ms": "604800000"})])[TOPIC].result(30)
    producer = Producer({"bootstrap.servers": source})
    for key, value in RECORDS:
        producer.produce(TOPIC, key=key, value=value, headers=[("origin", b"eu-shop")])
    producer.flush(30)
    consumer = Consumer({"bootstrap.servers": source, "group.id": GROUP, "enable.auto.commit": False})
    consumer.commit(offsets=[TopicPartition(TOPIC, 0, READ_BY_BILLING)], asynchronous=False)
    consumer.close()
    say(f"eu: {len(RECORDS)} records in {TOPIC}; group {GROUP} committed offset {READ_BY_BILLING}")


def remote_records(target: str) -> list[tuple[Any, Any, Any]]:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": target, "group.id": f"demo-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    try:
        if REMOTE not in consumer.list_topics(timeout=10).topics:
            return []
        consumer.assign([TopicPartition(REMOTE, 0, OFFSET_BEGINNING)])
        out = []
        for _ in range(10):
            out += [(m.key(), m.value(), m.headers()) for m in consumer.consume(100, 0.3) if m.error() is None]
        return out
    finally:
        consumer.close()


def billing_offset(target: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": target, "group.id": GROUP, "enable.auto.commit": False})
    try:
        return int(consumer.committed([TopicPartition(REMOTE, 0)], timeout=10)[0].offset)
    finally:
        consumer.close()


def run(rest: str = REST) -> None:
    settings = services.ensure(["kafka", "kafka2"])
    source, target = settings["kafka2"]["bootstrap.servers"], settings["kafka"]["bootstrap.servers"]
    reset(source, target)
    seed(source)
    for name in NAMES:
        body = json.loads((CONNECTORS / f"{name}.json").read_text())
        status, answer = http("POST", "/connectors", body)
        say(f"curl -X POST {rest}/connectors -d @demo/connectors/mirror/{name}.json -> {status}")
        if status != 201:
            raise SystemExit(f"creating {name} failed: {status} {answer}")
    started = time.monotonic()
    copies = wait_for(f"{REMOTE} on the local cluster", lambda: (found := remote_records(target))
                      and len(found) == len(RECORDS) and found, started)
    offset = wait_for(f"group {GROUP}'s translated offset on the local cluster",
                      lambda: (value := billing_offset(target)) >= 0 and value, started)
    _, statuses = http("GET", "/connectors?expand=status")
    say("summary:")
    for name in NAMES:
        info = statuses[name]["status"]
        tasks = ", ".join(f"{t['id']}:{t['state']}" for t in info["tasks"])
        say(f"  {name:<20} connector {info['connector']['state']:<8} tasks {tasks}")
    say(f"  {REMOTE}: {[(k, v) for k, v, _ in copies]}, headers {copies[0][2]}")
    say(f"  group {GROUP}: offset {READ_BY_BILLING} on {TOPIC} (eu) -> {offset} on {REMOTE} (local; it re-reads "
        "from the last offset sync at or below its position, never skips)")
    say("MirrorMaker 2 replicated the topic and the group's offsets")


def main() -> int:
    run_dir = ROOT / ".run" / "demo-mirror"
    run_dir.mkdir(parents=True, exist_ok=True)
    return with_up(run_dir, uuid.uuid4().hex[:8], run)


if __name__ == "__main__":
    sys.exit(main())

"""What the MirrorMaker 2 compatibility tests share: the connectors' configs with short intervals, Kafka's own
``RemoteClusterUtils.translateOffsets`` as an oracle, and views of the internal topics that both sides can match."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.compat._oracle import maven_classpath, require_tool
from tests.integration.connectors.mirror._mm2 import mirror_config

__all__ = ["FAST", "JVM_TIMEOUT_S", "comparable", "configs", "latest", "translate_with_kafka"]

HERE = Path(__file__).resolve().parent
JVM_TIMEOUT_S = 120.0
# reference/mirrormaker2.md "Timing used to keep a check short"
FAST = {"refresh.topics.interval.seconds": "2", "sync.topic.configs.interval.seconds": "2",
        "refresh.groups.interval.seconds": "2", "emit.checkpoints.interval.seconds": "1",
        "sync.group.offsets.enabled": "true", "sync.group.offsets.interval.seconds": "1",
        "emit.heartbeats.interval.seconds": "1", "checkpoints.topic.replication.factor": "1",
        "heartbeats.topic.replication.factor": "1", "heartbeats.replication.enabled": "false"}


def configs(alias: str, source: str, target: str, pattern: str, group: str,
            **extra: str) -> dict[str, dict[str, str]]:
    """The three connectors' configs for ``alias`` (source connector ``source``, checkpoints of ``group``)."""
    base = {**mirror_config(alias, source, target, pattern), **FAST, **extra}
    return {
        "source": base,
        "checkpoint": {**base, "connector.class": "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
                       "groups": group, "tasks.max": "1"},
        "heartbeat": {**base, "connector.class": "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
                      "tasks.max": "1"},
    }


def latest(records: list[Any]) -> dict[tuple[Any, ...], Any]:
    """A compacted topic's view: the last value per key."""
    out: dict[tuple[Any, ...], Any] = {}
    for record in records:
        out[record[:3]] = record
    return out


def translate_with_kafka(bootstrap: str, alias: str, group: str) -> list[tuple[str, int, int, str]]:
    """Kafka's ``RemoteClusterUtils.translateOffsets`` over ``<alias>.checkpoints.internal``: (topic, partition,
    offset, metadata) per partition, metadata up to its first NUL (see ``comparable``)."""
    classpath = maven_classpath(HERE / "pom.xml", "-Dmdep.includeScope=runtime")
    done = subprocess.run([require_tool("java"), "-cp", classpath, str(HERE / "MirrorClientOracle.java"), bootstrap,
                           alias, group], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = []
    for line in done.stdout.splitlines():
        topic, partition, offset, metadata = line.split(" ")
        text = "" if metadata == "-" else bytes.fromhex(metadata).decode()
        out.append((topic, int(partition), int(offset), text.split("\x00", 1)[0]))
    return out


def comparable(checkpoints: dict[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], Any]:
    """Checkpoints without their remote topic's name (each side's alias), and commit metadata up to its first NUL:
    librdkafka, which committed the upstream group here, stores a trailing NUL that Kafka's client carries over, and
    librdkafka's readers (ours) end the text there (README, MirrorMaker 2)."""
    return {(key[0], key[2]): c._replace(topic="", metadata=c.metadata.split("\x00", 1)[0])
            for key, c in checkpoints.items()}

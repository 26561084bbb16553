"""`make demo-stack`: the seed scenario of `make demo` through the deployed stack (`make stack`) on LocalStack.

The same demo/connectors/ bodies go to the coordinator's Function URL; its AWS deployer creates the source
schedules, the sink functions and their Kafka event source mappings through LocalStack's APIs, and LocalStack runs
them (our extension: functions as local processes, Scheduler that fires, Kafka pollers). The one change to the
bodies: the FileStream files are absolute paths under .run/demo-stack/<run>/data/ (inside the local stack's
FileStreamRoots), since a function's working directory is its code folder. The connectors are deleted at the end
(and any left by an earlier run at the start).

Latencies: the first source invocation comes with the schedule's first heartbeat; from then on a source task polls
every ``poll.interval.ms`` through delayed SQS ticks, which need Scheduler's ``<aws.scheduler.scheduled-time>``
(the extension fills it in as AWS does), so the update latencies match `make demo`'s within a few seconds.

`--cluster` (`make demo-stack KAFKA=cluster`, after `make stack KAFKA=cluster`): the same scenario on the three-broker
cluster with MSK's defaults (auto-creation off, RF 3, min ISR 2), its functions and mappings on SASL_SSL/SCRAM; the
source bodies carry KIP-158's ``topic.creation.default.*`` (the broker's replication factor, one partition), so
their topics are created as a Connect worker creates them.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

from demo import postgres_cdc
from demo.seed_scenario import (
    FILE_ROOT,
    NAMES,
    ROOT,
    connector_bodies,
    exclusive,
    prepare,
    run_scenario,
    say,
)
from infra.local import services, stack

# KIP-158 keys of a source on a cluster without automatic topic creation: the broker's replication factor.
TOPIC_CREATION = {"topic.creation.default.replication.factor": "-1", "topic.creation.default.partitions": "1"}


def main(argv: list[str] | None = None) -> int:
    """``python -m demo.stack_scenario [--cluster] [stack-name]`` (default: `make stack`'s, or with ``--cluster``
    `make stack KAFKA=cluster`'s)."""
    args = sys.argv[1:] if argv is None else argv
    cluster = "--cluster" in args
    args = [arg for arg in args if arg != "--cluster"]
    settings = services.ensure()
    name = args[0] if args else stack.CLUSTER_STACK_NAME if cluster else stack.STACK_NAME
    try:
        coordinator = stack.coordinator(name)
    except stack.StackError as error:
        raise SystemExit(f"{error}\nrun `make stack{' KAFKA=cluster' if cluster else ''}` first") from None
    if cluster:  # the demo's own reads, resets and checks on the cluster (plaintext: the operator's side)
        settings = {**settings, "kafka": {"bootstrap.servers": settings["kafka-cluster"]["bootstrap.servers"]}}
        say(f"Kafka: the three-broker cluster {settings['kafka']['bootstrap.servers']} (auto-creation off)")
    with exclusive():
        return _run(coordinator, settings, cluster)


def source_extra(cluster: bool) -> dict[str, str]:
    """What the source bodies carry besides demo/connectors/'s: KIP-158 topic creation on the cluster."""
    return dict(TOPIC_CREATION) if cluster else {}


def _run(coordinator: stack.FunctionUrl, settings: dict[str, dict[str, str]], cluster: bool) -> int:
    say(f"coordinator Function URL {coordinator.url} (requests go to LocalStack with Host: {coordinator.host})")
    delete_connectors(coordinator, "of an earlier run")
    run_dir = ROOT / ".run" / "demo-stack" / uuid.uuid4().hex[:8]  # new files: no FileStream offsets to inherit
    prepare(settings, run_dir)
    bodies: dict[str, dict[str, Any]] = connector_bodies(run_dir / FILE_ROOT)
    for body in bodies.values():
        if "topics" not in body["config"] and "topics.regex" not in body["config"]:  # a source
            body["config"].update(source_extra(cluster))
    try:
        run_scenario(coordinator.request, coordinator.url.rstrip("/"), settings, run_dir, bodies,
                     source_extra=source_extra(cluster))
    finally:
        # As `make demo` stops lambda-connect up: nothing keeps running (their consumer groups, connect-<name>, are
        # the same as make demo's).
        delete_connectors(coordinator, "at the end of the demo")
    return 0


def delete_connectors(coordinator: stack.FunctionUrl, when: str) -> None:
    """DELETE the demo's connectors: the coordinator removes their schedules, functions and mappings."""
    for name in (*NAMES, postgres_cdc.NAME):
        if coordinator.request("GET", f"/connectors/{name}")[0] == 200:
            status, answer = coordinator.request("DELETE", f"/connectors/{name}")
            say(f"deleted {name} {when} -> {status}")
            if status != 204:
                raise SystemExit(f"deleting {name} failed: {status} {answer}")


if __name__ == "__main__":
    sys.exit(main())

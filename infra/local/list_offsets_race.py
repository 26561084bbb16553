"""Reproduce librdkafka's ListOffsets leader-query race (a SIGSEGV in ``AdminClient.list_offsets``).

``rd_kafka_ListOffsets`` runs the first pass of ``rd_kafka_topic_partition_list_query_leaders_async_worker``
(src/rdkafka_partition.c) on the calling thread. When a partition's leader is not in the client's metadata cache
(a fresh client), that pass registers the request's enq-once with the cache observers
(``rd_kafka_metadata_cache_wait_state_change_async``) and, after releasing the lock, goes on using the request
(``rd_kafka_timer_is_started``, then ``rd_kafka_enq_once_add_source(rko->rko_u.leaders.eonce, "query timer")``).
A metadata answer landing in between (the refresh the other ListOffsets in flight asked for, or a new client's
bootstrap answer) makes librdkafka's main thread run the same worker, find every leader, reply, clear ``eonce`` and
free the request: the calling thread then locks a NULL mutex (``pthread_mutex_lock(mutex=0x0)``), the stack CI saw.

On its own the window is a few instructions wide: a thread preempted there on a loaded machine hits it now and then.
``--stall`` runs each child under gdb (non-stop) and holds the calling thread 3 ms at ``rd_kafka_timer_is_started``,
which is what such a preemption does, so the race shows at once instead of after hours.

Usage (against the local broker; needs gdb for --stall)::

    python -m infra.local.list_offsets_race --mode raw --stall --procs 2 --seconds 60      # crashes
    python -m infra.local.list_offsets_race --mode guarded --stall --procs 2 --seconds 60  # does not

``raw`` sends the two ListOffsets of ``log_bounds`` on a fresh AdminClient as the code did before; ``guarded`` calls
``connect_core.kafka.read_to_end.log_bounds`` (whose ``leaders_in_cache`` fills the client's cache first).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

PARTITIONS = 25
_DONE = "LIST-OFFSETS-CALL-DONE"
_GDB_STALL = """set pagination off
set confirm off
set non-stop on
set breakpoint pending on
handle SIGPIPE nostop noprint pass
break rd_kafka_timer_is_started if $_thread == 1
commands
silent
shell sleep 0.003
continue
end
run
"""


def _raw(admin: object, topic: str, partitions: list[int]) -> None:
    from confluent_kafka import IsolationLevel, TopicPartition
    from confluent_kafka.admin import OffsetSpec

    latest = admin.list_offsets(  # type: ignore[attr-defined]
        {TopicPartition(topic, p): OffsetSpec.latest() for p in partitions},
        isolation_level=IsolationLevel.READ_UNCOMMITTED, request_timeout=30)
    spin_until = time.perf_counter() + random.random() * 0.0015  # the first one's metadata answer lands at a
    while time.perf_counter() < spin_until:  # different point of the second one's leader query each time
        pass
    earliest = admin.list_offsets(  # type: ignore[attr-defined]
        {TopicPartition(topic, p): OffsetSpec.earliest() for p in partitions},
        isolation_level=IsolationLevel.READ_UNCOMMITTED, request_timeout=30)
    for future in [*latest.values(), *earliest.values()]:
        future.result(timeout=30)


def child(bootstrap: str, topic: str, mode: str, seconds: float, calls: int = 0) -> None:
    """Fresh AdminClients asking both bounds of ``topic`` for ``seconds`` (or ``calls`` times); a line per call."""
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.read_to_end import log_bounds

    partitions = list(range(PARTITIONS))
    deadline = time.monotonic() + seconds
    done = 0
    while (done < calls) if calls else (time.monotonic() < deadline):
        done += 1
        admin = AdminClient({"bootstrap.servers": bootstrap})
        time.sleep(0.03)  # connected: the first ListOffsets sends its own metadata request at once
        if mode == "raw":
            _raw(admin, topic, partitions)
        else:
            log_bounds(admin, topic, partitions, partitions, timeout_s=30)
        del admin
        print(_DONE, flush=True)  # the parent counts these even when the child crashes later


def child_command(bootstrap: str, topic: str, mode: str, *, stall: bool, seconds: float = 10.0,
                  calls: int = 0) -> list[str]:
    """The command line of one child (under gdb when ``stall``); ``topic`` needs ``PARTITIONS`` partitions."""
    command = [sys.executable, "-m", "infra.local.list_offsets_race", "--bootstrap", bootstrap,
               "--child-seconds", str(seconds), "--child-calls", str(calls), "--child", topic, mode]
    if not stall:
        return command
    script = os.path.join(tempfile.mkdtemp(prefix="list-offsets-race-"), "stall.gdb")
    with open(script, "w") as file:
        file.write(_GDB_STALL)
    return ["gdb", "-q", "-batch", "-x", script, "--args", *command]


def outcome(output: str, returncode: int) -> tuple[int, bool]:
    """(calls completed, crashed) of a finished child from its output and exit status."""
    return output.count(_DONE), returncode == -11 or "SIGSEGV" in output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--mode", choices=("raw", "guarded"), default="raw")
    parser.add_argument("--stall", action="store_true", help="widen the race: children under gdb (see above)")
    parser.add_argument("--procs", type=int, default=2, help="children at once")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the whole run lasts")
    parser.add_argument("--child-seconds", type=float, default=10.0, help="how long one child process lives")
    parser.add_argument("--child-calls", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, metavar=("TOPIC", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.bootstrap, args.child[0], args.child[1], args.child_seconds, args.child_calls)
        return 0

    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    topic = f"list-offsets-race-{uuid.uuid4().hex}"
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    command = child_command(args.bootstrap, topic, args.mode, stall=args.stall, seconds=args.child_seconds)
    crashes = calls = children = 0
    deadline = time.monotonic() + args.seconds
    running: list[tuple[subprocess.Popen[bytes], Any]] = []  # (child, its output file: a pipe would fill up)
    try:
        while time.monotonic() < deadline or running:
            while time.monotonic() < deadline and len(running) < args.procs:
                output = tempfile.TemporaryFile()
                running.append((subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                                 env={**os.environ, "PYTHONFAULTHANDLER": ""}), output))
            for process, output in list(running):
                if process.poll() is None:
                    continue
                running.remove((process, output))
                children += 1
                output.seek(0)
                out = output.read().decode(errors="replace")
                output.close()
                completed, crashed = outcome(out, process.returncode)
                calls += completed
                if crashed:
                    crashes += 1
                    if "mutex=0x0" in out:
                        print("crash: pthread_mutex_lock(mutex=0x0)", file=sys.stderr)
                elif process.returncode != 0:
                    print(f"child exited {process.returncode}: {out[-2000:]}", file=sys.stderr)
            time.sleep(0.05)
    finally:
        for process, _output in running:
            process.kill()
        admin.delete_topics([topic])[topic].result(30)
    print(f"mode={args.mode} stall={args.stall} children={children} crashed={crashes} calls_completed={calls}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

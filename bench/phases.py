"""Process CPU by phase of our side of case 4a: ``python -m bench.phases [records] [repetitions]``.

Runs ``connect_java.ours_file`` (FileStream source -> Kafka -> FileStream sink, the mapping emulated as in
``make bench``) once to warm up, then ``repetitions`` times (default 3) with each phase's process CPU summed: the
source invocation, the sink invocations, the Lambda runtime's ``json.loads`` of each event, the mapping's consuming
and event building (the mapping's work: inside the bench's total, outside its function-only column). Process CPU
includes librdkafka's threads, which run beside whichever phase is current.
"""

from __future__ import annotations

import collections
import sys
import time
from typing import Any

from bench import common, jvm_worker, mapping


def _instrument(spent: collections.defaultdict[str, float]) -> None:
    """Sum each phase's process CPU into ``spent``: the runners, the event codec and the mapping's consumer."""
    import confluent_kafka

    from connect_core.local import kafka_trigger
    from connect_core.runtime import sink_runner, source_runner

    cpu = time.process_time

    def timed(owner: Any, name: str, phase: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = cpu()
            try:
                return original(*args, **kwargs)
            finally:
                spent[phase] += cpu() - began

        setattr(owner, name, wrapper)

    timed(source_runner.SourceRunner, "run", "source invocation")
    timed(sink_runner.SinkRunner, "handle", "sink invocations")
    timed(mapping.json, "loads", "the runtime's json.loads of the events")
    timed(mapping.json, "dumps", "(mapping) the events' JSON text")
    timed(kafka_trigger, "build_event", "(mapping) the events")

    class TimedConsumer(confluent_kafka.Consumer):  # the mapping's consumer, as _sink_from_topic creates it
        def consume(self, *args: Any, **kwargs: Any) -> Any:
            began = cpu()
            try:
                return super().consume(*args, **kwargs)
            finally:
                spent["consuming (the mapping's fetch)"] += cpu() - began

    confluent_kafka.Consumer = TimedConsumer  # type: ignore[misc]


def main(argv: list[str]) -> int:
    """Print each repetition's CPU per line, by phase."""
    from bench.cases import connect_java

    records = int(argv[0]) if argv else 100_000
    repetitions = int(argv[1]) if len(argv) > 1 else 3
    spent: collections.defaultdict[str, float] = collections.defaultdict(float)
    _instrument(spent)
    cpu = time.process_time
    common.allow_bench_files()
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    cluster = common.Cluster.create(bootstrap)
    directory = jvm_worker.RUN_DIR / f"phases-{common.RUN_ID}"
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / "input.txt"
    source.write_text("".join(f"line {i} lorem ipsum dolor sit amet consectetur\n" for i in range(records)))
    settings = common.Settings.from_env(records=records)
    try:
        for repetition in range(repetitions + 1):
            spent.clear()
            began = cpu()
            moved = connect_java.ours_file(cluster, bootstrap, source, directory / f"out-{repetition}.txt",
                                           records=records, batch=settings.batch)
            total = cpu() - began
            if repetition == 0:
                continue  # the warm-up
            mapping = sum(v for k, v in spent.items() if k.startswith("(mapping)"))
            ours = total - mapping
            print(f"repetition {repetition}: {moved:,} lines, ours {ours / moved * 1e6:.1f} us a line "
                  f"(the mapping's encoding apart: {mapping / moved * 1e6:.1f})")
            for phase, seconds in sorted(spent.items(), key=lambda item: -item[1]):
                if not phase.startswith("(mapping)"):
                    print(f"    {phase:42s} {seconds / moved * 1e6:6.2f} us a line  {100 * seconds / ours:5.1f}%")
            rest = ours - sum(v for k, v in spent.items() if not k.startswith("(mapping)"))
            print(f"    {'the rest (connector set-up, closes)':42s} {rest / moved * 1e6:6.2f} us a line")
    finally:
        cluster.close()
        for leftover in directory.glob("*"):
            leftover.unlink()
        directory.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

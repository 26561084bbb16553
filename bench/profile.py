"""Profile our side of a case-4 sub-case (no JVM): ``python -m bench.profile file|jdbc|pair|s3|s3-mapping [records]``.

Runs one warm-up and one profiled repetition of ``connect_java.ours_file`` (FileStream source -> Kafka -> FileStream
sink), of the JDBC upsert sink fed from the topic (4b), of 4p's pair (``jdbc_pair.ours_pair``: JDBC source
invocation, then the JDBC sink upserting with ``pk.mode=record_value``) or of 4c's S3 sink as a pull-mode task (the
goal's row; ``s3-mapping``: behind the emulated mapping; ``connect_java_s3.ours_config``, ``BENCH_BATCH`` records a
batch and a file), under pyinstrument, and writes ``bench/results/profiles/<case>-<records>.{html,txt}`` (the flame
graph and the call tree bench/README quotes) plus the CPU seconds of the profiled repetition. ``BENCH_PROFILE=0``:
the CPU of three unprofiled repetitions instead; ``BENCH_PROFILE=mem``: the memory of one (``_memory``: RSS
high-water mark, tracemalloc's peak, what is allocated when the S3 task flushes a batch it holds whole).
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

from bench import common, jvm_worker, mapping, mariadb_rows, sink_data

OUT = common.RESULTS / "profiles"


def main(argv: list[str]) -> int:
    """Profile case ``argv[0]`` (the module's list) at ``argv[1]`` records (default 100,000)."""
    from bench.cases import connect_java, jdbc_pair

    case = argv[0] if argv else "file"
    records = int(argv[1]) if len(argv) > 1 else 100_000
    settings = common.Settings.from_env(records=records)
    common.allow_bench_files()
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    cluster = common.Cluster.create(bootstrap)
    directory = jvm_worker.RUN_DIR / f"profile-{common.RUN_ID}"
    directory.mkdir(parents=True, exist_ok=True)
    tables: list[str] = []
    db = common.services("mariadb")["mariadb"] if case in ("jdbc", "pair") else {}
    if case == "pair":  # 4p's source table, read by every repetition
        tables.append(_source_table(db, records))
    s3 = _S3Sink(cluster, settings, bootstrap, pull=case == "s3") if case in ("s3", "s3-mapping") else None

    def once(rep: int) -> int:
        if s3 is not None:
            return s3.once(rep)
        if case == "file":
            source = directory / "input.txt"
            if not source.exists():
                source.write_text("".join(f"line {i} lorem ipsum dolor sit amet consectetur\n"
                                          for i in range(records)))
            return connect_java.ours_file(cluster, bootstrap, source, directory / f"out-{rep}.txt",
                                          records=records, batch=settings.batch)
        if case == "pair":
            prefix = common.unique("prof") + "-"
            mapping.create_topic(bootstrap, prefix + tables[0])
            mapping.MADE_TOPICS.append(prefix + tables[0])
            tables.append(common.unique("prof_up").replace("-", "_"))
            return jdbc_pair.ours_pair(cluster, bootstrap, db, tables[0], topic_prefix=prefix, sink_table=tables[-1],
                                       records=records, batch=settings.batch)
        data = sink_data.SinkData.topic_only(settings)
        tables.append(common.unique("prof").replace("-", "_"))
        name = common.unique("jdbc")
        cluster.deploy(
            name, {**mariadb_rows.mariadb_config(db, tables[-1]), "topics": data.topic, **mariadb_rows.CONVERTERS}
        )
        return mapping.sink_from_topic(cluster, name, bootstrap, data.topic, records=records,
                                             batch=settings.batch)

    try:
        once(0)
        mode = os.environ.get("BENCH_PROFILE", "1")
        if mode != "1":  # "0": the CPU of 3 unprofiled repetitions; "mem": the memory of one
            _unprofiled(mode, f"{case} at {records}", f"{case}-{records}-memory", settings.batch, once)
            return 0
        profiler, moved, cpu = _profiled(once)
    finally:
        if s3 is not None:
            s3.close()
        cluster.close()
        mapping.drop_made_topics(bootstrap)
        if tables:
            from bench import dataset

            dataset.drop_tables(db, tables)
        for leftover in directory.glob("*"):
            leftover.unlink()
        directory.rmdir()
    _write(profiler, f"{case}-{records}",
           f"{case} at {records} records: moved {moved}, {cpu:.2f} cpu-s, {moved / cpu:,.0f} records/cpu-s\n")
    return 0


def _profiled(once: Callable[[int], int]) -> tuple[Any, int, float]:
    """One repetition under pyinstrument: the profiler, the records moved and the CPU seconds."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002)  # coarse enough for a small flame graph file
    cpu0 = time.process_time()
    profiler.start()
    moved = once(1)
    profiler.stop()
    return profiler, moved, time.process_time() - cpu0


def _source_table(db: dict[str, str], records: int) -> str:
    """A fresh dataset table of ``records`` rows (4p's source)."""
    from bench import dataset

    table = common.unique("prof_src").replace("-", "_")
    dataset.create_table(db, table, records)
    return table


class _S3Sink:
    """4c's S3 sink over the sink rows' topic, as a pull-mode task (``pull``: batches of at most 10,000, Lambda's
    limit) or behind the emulated mapping (events of any size): a fresh connector a repetition (a pull task's consumer
    group starts at the topic's start), its objects read back (every id once) and deleted outside the measured span."""

    def __init__(self, cluster: common.Cluster, settings: common.Settings, bootstrap: str, *, pull: bool) -> None:
        import boto3

        from bench.cases import connect_java_s3

        self.cluster, self.settings, self.s3 = cluster, settings, connect_java_s3
        self.bootstrap, self.pull = bootstrap, pull
        self.aws = common.services("localstack")["localstack"]
        self.client = boto3.client("s3", **self.aws)
        self.bucket = common.unique("prof-s3")
        self.client.create_bucket(Bucket=self.bucket)
        self.data = sink_data.SinkData.topic_only(settings)

    def once(self, rep: int) -> int:
        """One repetition: every record of the topic into objects of ``BENCH_BATCH`` records."""
        name, batch = common.unique("s3pull"), self.settings.batch
        config = self.s3.ours_config(self.aws, self.bucket, self.data.topic, name, batch)
        if self.pull:
            self.cluster.deploy(name, config | mapping.PULL_CONFIG | {"lambda.batch.size": str(batch)})
            moved = mapping.pull_from_topic(self.cluster, name, records=self.data.records)
        else:
            self.cluster.deploy(name, config)
            moved = mapping.sink_from_topic(self.cluster, name, self.bootstrap, self.data.topic,
                                            records=self.data.records, batch=batch)
        try:
            self.s3.landed(self.client, self.bucket, name + "/", self.data.records)
        finally:
            self.s3.clear(self.client, self.bucket, name + "/")
        return moved

    def close(self) -> None:
        """Delete what is left in the bucket, and the bucket."""
        self.s3.clear(self.client, self.bucket, "")
        self.client.delete_bucket(Bucket=self.bucket)


def _unprofiled(mode: str, label: str, stem_name: str, batch: int, once: Callable[[int], int]) -> None:
    """``BENCH_PROFILE=0`` (:func:`_timed`) or ``mem`` (:func:`_memory`)."""
    if mode == "mem":
        _memory(stem_name, f"{label} records, batch {batch}", once)
    else:
        _timed(label, once)


def _memory(stem_name: str, label: str, once: Callable[[int], int]) -> None:
    """One repetition under tracemalloc: the process's RSS high-water mark before and after (VmHWM), tracemalloc's
    peak, and the 25 lines that hold the most when the S3 task flushes (the batch converted and held whole), written
    to ``OUT/<stem_name>.txt``."""
    import tracemalloc

    from connect_core.connectors.s3.sink_task import S3SinkTask

    at_flush: list[Any] = []
    flush = S3SinkTask.flush

    def snapshot_then_flush(task: S3SinkTask, current_offsets: Any) -> None:
        if task._buffer and not at_flush:
            at_flush.append((tracemalloc.get_traced_memory()[0], tracemalloc.take_snapshot()))
        flush(task, current_offsets)

    hwm_before = _hwm_mib()
    tracemalloc.start(8)
    S3SinkTask.flush = snapshot_then_flush  # type: ignore[method-assign,assignment]
    try:
        cpu0 = time.process_time()
        moved = once(1)
        cpu = time.process_time() - cpu0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        S3SinkTask.flush = flush  # type: ignore[method-assign]
        tracemalloc.stop()
    lines = [f"{label}: moved {moved}, {cpu:.2f} cpu-s under tracemalloc; VmHWM {hwm_before:.1f} -> "
             f"{_hwm_mib():.1f} MiB; tracemalloc peak {peak / 2**20:.1f} MiB"]
    if at_flush:
        traced, snap = at_flush[0]
        lines.append(f"at the first flush with a batch held: {traced / 2**20:.1f} MiB traced; by line:")
        for stat in snap.statistics("lineno")[:25]:
            frame = stat.traceback[0]
            lines.append(f"  {stat.size / 2**20:7.2f} MiB {stat.count:>9,} blocks  {frame.filename}:{frame.lineno}")
    text = "\n".join(lines) + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{stem_name}.txt").write_text(text)
    print(text)


def _hwm_mib() -> float:
    """This process's peak RSS so far (VmHWM), MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _timed(label: str, once: Callable[[int], int]) -> None:
    """Print the CPU seconds (all, and the emulated mapping's) and rate of three unprofiled repetitions."""

    samples = [mapping.measure_ours(lambda rep=rep: once(rep)) for rep in range(2, 5)]
    print(f"{label}: cpu-s {[round(x.cpu_s, 3) for x in samples]}, esm cpu-s "
          f"{[round(x.esm_cpu_s, 3) for x in samples]}, records/cpu-s "
          f"{[round(x.records / x.cpu_s) for x in samples]}")


def _write(profiler: Any, stem_name: str, header: str) -> None:
    """The flame graph and the call tree (``header`` on top) to ``OUT/<stem_name>.{html,txt}``; the tree's head
    printed."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / stem_name
    stem.with_suffix(".html").write_text(profiler.output_html())
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    stem.with_suffix(".txt").write_text(header + text)
    print(header + text[:6000])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Profile our side of a case-4 sub-case (no JVM): ``python -m bench.profile file|jdbc|pair [records]``.

Runs one warm-up and one profiled repetition of ``connect_java.ours_file`` (FileStream source -> Kafka -> FileStream
sink), of the JDBC upsert sink fed from the topic (4b), or of 4p's pair (``jdbc_pair.ours_pair``: JDBC source
invocation, then the JDBC sink upserting with ``pk.mode=record_value``), under pyinstrument, and writes
``bench/results/profiles/<case>-<records>.{html,txt}`` (the flame graph and the call tree bench/README quotes) plus
the CPU seconds of the profiled repetition.
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
    """Profile ``argv[0]`` (``file``, ``jdbc`` or ``pair``) at ``argv[1]`` records (default 100,000)."""
    from pyinstrument import Profiler

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

    def once(rep: int) -> int:
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
        if os.environ.get("BENCH_PROFILE", "1") == "0":  # timing only: CPU of 3 unprofiled repetitions
            _timed(f"{case} at {records}", once)
            return 0
        profiler = Profiler(interval=0.002)  # coarse enough for a small flame graph file
        cpu0 = time.process_time()
        profiler.start()
        moved = once(1)
        profiler.stop()
        cpu = time.process_time() - cpu0
    finally:
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


def _source_table(db: dict[str, str], records: int) -> str:
    """A fresh dataset table of ``records`` rows (4p's source)."""
    from bench import dataset

    table = common.unique("prof_src").replace("-", "_")
    dataset.create_table(db, table, records)
    return table


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

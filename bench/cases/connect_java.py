"""Case 4: side by side with Apache Kafka Connect (``KAFKA_VERSION``, standalone worker, jars from Maven Central).

Same broker, same data, same machine, one run. The figure is records per CPU-second of each process: the JVM's
utime+stime from /proc (from just before its connectors are created until the last record landed), and ours as
``time.process_time()`` of this process (librdkafka threads included) for the same work, consuming included:
- FileStream: file -> Kafka -> file. Ours: one ``SourceRunner`` invocation of FileStreamSource, then the topic
  consumed into Lambda events of ``BENCH_BATCH`` records for ``SinkRunner`` + FileStreamSink. Theirs: the same two
  connectors (connect-file) in the worker. Beside them, the raw floor (``raw_file``): the least a Python function
  does for the same bytes under Lambda's delivery model, measured the same way in the same repetitions.
- Kafka -> MariaDB upsert: ours ``SinkRunner`` + JdbcSink (upsert on the key) vs Debezium's JDBC sink
  (``io.debezium:debezium-connector-jdbc`` jvm_worker.plugin archive from Central) on the same topic.
- Kafka -> S3 (LocalStack), 4c, and the pair JDBC source -> Kafka -> S3, 4q (``connect_java_s3``): ours vs Apache
  Camel's Kafka connector (``CamelSinkConnector`` 0.11.0 + ``aws2-s3``, aggregated as ours' ``flush.size``).
- Kafka -> OpenSearch, 4o (``connect_java_opensearch``): ours vs the same Camel connector + ``elasticsearch-rest``,
  one ``_bulk`` per batch on both sides.
- 4a, 4r, 4b, 4c, 4o and 4u also give a pull-mode row: ours' sink as a pull-mode task consuming its own copy of the
  topic, measured in the same repetitions (``side_by_side.pull_row``).
- CDC -> Kafka: ours (MariaDbConnector, 4d; PostgresConnector, 4e in ``connect_java_pg``) vs Debezium's.
- The tutorial pipeline PostgreSQL CDC -> ExtractNewRecordState -> JDBC upsert, 4u (``connect_java_pg_pipeline``):
  ours vs Debezium's PostgresConnector + the same SMT + Debezium's JDBC sink.
- MirrorMaker 2 (4m, ``connect_java_mirror``): ours ``MirrorSourceConnector`` vs Kafka's connect-mirror on a
  distributed worker with exactly-once source support.
The JVM is started once (its start-up is not counted); each sub-case repeats with fresh topics, files and tables.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import os
import re
import time
from typing import TYPE_CHECKING, Any

from bench import common, dataset, jvm_worker, mapping, mariadb_rows, side_by_side, sink_data
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:

    from pathlib import Path

    from bench.common import Result, Sample, Settings

SUB_CASES = ("4a", "4r", "4b", "4c", "4o", "4d", "4p", "4q", "4e", "4u", "4m")


class LineCount:
    """The lines of a file a FileStreamSink appends to, read from where the last call stopped: the JVM's 4a/4r
    span is polled every 0.2-1 s, and reading its whole output each time (430 MB at 4r's million lines) took CPU
    from the JVM being measured."""

    def __init__(self, path: Path) -> None:
        """Nothing read yet (the file may not exist yet)."""
        self.path, self.offset, self.lines = path, 0, 0

    def __call__(self) -> int:
        """The lines in the file now."""
        if not self.path.exists():
            return 0
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                self.lines += chunk.count(b"\n")
                self.offset += len(chunk)
        return self.lines


# -- ours ------------------------------------------------------------------------------------------
def ours_file(cluster: common.Cluster, bootstrap: str, source: Path, out: Path, *, records: int, batch: int,
              pull: bool = False) -> int:
    """FileStreamSource invocation, then the topic consumed into events for FileStreamSink invocations (``pull``:
    the sink a pull-mode task consuming the topic itself)."""
    from connect_core.runtime.source_runner import SourceRunner

    topic, name = common.unique("file"), common.unique("file-src")
    mapping.MADE_TOPICS.append(topic)
    source_config = {"connector.class": "FileStreamSource", "file": str(source), "topic": topic,
                     "batch.size": "2000", "tasks.max": "1"}
    cluster.deploy(name, source_config)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        produced = runner.run(name, 0, common.budget()).records
    finally:
        runner.close()
    sink = common.unique("file-sink")
    config = {"connector.class": "FileStreamSink", "file": str(out), "topics": topic, "tasks.max": "1"}
    if pull:
        cluster.deploy(sink, config | mapping.PULL_CONFIG | {"lambda.batch.size": str(batch)})
        return mapping.pull_from_topic(cluster, sink, records=min(produced, records))
    cluster.deploy(sink, config)
    return mapping.sink_from_topic(cluster, sink, bootstrap, topic, records=min(produced, records), batch=batch)


# -- the raw floor of 4a ---------------------------------------------------------------------------
STRING_ENVELOPE = b'{"schema":{"type":"string","optional":false},"payload":'  # JsonConverter's, a string schema


_FOUR_BYTES = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")  # one UTF-8 character above the Basic Multilingual Plane


def _surrogates(match: re.Match[bytes]) -> bytes:
    code = ord(match.group().decode()) - 0x10000
    return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}".encode()


def raw_file(bootstrap: str, source: Path, out: Path, *, records: int, batch: int) -> int:
    """The least a Python function does for 4a under Lambda's delivery model, no framework: the file's lines
    produced as JsonConverter's string envelope (an idempotent producer, no transaction, no offsets stored), the
    topic consumed into the same Lambda events, and each event's values decoded and written (one flush per
    event, no fsync, no offsets committed). 4a's ours and the JVM do more than this; nothing can do less and
    still move the same bytes, so its rate is the ceiling of any Python 4a here. The envelope is orjson's text
    with characters above the Basic Multilingual Plane escaped as Jackson escapes them: Jackson's bytes for the
    bench's line sets (no control characters but tab)."""

    import orjson
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = common.unique("rawfile")
    mapping.MADE_TOPICS.append(topic)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5,
                         "delivery.report.only.error": True})
    dumps, envelope, sent = orjson.dumps, STRING_ENVELOPE, 0
    astral, escape = _FOUR_BYTES.search, _FOUR_BYTES.sub
    with source.open("rb") as lines:
        for line in lines:
            if sent == records:
                break
            text = dumps(line.rstrip(b"\n").decode())
            if astral(text):  # orjson writes them as UTF-8, Jackson as escaped surrogate pairs
                text = escape(_surrogates, text)
            mapping.produce_waiting(producer, topic, envelope + text + b"}")
            sent += 1
    if producer.flush(60):
        raise RuntimeError(f"{topic}: records left unsent after 60 s")
    b64decode, loads = base64.b64decode, orjson.loads

    with out.open("w", encoding="utf-8") as written:
        def invoke(event: dict[str, Any]) -> int:
            payloads = [loads(b64decode(record["value"]))["payload"]
                        for partition in event["records"].values() for record in partition]
            written.write("\n".join(payloads) + "\n")
            written.flush()
            return len(payloads)

        return mapping.consume_as_mapping(bootstrap, topic, invoke, records=sent, batch=batch)


# -- sub-cases -------------------------------------------------------------------------------------


LINE_SETS = {"ascii": dataset.ascii_lines, "realistic": dataset.realistic_lines}


def _lines_file(directory: Path, records: int, lines: str = "ascii") -> Path:
    """The input file of ``records`` lines of one of ``LINE_SETS``, written once per run and size."""
    source = directory / f"input-{lines}-{records}.txt"
    if not source.exists():
        with common.phase("prepare: input file"), source.open("w", encoding="utf-8", newline="\n") as out:
            out.writelines(line + "\n" for line in LINE_SETS[lines](records))
    return source


def file_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str,
              lines: str = "ascii") -> list[Result]:
    """FileStream source -> Kafka -> FileStream sink on both sides, over one of ``LINE_SETS``, with the raw floor and
    ours with a pull-mode sink measured beside ours in every repetition (the order rotated each time): the mapping
    row and its pull-mode row."""
    directory = jvm_worker.RUN_DIR / f"files-{common.RUN_ID}"
    directory.mkdir(parents=True, exist_ok=True)

    def size(rep: int) -> int:
        return side_by_side.warmup_size(settings.records) if rep < 0 else settings.records

    kept: dict[str, list[Sample]] = {}
    same_as_source: list[bool] = []

    def ours(rep: int) -> Sample:
        """Ours, the raw floor and ours with a pull-mode sink (its own topic), one after the other, the order
        rotated every repetition."""
        records = size(rep)
        source, out = _lines_file(directory, records, lines), directory / f"ours-{settings.records}-{rep}.txt"
        floor = directory / f"raw-{settings.records}-{rep}.txt"
        pulled_out = directory / f"pull-{settings.records}-{rep}.txt"

        def mine() -> Sample:
            return mapping.measure_ours(lambda: ours_file(cluster, bootstrap, source, out, records=records,
                                                  batch=settings.batch))

        def least() -> Sample:
            return mapping.measure_ours(
                lambda: raw_file(bootstrap, source, floor, records=records, batch=settings.batch)
            )

        def pulled() -> Sample:
            return mapping.measure_ours(lambda: ours_file(cluster, bootstrap, source, pulled_out, records=records,
                                                          batch=settings.batch, pull=True))

        sample = side_by_side.rotated(rep, [("ours", mine), ("raw", least), ("ours, pull mode", pulled)], kept)
        with common.phase("clean-up"):
            if rep >= 0:
                same_as_source.append(pulled_out.stat().st_size == out.stat().st_size
                                      and pulled_out.read_bytes() == out.read_bytes())
            out.unlink(missing_ok=True)
            floor.unlink(missing_ok=True)
            pulled_out.unlink(missing_ok=True)
        mapping.drop_made_topics(bootstrap)
        return sample

    def theirs(rep: int) -> Sample:
        records = size(rep)
        topic, out = common.unique("jfile"), directory / f"theirs-{settings.records}-{rep}.txt"
        mapping.MADE_TOPICS.append(topic)
        connectors = {
            common.unique("jsrc"): {"connector.class": "FileStreamSource", "tasks.max": "1", "topic": topic,
                                    "file": str(_lines_file(directory, records, lines))},
            common.unique("jsink"): {"connector.class": "FileStreamSink", "file": str(out), "topics": topic,
                                     "tasks.max": "1"},
        }
        try:
            lines_in = LineCount(out)
            return worker.timed(connectors, lambda: lines_in() >= records, records, 1800)
        finally:
            out.unlink(missing_ok=True)
            mapping.drop_made_topics(bootstrap)

    try:
        mine, java, load = side_by_side.interleaved(settings, ours, theirs)
    finally:
        for leftover in directory.glob("*.txt"):
            leftover.unlink()
    key = "4a" if lines == "ascii" else "4r"
    raw = kept.get("raw", [])
    row = side_by_side.method_row(f"{key} filestream {lines} lines {side_by_side.size_label(settings.records)}",
                      f"Kafka Connect {KAFKA_VERSION} standalone, connect-file ({lines} lines)", mine, java, raw=raw,
                      raw_kind="floor", load_avg_1m=load, warmup_records=side_by_side.warmup_size(settings.records),
                      line_set=lines)
    return [row, side_by_side.pull_row(row, kept.get("ours, pull mode", []), java, raw=raw, idle=[],
                                       load_avg_1m=load, line_set=lines,
                                       same_bytes_as_mapping=all(same_as_source) if same_as_source else None)]


def jdbc_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> list[Result]:
    """Kafka -> MariaDB upsert: our JdbcSink behind the emulated mapping, and as a pull-mode task over its own copy of
    the topic, vs Debezium's JDBC sink, fresh tables; the mapping row and its pull-mode row."""

    db = common.services("mariadb")["mariadb"]
    with common.phase("prepare: source topic"):
        measured = sink_data.SinkData.topic_only(settings)
    tables: list[str] = []
    pull_topics: dict[int, str] = {}

    def data_for(rep: int) -> sink_data.SinkData:
        if rep >= 0:
            return measured
        with common.phase("prepare: source topic"):
            return sink_data.SinkData.topic_only(
                dataclasses.replace(settings, records=side_by_side.warmup_size(settings.records))
            )

    def pull_topic(records: int) -> str:
        """The pull side's own copy of the rows, made once per size outside the measured spans."""
        if records not in pull_topics:
            with common.phase("prepare: source topic"):
                pull_topics[records] = common.unique("rows-pull")
                common.produce(bootstrap, pull_topics[records], dataset.sink_records(records))
        return pull_topics[records]

    kept: dict[str, list[Sample]] = {}
    idle: list[Sample] = []

    def config(table: str, topic: str) -> dict[str, str]:
        return {**mariadb_rows.mariadb_config(db, table), "topics": topic, **mariadb_rows.CONVERTERS,
                "batch.size": mariadb_rows.JDBC_BATCH_SIZE}

    def ours(rep: int) -> Sample:
        """Ours, the raw floor and ours in pull mode, one after the other, the order rotated every repetition."""
        data = data_for(rep)
        names = [common.unique(kind).replace("-", "_") for kind in ("ours_up", "raw_up", "pull_up")]
        tables.extend(names)
        name, pull_name = common.unique("jdbc"), common.unique("jdbcpull")
        cluster.deploy(name, config(names[0], data.topic))
        cluster.deploy(pull_name, config(names[2], pull_topic(data.records)) | mapping.PULL_CONFIG
                       | {"lambda.batch.size": str(settings.batch)})

        def mine() -> Sample:
            return mapping.measure_ours(
                lambda: mapping.sink_from_topic(
                    cluster, name, bootstrap, data.topic, records=data.records, batch=settings.batch
                )
            )

        def least() -> Sample:
            return mapping.measure_ours(
                lambda: mariadb_rows.raw_upsert(
                    db, bootstrap, data.topic, names[1], records=data.records, batch=settings.batch
                )
            )

        def pulled() -> Sample:
            return mapping.pull_sample(cluster, pull_name, records=data.records, idle=idle if rep >= 0 else None)

        return side_by_side.rotated(rep, [("ours", mine), ("raw", least), ("ours, pull mode", pulled)], kept)

    def theirs(rep: int) -> Sample:
        data = data_for(rep)
        tables.append(common.unique("dbz_up").replace("-", "_"))
        table = tables[-1]
        config = mariadb_rows.debezium_sink_config(db, data.topic, table, "record_key")
        return worker.timed(
            {common.unique("dbz"): config},
            lambda: mariadb_rows.table_count(db, table, data.records) >= data.records,
            data.records,
            1800,
        )

    try:
        mine, java, load = side_by_side.interleaved(settings, ours, theirs)
    finally:
        with common.phase("clean-up"):
            dataset.drop_tables(db, tables)
            mapping.delete_topics(bootstrap, list(pull_topics.values()))
    raw = kept.get("raw", [])
    row = side_by_side.method_row(
        f"4b kafka -> mariadb upsert vs debezium {side_by_side.size_label(measured.records)}",
        f"Kafka Connect {KAFKA_VERSION} + {mariadb_rows.DEBEZIUM}",
        mine,
        java,
        raw=raw,
        raw_kind="floor",
        load_avg_1m=load,
        warmup_records=side_by_side.warmup_size(settings.records),
        batch_size=mariadb_rows.JDBC_BATCH_SIZE,
    )
    return [row, side_by_side.pull_row(row, kept.get("ours, pull mode", []), java, raw=raw, idle=idle,
                                       load_avg_1m=load, batch_size=mariadb_rows.JDBC_BATCH_SIZE)]


def cdc_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> Result:
    """Binlog -> Kafka: our MariaDbConnector (case 7's invocation) and the raw floor (``binlog_floor.raw_capture`` with
    ``fast_rows``: python-mysql-replication's events from the position before the copy, their row images read by
    ours' generated reader, the same envelope as dicts, orjson, a transactional producer) vs Debezium's in the warm
    worker.

    Every side captures its own ``INSERT ... SELECT`` of the dataset into a fresh table, with Debezium's envelope
    through JsonConverter without schemas. Debezium's connector is created first and streams a probe table until a
    probe row arrives (its binlog reader is running); the JVM's CPU is counted from the copy until the last row
    landed. Ours and the floor run one after the other, the order flipped every repetition."""
    from confluent_kafka import Consumer

    from bench import binlog_floor

    db = common.services("mariadb")["mariadb"]
    with common.phase("prepare: source table"):
        tables = mariadb_rows.CopiedTables(db, settings.records)
    watermarks = Consumer({"bootstrap.servers": bootstrap, "group.id": common.unique("cdc-count")})
    kept: dict[str, list[Sample]] = {}

    def floor() -> Sample:
        """The raw floor over its own fresh copy; the copy is outside its span, as ours' is."""
        table = tables.new_table()
        start = binlog_floor.master_position(db)
        tables.copy(table)
        topic = common.unique("raw-cdc")
        sample = common.measure(lambda: binlog_floor.raw_capture(db, bootstrap, start, table, topic, fast_rows=True))
        if sample.records != settings.records:
            raise RuntimeError(f"4d raw floor: {sample.records} of {settings.records} rows captured")
        return sample

    def ours(rep: int) -> Sample:
        return side_by_side.rotated(rep, [
            ("ours", lambda: mariadb_rows.ours_capture(cluster, tables, settings.records)), ("raw", floor)], kept)

    def theirs(rep: int) -> Sample:
        table, probe = tables.new_table(), tables.new_table()
        name = common.unique("dbzcdc")
        config = mariadb_rows.debezium_mariadb_config(db, name, bootstrap, f"{table}|{probe}", **{
            "snapshot.mode": "no_data", "key.converter.schemas.enable": "false",
            "value.converter.schemas.enable": "false"})
        status, body = worker.rest("PUT", f"/connectors/{name}/config", config)
        if status >= 300:
            raise RuntimeError(f"creating {name} failed: {status} {body}")
        try:
            with common.phase("jvm: connector start"):
                worker.probe("Debezium's binlog reader", lambda row: tables.copy_row(probe, row),
                             lambda: mapping.records_in(watermarks, f"{name}.{db['database']}.{probe}") > 0, 120)
            topic = f"{name}.{db['database']}.{table}"
            return worker.span(f"{name}'s {settings.records} rows", lambda: tables.copy(table),
                               lambda: mapping.records_in(watermarks, topic) >= settings.records, settings.records, 900)
        finally:
            with common.phase("jvm connectors deleted"):
                worker.rest("DELETE", f"/connectors/{name}")

    try:
        mine, java, load = side_by_side.interleaved(settings, ours, theirs)
    finally:
        watermarks.close()
        tables.drop()
    return side_by_side.method_row(
        f"4d binlog cdc -> kafka vs debezium {side_by_side.size_label(settings.records)}",
        f"Kafka Connect {KAFKA_VERSION} + {mariadb_rows.DEBEZIUM_MARIADB}",
        mine,
        java,
        raw=kept.get("raw", []),
        raw_kind="floor",
        load_avg_1m=load,
        warmup_records=settings.records,
    )


def _cdc_rows(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> list[Result]:
    """4d at one size, guarded: a failure is its row."""
    return [side_by_side.guarded("4d binlog cdc -> kafka vs debezium", settings.records,
                                 lambda: cdc_case(settings, worker, cluster, bootstrap))]


def sub_cases() -> tuple[str, ...]:
    """The sub-cases to run, ``BENCH_JAVA_CASES`` (comma list of ``SUB_CASES``; all by default)."""
    chosen = tuple(c.strip() for c in os.environ.get("BENCH_JAVA_CASES", ",".join(SUB_CASES)).split(",") if c.strip())
    unknown = set(chosen) - set(SUB_CASES)
    if unknown:
        raise ValueError(f"BENCH_JAVA_CASES: unknown sub-case(s) {sorted(unknown)}; known: {', '.join(SUB_CASES)}")
    return chosen


def _camel_es_plugin(chosen: tuple[str, ...]) -> tuple[Path | None, str] | None:
    """4o's plugin when 4o is chosen (resolved once per run, cached on disk)."""
    if "4o" not in chosen:
        return None
    from bench.cases.connect_java_opensearch import camel_es_plugin

    return camel_es_plugin()


def _opensearch(results: list[Result], at: Settings, worker: jvm_worker.Worker, cluster: common.Cluster,
                bootstrap: str, *, plugin: tuple[Path | None, str] | None) -> None:
    """4o at one size, when chosen (``plugin`` resolved before the worker started: it scans plugins once)."""
    if plugin is None:
        return
    from bench.cases.connect_java_opensearch import opensearch_rows

    side_by_side.checkpointed(results, f"4o@{at.records}", lambda: opensearch_rows(
        at, worker, cluster, bootstrap, plugin=plugin))


def _pg_pipeline(results: list[Result], at: Settings, worker: jvm_worker.Worker, cluster: common.Cluster,
                 bootstrap: str, *, chosen: tuple[str, ...], plugins: tuple[bool, str]) -> None:
    """4u at one size, when chosen (``plugins``: whether both Debezium plugins resolved, or why not)."""
    if "4u" not in chosen:
        return
    from bench.cases.connect_java_pg_pipeline import pipeline_rows

    side_by_side.checkpointed(results, f"4u@{at.records}", lambda: pipeline_rows(
        at, worker, cluster, bootstrap, plugins=plugins[0], why=plugins[1]))


def _plugin_dir() -> Path:
    """The worker's ``plugin.path`` (made if missing), where ``jvm_worker.plugin`` unpacks the resolved plugins."""
    plugins = jvm_worker.RUN_DIR / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    return plugins


def run(settings: Settings) -> list[Result]:
    """Start one worker, run the sub-cases, stop it; skipped sub-cases say why."""
    if not settings.java:
        return [common.Result("4 kafka connect side by side", None, "", None, settings.records, 0,
                              skipped="BENCH_JAVA=0")]
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    common.allow_bench_files()  # 4a's FileStream files live under .run/bench
    from bench.cases.connect_java_mirror import mirror_cases
    from bench.cases.connect_java_pg import DEBEZIUM_POSTGRES, pg_row
    from bench.cases.connect_java_s3 import camel_plugin, s3_rows

    chosen = sub_cases()
    settings = dataclasses.replace(settings, repeats=side_by_side.java_repeats())
    results: list[Result] = []
    # every plugin resolved before the worker starts: it finds only the plugins that exist then
    camel, camel_es = (camel_plugin() if {"4c", "4q"} & set(chosen) else (None, "")), _camel_es_plugin(chosen)
    debezium, why = (
        jvm_worker.plugin(mariadb_rows.DEBEZIUM, "debezium-connector-jdbc")
        if {"4b", "4p", "4u"} & set(chosen)
        else (None, "")
    )
    debezium_cdc, cdc_why = (jvm_worker.plugin(mariadb_rows.DEBEZIUM_MARIADB, "debezium-connector-mariadb")
                             if {"4d", "4p", "4q"} & set(chosen) else (None, ""))
    debezium_pg, pg_why = (
        jvm_worker.plugin(DEBEZIUM_POSTGRES, "debezium-connector-postgres")
        if {"4e", "4u"} & set(chosen)
        else (None, "")
    )
    plugins = _plugin_dir()
    wall0 = time.perf_counter()
    worker = jvm_worker.Worker(bootstrap, plugins)
    print(f"case 4: the standalone worker started in {time.perf_counter() - wall0:.1f} s", flush=True)
    cluster = common.Cluster.create(bootstrap)
    try:
        for size in side_by_side.sizes(settings):
            at = dataclasses.replace(settings, records=size)
            for key, lines in (("4a", "ascii"), ("4r", "realistic")):
                if key in chosen:
                    side_by_side.checkpointed(
                        results,
                        f"{key}@{size}",
                        lambda at=at, key=key, lines=lines: side_by_side.guarded_rows(
                            f"{key} filestream {lines} lines",
                            at.records,
                            lambda: file_case(at, worker, cluster, bootstrap, lines),
                        ),
                    )
            if "4b" in chosen and debezium is None:
                results.append(
                    common.Result(
                        f"4b kafka -> mariadb upsert vs debezium {side_by_side.size_label(size)}",
                        None,
                        mariadb_rows.DEBEZIUM,
                        None,
                        size,
                        0,
                        skipped=f"not resolvable: {why}",
                    )
                )
            elif "4b" in chosen:
                side_by_side.checkpointed(results, f"4b@{size}", lambda at=at: side_by_side.guarded_rows(
                    "4b kafka -> mariadb upsert vs debezium", at.records, lambda: jdbc_case(at, worker, cluster,
                                                                                            bootstrap)))
            if "4p" in chosen:
                from bench.cases import jdbc_pair

                if debezium is None or debezium_cdc is None:
                    results.append(
                        common.Result(
                            f"{jdbc_pair.NAME} {side_by_side.size_label(size)}",
                            None,
                            jdbc_pair.BASELINE,
                            None,
                            size,
                            0,
                            skipped=f"not resolvable: {why or cdc_why}",
                        )
                    )
                else:
                    side_by_side.checkpointed(results, f"4p@{size}", lambda at=at: [side_by_side.guarded(
                        jdbc_pair.NAME, at.records, lambda: jdbc_pair.pair_case(at, worker, cluster, bootstrap))])
            if {"4c", "4q"} & set(chosen):
                side_by_side.checkpointed(results, f"4c,4q@{size}", lambda at=at: s3_rows(
                    at, worker, cluster, bootstrap, chosen=chosen, camel=camel, debezium_cdc=(debezium_cdc, cdc_why)))
            _opensearch(results, at, worker, cluster, bootstrap, plugin=camel_es)
            if "4e" in chosen:
                side_by_side.checkpointed(
                    results,
                    f"4e@{size}",
                    lambda at=at: [pg_row(at, worker, cluster, bootstrap, plugin=debezium_pg, why=pg_why)],
                )
            _pg_pipeline(results, at, worker, cluster, bootstrap, chosen=chosen,
                         plugins=(debezium is not None and debezium_pg is not None, why or pg_why))
            if "4d" in chosen and debezium_cdc is None:
                results.append(common.Result(f"4d binlog cdc -> kafka vs debezium {side_by_side.size_label(size)}",
                                             None, mariadb_rows.DEBEZIUM_MARIADB, None, size, 0,
                                             skipped=f"not resolvable: {cdc_why}"))
            elif "4d" in chosen:
                side_by_side.checkpointed(results, f"4d@{size}", functools.partial(
                    _cdc_rows, at, worker, cluster, bootstrap))
        if "4m" in chosen:  # a distributed worker of its own (exactly-once source support), after the others
            worker.close()
            # connect-mirror is on the worker's class path: its worker scans no plugin directory
            side_by_side.checkpointed(results, "4m", lambda: mirror_cases(settings, cluster, bootstrap,
                                                                          jvm_worker.no_plugins()))
    finally:
        cluster.close()
        worker.close()
    return results

"""Case 4i: Kafka -> Iceberg, our Iceberg sink against Apache Iceberg's own Kafka Connect sink configured alike.

The JVM: ``org.apache.iceberg.connect.IcebergSinkConnector`` (``iceberg-kafka-connect`` and its runtime jars, the
plugin.path of the compatibility oracle: ``tests/compat/iceberg/pom.xml``, resolved here by Maven, not imported) on
the bench's standalone worker. Both sinks read the topic of JsonConverter rows every sink case reads, auto-create
an unpartitioned table each (a fresh one per side and repetition) in one JDBC catalog on the local PostgreSQL, files
on LocalStack's S3, and commit on the same ``iceberg.control.commit.interval-ms``. The method is case 4's
(bench/README "Method"); what differs is said in bench/README ("4i: Kafka -> Iceberg configured alike").
"""

from __future__ import annotations

import dataclasses
import decimal
import hashlib
import os
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bench import checkpoint, common, dataset, jvm_worker, mapping, mariadb_rows, side_by_side, sink_data
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Result, Sample, Settings

T = TypeVar("T")

ICEBERG_POM = jvm_worker.REPO / "tests" / "compat" / "iceberg" / "pom.xml"  # the oracle's pom, shared by reference
ICEBERG = "org.apache.iceberg:iceberg-kafka-connect:1.10.1"
CONNECTOR = "org.apache.iceberg.connect.IcebergSinkConnector"
NAME = "4i kafka -> iceberg vs apache iceberg sink"
BASELINE = f"Kafka Connect {KAFKA_VERSION} + {ICEBERG} (JDBC catalog on PostgreSQL, S3FileIO on LocalStack)"
COMMIT_INTERVAL_MS = 2000  # both sides; Iceberg's default (300000) would leave the JVM idling minutes per repetition
DELIVERY = ("both exactly once: data files committed with their offsets in the snapshot summary (the JVM's "
            "coordinator over its control topic; ours a commit in the invocation once the interval passed, the last "
            "one forced as a heartbeat would)")


def plugins() -> Path:
    """A ``plugin.path`` with one directory linking every runtime jar of the oracle's pom (cached per pom content)."""
    digest = hashlib.sha256(ICEBERG_POM.read_bytes()).hexdigest()[:8]
    cached = jvm_worker.RUN_DIR / f"iceberg-{digest}.classpath"
    if not (cached.exists() and all(Path(j).exists() for j in cached.read_text().strip().split(os.pathsep))):
        jvm_worker.RUN_DIR.mkdir(parents=True, exist_ok=True)
        done = jvm_worker.mvn("-f", str(ICEBERG_POM), f"{jvm_worker.MAVEN_DEPENDENCY_PLUGIN}:build-classpath",
                              f"-Dmdep.outputFile={cached}", "-Dmdep.includeScope=runtime")
        if done.returncode != 0:
            raise RuntimeError(f"could not resolve {ICEBERG}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    root = jvm_worker.RUN_DIR / f"plugins-iceberg-{digest}"
    plugin = root / "iceberg-kafka-connect"
    plugin.mkdir(parents=True, exist_ok=True)
    for jar in map(Path, cached.read_text().strip().split(os.pathsep)):
        link = plugin / jar.name
        if not link.is_symlink():
            link.symlink_to(jar)
    return root


def catalog_props(bucket: str) -> dict[str, str]:
    """``iceberg.catalog*`` of both sides: a JDBC catalog of this run on the local PostgreSQL, files in ``bucket``."""
    services = common.services("postgres", "localstack")
    pg, aws = services["postgres"], services["localstack"]
    return {
        "iceberg.catalog": common.unique("cat").replace("-", "_"),
        "iceberg.catalog.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        "iceberg.catalog.uri": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{pg['database']}",
        "iceberg.catalog.jdbc.user": pg["user"], "iceberg.catalog.jdbc.password": pg["password"],
        "iceberg.catalog.warehouse": f"s3://{bucket}/warehouse",
        "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        "iceberg.catalog.s3.endpoint": aws["endpoint_url"], "iceberg.catalog.s3.path-style-access": "true",
        "iceberg.catalog.s3.access-key-id": aws["aws_access_key_id"],
        "iceberg.catalog.s3.secret-access-key": aws["aws_secret_access_key"],
        "iceberg.catalog.client.region": aws["region_name"],
    }


def sink_config(catalog: dict[str, str], topic: str, table: str, control: str) -> dict[str, str]:
    """The keys both sides get: one task, ``topic`` into the auto-created ``table``, JsonConverter with schemas,
    the same commit interval; Iceberg's defaults otherwise (no partitioning, no evolution)."""
    return {**catalog, "connector.class": CONNECTOR, "tasks.max": "1", "topics": topic, "iceberg.tables": table,
            "iceberg.tables.auto-create-enabled": "true", "iceberg.control.topic": control,
            "iceberg.control.commit.interval-ms": str(COMMIT_INTERVAL_MS), **mariadb_rows.CONVERTERS}


class _Tables:
    """The run's catalog as pyiceberg opens it: each side's table per repetition, its committed record count, and
    both sides' tables read back and compared outside the measured spans."""

    def __init__(self, catalog: dict[str, str]) -> None:
        from connect_core.connectors.iceberg.config import load_config
        from connect_core.connectors.iceberg.sink_task import open_catalog

        self.catalog = open_catalog(load_config({**catalog, "topics": "unused", "iceberg.tables": "unused.unused"}))
        self.namespace = common.unique("ns").replace("-", "_")
        # per other side ("jvm", "raw", "pull": ours as a pull-mode task) and measured repetition: the same columns
        # as ours in the same order
        self.same: dict[str, list[bool]] = {"jvm": [], "raw": [], "pull": []}
        self.unlike: dict[str, set[str]] = {side: set() for side in self.same}  # columns whose types or values differ
        self.files: dict[str, list[int]] = {"ours": [], "jvm": [], "raw": [], "pull": []}
        # commits (snapshots that added data files) per side and repetition: files per commit compare like for like
        self.commits: dict[str, list[int]] = {side: [] for side in self.files}
        self.pending: dict[int, dict[str, tuple[Any, dict[str, str]]]] = {}  # rep -> side -> rows and types read
        self.compared: dict[int, set[str]] = {}  # rep -> the other sides compared with ours so far

    def name(self, side: str, rep: int) -> str:
        return f"{self.namespace}.{side}_{'warmup' if rep < 0 else rep}"

    def summary(self, name: str) -> dict[str, str]:
        """The current snapshot's summary ({} before the first commit or the table)."""
        from pyiceberg.exceptions import NoSuchTableError

        try:
            snapshot = self.catalog.load_table(name).current_snapshot()
        except NoSuchTableError:
            return {}
        return dict(snapshot.summary.additional_properties) if snapshot else {}

    def total(self, name: str) -> int:
        return int(self.summary(name).get("total-records", 0))

    def read_back(self, side: str, rep: int, records: int) -> None:
        """Read ``side``'s table of ``rep`` (every id 1..``records`` once, or the row fails), compare each other
        side's with ours once both are read (at most two tables held), drop it."""
        import pyarrow.compute as pc

        name = self.name(side, rep)
        try:
            table = self.catalog.load_table(name)
            rows = table.scan().to_arrow().sort_by("id")
            ids = rows.column("id")
            if len(ids) != records or pc.min(ids).as_py() != 1 or pc.max(ids).as_py() != records \
                    or pc.count_distinct(ids).as_py() != records:
                raise RuntimeError(f"{name}: {len(ids)} rows, not ids 1..{records} once each")
            types = {f.name: str(f.field_type) for f in table.schema().fields}
            if rep < 0:
                return
            self.files[side].append(int(self.summary(name).get("total-data-files", 0)))
            self.commits[side].append(sum(1 for snapshot in table.snapshots() if snapshot.summary is not None
                                          and int(snapshot.summary.additional_properties.get("added-data-files", 0))))
            read = self.pending.setdefault(rep, {})
            read[side] = rows, types
            if "ours" not in read:
                return
            ours, ours_types = read["ours"]
            for other in [s for s in read if s != "ours"]:
                theirs, their_types = read.pop(other)
                self.same[other].append(ours.column_names == theirs.column_names)
                self.unlike[other].update(
                    f"{c} ({ours_types[c]} vs {their_types.get(c)})" for c in ours.column_names
                    if ours_types[c] != their_types.get(c)
                    or c in their_types and not _same_values(ours.column(c), theirs.column(c)))
                self.compared.setdefault(rep, set()).add(other)
            if self.compared.get(rep, set()) >= set(self.same):
                del self.pending[rep]
        finally:
            self.drop(name)

    def alike(self, other: str) -> bool | None:
        """Whether ``other``'s tables held ours' rows, column for column, in every measured repetition (None: none
        compared)."""
        return all(self.same[other]) and not self.unlike[other] if self.same[other] else None

    def drop(self, name: str) -> None:
        """Drop ``name`` from the catalog (its files go with the run's bucket)."""
        try:
            self.catalog.drop_table(name)
        except Exception:  # best effort: a table a failed repetition never created
            pass


def _same_values(ours: Any, theirs: Any) -> bool:
    """Whether two columns of one Iceberg type hold the same values; Arrow's width of a type (``string`` or
    ``large_string``, as pyiceberg reads each writer's Parquet) is no difference."""
    try:
        theirs = theirs.cast(ours.type)
    except Exception:  # no cast between the types: different columns
        return False
    return bool(ours.combine_chunks().equals(theirs.combine_chunks()))


def raw_iceberg(catalog: Any, name: str, schema: Any, bootstrap: str, topic: str, *, records: int,
                batch: int) -> int:
    """The least a Python function does for the Iceberg sink under Lambda's delivery model: the topic consumed into
    the same Lambda events, each value's JsonConverter payload decoded straight into columns of the table's Iceberg
    types (``schema``: the one ours derives, known up front), each event one Parquet data file by pyiceberg's writer
    (ours' writer, ours' table properties), the files fast-appended with their offsets in the snapshot summary once
    ``COMMIT_INTERVAL_MS`` passed and once at the end; the namespace and table made at the first event. No
    converters, no routing, no staged manifests (the files wait in this process's memory, which a function cannot
    rely on between invocations), no redelivery checks."""
    import base64
    import json

    import orjson
    import pyarrow as pa
    from pyiceberg import types as t
    from pyiceberg.exceptions import NamespaceAlreadyExistsError
    from pyiceberg.io.pyarrow import _dataframe_to_data_files, schema_to_pyarrow

    from connect_core.connectors.iceberg.sink_task import NEW_TABLE_PROPERTIES

    arrow: Any = None
    b64decode, loads, Decimal = base64.b64decode, orjson.loads, decimal.Decimal
    fields = [(f.name, f.field_type) for f in schema.fields]
    table: Any = None
    files: list[Any] = []
    since, end = 0.0, 0

    def column(kind: Any, values: list[Any]) -> list[Any]:
        if isinstance(kind, t.DecimalType):
            return [None if v is None else Decimal(int.from_bytes(b64decode(v), "big", signed=True)).scaleb(-kind.scale)
                    for v in values]
        if isinstance(kind, t.TimestamptzType):  # Connect's Timestamp: epoch ms; Iceberg's: us
            return [None if v is None else v * 1000 for v in values]
        return values

    def commit() -> None:
        nonlocal since
        with table.transaction() as tx, tx.update_snapshot(
                {"raw.offsets": json.dumps({topic: {"0": end}})}).fast_append() as append:
            for data_file in files:
                append.append_data_file(data_file)
        files.clear()
        since = 0.0

    def invoke(event: dict[str, Any]) -> int:
        nonlocal table, arrow, since, end
        written = 0
        for batch_records in event["records"].values():
            payloads = [loads(b64decode(r["value"]))["payload"] for r in batch_records]
            if table is None:
                try:
                    catalog.create_namespace(name.rsplit(".", 1)[0])
                except NamespaceAlreadyExistsError:
                    pass
                table = catalog.create_table(name, schema, properties=NEW_TABLE_PROPERTIES)
                arrow = schema_to_pyarrow(table.schema())
            frame = pa.Table.from_arrays([pa.array(column(kind, [p[f] for p in payloads]), arrow.field(f).type)
                                          for f, kind in fields], schema=arrow)
            files.extend(_dataframe_to_data_files(table.metadata, frame, table.io))
            since = since or time.monotonic()
            end = batch_records[-1]["offset"] + 1
            written += len(batch_records)
        if files and time.monotonic() - since >= COMMIT_INTERVAL_MS / 1000:
            commit()
        return written

    put = mapping.consume_as_mapping(bootstrap, topic, invoke, records=records, batch=batch)
    if files:
        commit()
    return put


class Billed:
    """Wall and CPU seconds of one repetition of ours spent inside the function (each invocation's handler and the
    forced last commit): what Lambda bills, without the emulated mapping's consuming and event building around it."""

    def __init__(self) -> None:
        """Nothing timed yet."""
        self.wall_s = 0.0
        self.cpu_s = 0.0
        self.invocations = 0

    def time(self, call: Callable[[], T]) -> T:
        """``call()``, its wall and process CPU added (the clocks are read twice per invocation: nothing the
        measured span notices)."""
        cpu0, wall0 = time.process_time(), time.perf_counter()
        try:
            return call()
        finally:
            self.wall_s += time.perf_counter() - wall0
            self.cpu_s += time.process_time() - cpu0
            self.invocations += 1


def sink_billed(cluster: common.Cluster, name: str, bootstrap: str, topic: str, *, records: int, batch: int,
                billed: Billed) -> int:
    """``mapping.sink_from_topic`` with each invocation's handler timed into ``billed``: the same warm
    ``SinkRunner`` behind the same emulated mapping."""
    from connect_core.runtime.sink_runner import SinkRunner

    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        return mapping.consume_as_mapping(bootstrap, topic, lambda event: billed.time(lambda: runner.handle(event).put),
                                          records=records, batch=batch)
    finally:
        runner.close()


def billed_extra(function: list[Billed], records: int, batch: int) -> dict[str, Any]:
    """4i's ``extra`` for case 6's Iceberg cost row: per measured repetition ours' wall and CPU seconds inside the
    function, their median rates (records per billed second, per CPU-second inside the function), the invocations
    and the batch they came in."""
    if not function:
        return {}
    return {"ours_function_wall_s": [round(b.wall_s, 3) for b in function],
            "ours_function_cpu_s": [round(b.cpu_s, 3) for b in function],
            "ours_per_function_wall_s": round(statistics.median(records / max(b.wall_s, 1e-9) for b in function), 1),
            "ours_per_function_cpu_s": round(statistics.median(records / max(b.cpu_s, 1e-9) for b in function), 1),
            "ours_invocations": [b.invocations for b in function], "batch": batch}


def iceberg_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str,
                 bucket: str) -> list[Result]:
    """4i at ``settings.records``: ours behind the emulated mapping (the raw floor beside it) and ours as a
    pull-mode task (its own copy of the topic, consumed by the function itself) against Iceberg's sink on the
    worker, over the same JsonConverter rows, each into a fresh table per repetition; every table read back outside
    the measured spans (every id once, the same rows on every side). The mapping row and its pull-mode row."""
    from connect_core.connectors.iceberg._types import record_schema
    from connect_core.connectors.iceberg.sink_task import commit_due

    catalog = catalog_props(bucket)
    case = _Case(bootstrap, _Tables(catalog))
    tables, kept, idle, function = case.tables, case.kept, case.idle, case.function
    schema = record_schema(dataset.connect_schemas()[1], None, False)  # the floor's table: ours' types, up front

    def data_for(rep: int) -> sink_data.SinkData:
        size = settings.records if rep >= 0 else side_by_side.warmup_size(settings.records)
        return sink_data.SinkData.topic_only(common.Settings(records=size, repeats=1, batch=settings.batch))

    def ours(rep: int) -> Sample:
        data = data_for(rep)
        name = common.unique("iceours")
        config = sink_config(catalog, data.topic, tables.name("ours", rep), case.control_topic())
        cluster.deploy(name, config, {"name": name, **config})  # Iceberg's task configs carry the connector's name
        pull_name = common.unique("icepull")
        pull_config = (sink_config(catalog, case.pull_topic(data.records), tables.name("pull", rep),
                                   case.control_topic())
                       | mapping.PULL_CONFIG | {"lambda.batch.size": str(settings.batch)})
        cluster.deploy(pull_name, pull_config, {"name": pull_name, **pull_config})
        billed = Billed()

        def run() -> int:
            put = sink_billed(cluster, name, bootstrap, data.topic, records=data.records, batch=settings.batch,
                              billed=billed)
            # the files of the last interval, as a heartbeat would (billed: a heartbeat is an invocation too)
            billed.time(lambda: commit_due({"name": name, **config}, force=True))
            return put

        def least() -> Sample:
            return mapping.measure_ours(lambda: raw_iceberg(tables.catalog, tables.name("raw", rep), schema,
                                                            bootstrap, data.topic, records=data.records,
                                                            batch=settings.batch))

        def pulled() -> Sample:  # the last interval's files committed inside the span, as for the mapping's side
            return mapping.pull_sample(cluster, pull_name, records=data.records, idle=idle if rep >= 0 else None,
                                       then=lambda: commit_due({"name": pull_name, **pull_config}, force=True))

        sample = side_by_side.rotated(rep, [("ours", lambda: mapping.measure_ours(run)), ("raw", least),
                                            ("ours, pull mode", pulled)], kept)
        if rep >= 0:
            function.append(billed)
        with common.phase("read back"):
            for side in ("ours", "raw", "pull"):
                if (total := tables.total(tables.name(side, rep))) != data.records:
                    raise RuntimeError(f"{side} committed {total} of {data.records}")
                tables.read_back(side, rep, data.records)
        return sample

    def theirs(rep: int) -> Sample:
        data = data_for(rep)
        table = tables.name("jvm", rep)
        config = sink_config(catalog, data.topic, table, case.control_topic())
        config["consumer.override.auto.offset.reset"] = "earliest"
        sample = worker.timed({common.unique("icejvm"): config}, lambda: tables.total(table) >= data.records,
                              data.records, 1800)
        with common.phase("read back"):
            tables.read_back("jvm", rep, data.records)
        return sample

    try:
        mine, jvm, load = side_by_side.interleaved(settings, ours, theirs)
    finally:
        mapping.drop_made_topics(bootstrap)
        mapping.delete_topics(bootstrap, list(case.pull_topics.values()))
    return case.rows(settings, mine, jvm, load)


class _Case:
    """One size of 4i: its tables, our other sides' samples (the raw floor's, the pull-mode task's, its idle
    invocation's), ours' time inside the function per measured repetition, and its topics."""

    def __init__(self, bootstrap: str, tables: _Tables) -> None:
        self.bootstrap = bootstrap
        self.tables = tables
        self.function: list[Billed] = []  # per measured repetition: ours' time inside the function (Lambda's bill)
        self.kept: dict[str, list[Sample]] = {}
        self.idle: list[Sample] = []
        self.pull_topics: dict[int, str] = {}

    def pull_topic(self, records: int) -> str:
        """The pull side's own copy of the rows, made once per size outside the measured spans."""
        if records not in self.pull_topics:
            with common.phase("prepare: source topic"):
                self.pull_topics[records] = common.unique("rows-pull")
                common.produce(self.bootstrap, self.pull_topics[records], dataset.sink_records(records))
        return self.pull_topics[records]

    def control_topic(self) -> str:
        """A fresh control topic (one per connector, as each sink's coordinator reads its own)."""
        topic = common.unique("ice-control")
        mapping.create_topic(self.bootstrap, topic)
        mapping.MADE_TOPICS.append(topic)
        return topic

    def rows(self, settings: Settings, mine: list[Sample], jvm: list[Sample], load: Any) -> list[Result]:
        """4i's mapping row (the raw floor beside it) and its pull-mode row, from the same repetitions."""
        tables, kept, idle, function = self.tables, self.kept, self.idle, self.function
        floors = kept.get("raw", [])
        row = side_by_side.method_row(
            f"{NAME} {side_by_side.size_label(settings.records)}", BASELINE, mine, jvm, raw=floors, raw_kind="floor",
            load_avg_1m=load, warmup_records=side_by_side.warmup_size(settings.records),
            **billed_extra(function, settings.records, settings.batch), commit_interval_ms=COMMIT_INTERVAL_MS,
            ours_data_files=tables.files["ours"], jvm_data_files=tables.files["jvm"],
            raw_data_files=tables.files["raw"], ours_commits=tables.commits["ours"],
            jvm_commits=tables.commits["jvm"], raw_commits=tables.commits["raw"],
            same_rows_as_jvm=tables.alike("jvm"), columns_unlike_jvm=sorted(tables.unlike["jvm"]),
            same_rows_as_raw=tables.alike("raw"), columns_unlike_raw=sorted(tables.unlike["raw"]), delivery=DELIVERY)
        pulled = side_by_side.pull_row(
            row, kept.get("ours, pull mode", []), jvm, raw=floors, idle=idle, load_avg_1m=load, batch=settings.batch,
            commit_interval_ms=COMMIT_INTERVAL_MS, ours_data_files=tables.files["pull"],
            ours_commits=tables.commits["pull"], same_rows_as_mapping=tables.alike("pull"),
            columns_unlike_mapping=sorted(tables.unlike["pull"]), delivery=DELIVERY)
        return [row, pulled]


def run(settings: Settings) -> list[Result]:
    """Start a worker with Iceberg's sink on its plugin.path, run 4i at every size of case 4's sweep, stop it."""
    if not settings.java:
        return [common.Result(NAME, None, BASELINE, None, settings.records, 0, skipped="BENCH_JAVA=0")]
    try:
        plugin_path = plugins()
    except RuntimeError as error:
        return [common.Result(NAME, None, BASELINE, None, settings.records, 0,
                              skipped=f"not resolvable: {str(error)[:300]}")]
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    settings = dataclasses.replace(settings, repeats=side_by_side.java_repeats())
    wall0 = time.perf_counter()
    worker = jvm_worker.Worker(bootstrap, plugin_path)
    print(f"case 4i: the standalone worker started in {time.perf_counter() - wall0:.1f} s", flush=True)
    cluster = common.Cluster.create(bootstrap)
    results: list[Result] = []
    bucket = common.unique("iceberg")
    try:
        import boto3

        boto3.client("s3", **common.services("localstack")["localstack"]).create_bucket(Bucket=bucket)
        for size in side_by_side.sizes(settings):
            at = dataclasses.replace(settings, records=size)
            results.extend(checkpoint.rows_or_run("iceberg_java", f"4i@{size}", lambda at=at: side_by_side.guarded_rows(
                NAME, at.records, lambda: iceberg_case(at, worker, cluster, bootstrap, bucket))))
    finally:
        cluster.close()
        worker.close()
        _empty(bucket)
    return results


def _empty(bucket: str) -> None:
    """Delete the run's data and metadata files (LocalStack holds them in memory) and the bucket; best effort."""
    import boto3

    s3 = boto3.client("s3", **common.services("localstack")["localstack"])
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            found = [{"Key": item["Key"]} for item in page.get("Contents", ())]
            if found:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": found, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)
    except Exception:  # a bucket never made, or LocalStack gone: nothing left to free
        pass

"""Every bench case on a tiny dataset, so ``make bench`` keeps working; no timing is asserted, ever.

The figures of a tiny run mean nothing; what is checked is that each case runs end to end against the real
services, fills the fields bench/results/latest.json promises, and that case 1's raw baseline still writes the
same bytes as our source (otherwise its ratio would compare different work).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from bench import checkpoint, common, dataset, mapping
from bench.cases import (
    cdc,
    cold_start,
    connect_java,
    cost,
    fleet,
    jdbc_pair,
    jdbc_source,
    lambda_sizes,
    offsets,
    pipeline,
    s3_source,
    sinks,
)
from bench.run import table, write

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

TINY = common.Settings(records=300, repeats=1, batch=100)
# case 4's rows over BENCH_JAVA_SIZES, each with a floor
SWEPT = ("4a", "4r", "4b", "4c", "4o", "4d", "4p", "4q", "4e", "4m")
FIELDS = {"name", "ours_per_s", "baseline", "baseline_per_s", "ratio", "records", "repeats"}


def _complete(results: list[common.Result]) -> None:
    assert results
    for result in results:
        assert result.skipped is None, result.skipped
        assert result.ours_per_s and result.baseline_per_s and result.ratio, result


def test_jdbc_source_case_and_raw_baseline_write_the_same_bytes() -> None:
    results = jdbc_source.run(TINY)
    _complete(results)
    assert [r.extra["same_bytes_as_baseline"] for r in results] == [True, True]
    assert all(r.records == TINY.records for r in results)


@pytest.fixture(scope="module")
def sink_rows() -> list[common.Result]:
    """Case 2's rows, run once for the sink test and the cost model's."""
    return sinks.run(TINY)


def test_sink_cases_run_through_the_sink_runner(sink_rows: list[common.Result]) -> None:
    _complete(sink_rows)


def test_the_sinks_are_billed_at_each_lambda_size_under_its_cpu_share() -> None:
    """Case 2m: every sink at every size, the process held to about that size's share of one CPU (the quota really
    applies), and case 6 priced at each sink's cheapest size."""
    from bench import cpu_share

    why = cpu_share.unavailable()
    if why is not None:
        pytest.skip(f"cannot hold a process to a CPU share here: {why}")
    rows = lambda_sizes.run(common.Settings(records=6000, repeats=1, batch=500))
    _complete(rows)
    assert len(rows) == len(lambda_sizes.SINKS) * len(lambda_sizes.SIZES_MB)
    for row in rows:
        share, wall = row.extra["cpu_share"], sum(row.extra["ours_wall_s"])
        # the quota holds per CFS period: a run touches at most two periods more than its wall time spans, each
        # with a whole quota (a run of 0.17 s at 512 MB used 0.41-0.47 of a CPU), and CFS lets a period run over a
        # little; a run without the quota would use what the largest size uses (~0.6 for S3 and JDBC)
        periods = 1 + 2 * cpu_share.PERIOD_US / 1e6 / wall
        assert row.extra["cpu_share_used"] <= share * periods * 1.1 + 0.02, row
        if row.extra["memory_mb"] == min(lambda_sizes.SIZES_MB):
            assert wall > 0.5, row  # long enough for the bound to tell a held process from a free one
    sized = [r for r in cost.sized_cost_rows(rows, []) if r.skipped is None]
    assert sized == []  # no mapping row (nor JVM connector of their kind) in this run: skipped, never priced alone


def test_s3_source_case_restores_the_same_bytes_as_its_raw_limit() -> None:
    results = s3_source.run(TINY)
    _complete(results)
    assert [r.extra["same_bytes_as_baseline"] for r in results] == [True]


def test_pipeline_case() -> None:
    results = pipeline.run(TINY)
    _complete(results)
    assert all(r.extra["typed_floor_per_cpu_s"] and r.extra["ratio_to_typed_floor"] for r in results)


@pytest.mark.parametrize("smts", [False, True], ids=["3a", "3b"])
def test_case_3_typed_floor_writes_what_our_pipeline_writes(smts: bool) -> None:
    """The typed floor bounds ours only if it does the same work: the same value bytes as the sink pipeline and
    the JsonConverter, record by record (nulls, Decimals, timestamps and dates among them)."""
    from connect_core.api.consumed_record import ConsumedRecord

    pairs = list(dataset.sink_records(TINY.records))
    written: list[bytes] = []
    assert pipeline.floor_pass([k for k, _ in pairs], [v for _, v in pairs], smts, written) == TINY.records
    ours, value_converter = pipeline.build_ours(smts)
    expected = []
    for offset, (key, value) in enumerate(pairs):
        record = ours.convert(ConsumedRecord("rows", 0, offset, 1_700_000_000_000, "CreateTime", key, value))
        expected.append(value_converter.from_connect_data(record.topic, record.value_schema, record.value))
    assert written == expected


def test_cold_start_case() -> None:
    """Every row from repeated fresh interpreters with its interval; ours and the raw functions move the same
    records; the handlers' first events leave the lazily loaded libraries out."""
    results = cold_start.run(TINY, repeats=2)
    _complete(results)
    assert [r.name.split(" (")[0] for r in results] == [
        "5 import source_task handler", "5 import sink_task handler", "5 import coordinator handler",
        "5 first invocation sink_task, import + first event", "5 peak rss sink handler, 10k-record event",
        "5 first invocation source_task, import + first event", "5 peak rss source handler, 10k lines",
        "5 first invocation coordinator, import + first event"]
    for row in results:
        assert len(row.extra["ci95"]) == 2 and row.extra["repeats"] == row.repeats
    first = [r for r in results if r.name.startswith("5 first invocation")]
    assert all(r.extra["lazy_loaded"] == [] and len(r.extra["total_ms"]) == 2 for r in first)
    rss = [r for r in results if r.name.startswith("5 peak rss")]
    assert [r.extra["ours_batch_records"] for r in rss] == [r.extra["raw_batch_records"] for r in rss] == [
        [10_002, 10_002], [10_000, 10_000]]  # the sink's file: the first and warm events' lines, then the batch


def test_connect_java_case_and_cost_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         sink_rows: list[common.Result]) -> None:
    """The standalone worker side by side (Maven Central), every row by the method's fields, then the cost rows
    built from it and case 2."""
    monkeypatch.setenv("BENCH_JAVA_REPEATS", "1")
    monkeypatch.setattr(common, "RESULTS", tmp_path / "kept")
    java = connect_java.run(TINY)
    ran = [r for r in java if r.skipped is None]
    # each finished sub-case is kept as it finished, for BENCH_RESUME (bench/checkpoint.py)
    kept = checkpoint.finished("connect_java", "4a@300")
    assert kept is not None and [r.as_dict() for r in kept] == [r.as_dict() for r in java if r.name[:2] == "4a"]
    assert {r.name[:2] for r in ran} >= {"4a", "4r"}
    assert any(r.name.startswith("4d") for r in java)  # Debezium's binlog capture, run or skipped with why
    assert [(r.name, r.skipped) for r in java if (r.skipped or "").startswith("failed")] == []  # none broke
    _complete(ran)
    for row in ran:
        assert row.extra["cpu_basis"] == "total" and row.extra["repeats"] == 1 and len(row.extra["ci95"]) == 2
        assert "raw_over_jvm" in row.extra
        assert ("cold start" in row.name) is row.name.startswith((*SWEPT, "4u"))  # 300 records: a cold JVM
    assert all(r.extra["raw_per_cpu_s"] and r.extra["raw_over_jvm"] for r in ran if r.name.startswith((*SWEPT, "4u")))
    assert [r.extra["same_bytes_as_raw"] for r in ran if r.name.startswith("4p")] in ([True], [])
    # the S3 rows read every side's objects back (each record once); the floor's are ours' bytes, and Camel
    # configured alike writes ours' lines in 4c (4q's JVM source carries Debezium's types: other lines)
    mapped = [r for r in ran if "pull-mode" not in r.name]
    assert all(r.extra["same_bytes_as_raw"] is True for r in mapped if r.name.startswith(("4c", "4q")))
    assert all(r.extra["same_lines_as_jvm"] is True for r in ran if r.name.startswith("4c"))
    # beside each sink's mapping row, its pull-mode row from the same repetitions (its own topic, the same JVM),
    # writing what the mapping's sink writes; the sink-only rows measure an invocation that finds nothing too
    pulled = {r.name.replace(" pull-mode", ""): r for r in ran if "pull-mode" in r.name}
    assert set(pulled) == {r.name for r in mapped if r.name.startswith(("4a", "4r", "4b", "4c", "4o", "4u"))}
    for name, row in pulled.items():
        assert row.extra["pull_over_mapping"] and row.extra["baseline_cpu_s"] == next(
            r for r in mapped if r.name == name).extra["baseline_cpu_s"]
        assert row.extra.get("same_bytes_as_mapping") is not False
        if name.startswith(("4b", "4c", "4o")):
            wall_ms, cpu_ms = row.extra["idle_pull_invocation_ms"]
            assert wall_ms >= cpu_ms > 0
    assert all(r.extra["same_bytes_as_mapping"] is True for r in pulled.values()
               if r.name.startswith(("4a", "4c", "4o")))
    # 4o: Camel's Elasticsearch sink configured alike indexes ours' document
    assert [r.extra["same_document_as_jvm"] for r in mapped if r.name.startswith("4o")] in ([True], [])
    # 4u, the tutorial pipeline: after the warm-up and the repetition, both sides' tables hold the same rows and
    # columns (the row fails unless each side wrote every row)
    pipeline = [r for r in mapped if r.name.startswith("4u")]
    assert [(r.records, r.extra["compared_repetitions"], r.extra["rows_equal"], r.extra["column_differences"])
            for r in pipeline] == [(TINY.records, 2, True, [])], [r.extra.get("rows_compared") for r in pipeline]
    assert pipeline[0].extra["ours_invocations"]
    # its pull-mode sink wrote every row into a table of its own, the mapping sink's rows
    assert [r.extra["pull_rows_equal"] for r in pulled.values() if r.name.startswith("4u")] == [True]
    skipped = [r for r in java if r.skipped is not None]
    assert all("Maven Central" in r.skipped or "not resolvable" in r.skipped for r in skipped)
    costs = cost.run(TINY, sink_rows + java)
    assert [r.name for r in costs if r.skipped is None]
    # like for like: the S3 and JDBC sink rows priced at Camel's and Debezium's rates of this run, with their waits
    by_name = {r.name: r for r in costs}
    s3 = by_name["6 cost per M rows, s3 sink ($)"]
    assert s3.extra["java_rows_per_cpu_s"] == next(r for r in mapped if r.name.startswith("4c")).baseline_per_s
    assert s3.extra["wall_s_per_m_rows"] >= s3.extra["cpu_s_per_m_rows"] > 0
    assert [r.extra["rows_per_s"] for r in costs if r.name.startswith("6t trigger, s3 sink")][:1] == [0.0]
    # on Lambda Managed Instances: the same row's CPU on instance time, against the same MSK Connect figure
    managed = by_name["6 cost per M rows, s3 sink, managed instances ($)"]
    assert managed.skipped is None and managed.baseline_per_s == s3.baseline_per_s
    assert managed.extra["cpu_s_per_m_rows"] == s3.extra["cpu_s_per_m_rows"]
    assert 0 < managed.extra["usd_per_m_rows_arm64"] < float(managed.ours_per_s or 0)
    out = tmp_path / "latest.json"
    write(java + costs, TINY, 1.0, out)
    rows = json.loads(out.read_text())
    assert all(FIELDS <= row.keys() for row in rows)
    assert "ratio" in table(java + costs)


def test_the_jdbc_pair_floor_writes_the_rows_ours_writes() -> None:
    """4p's raw floor (its source half and ``raw_upsert``, whose literals are written column by column) stores the
    very rows ours' JDBC source -> JDBC sink stores, which are the source table's: otherwise its rate would bound
    different work."""
    db = common.services("mariadb")["mariadb"]
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    cluster = common.Cluster.create(bootstrap)
    source, ours, raw = (common.unique(kind).replace("-", "_") for kind in ("pair_src", "pair_ours", "pair_raw"))
    dataset.create_table(db, source, 1000)
    prefix, raw_topic = common.unique("pair") + "-", common.unique("pair-raw")
    try:
        for topic in (prefix + source, raw_topic):
            mapping.create_topic(bootstrap, topic)
            mapping.MADE_TOPICS.append(topic)
        assert jdbc_pair.ours_pair(cluster, bootstrap, db, source, topic_prefix=prefix, sink_table=ours, records=1000,
                                   batch=300) == 1000
        assert jdbc_pair._raw_pair(db, bootstrap, source, raw_topic, raw, records=1000, batch=300) == 1000
        conn = dataset.connect(db)
        try:
            tables = {}
            with conn.cursor() as cursor:
                for table in (source, ours, raw):
                    cursor.execute(f"SELECT {', '.join(dataset.COLUMNS)} FROM `{table}` ORDER BY id")
                    tables[table] = cursor.fetchall()
        finally:
            conn.close()
        assert len(tables[source]) == 1000 and any(row[8] is None for row in tables[source])  # NULL notes too
        assert tables[ours] == tables[source] and tables[raw] == tables[source]
    finally:
        mapping.drop_made_topics(bootstrap)
        dataset.drop_tables(db, [source, ours, raw])
        cluster.close()


def test_cdc_case_runs_against_the_raw_binlog_reader() -> None:
    results = cdc.run(TINY)
    _complete(results)
    assert results[0].records == TINY.records


def test_offsets_case_reads_a_cold_connector_from_its_snapshot() -> None:
    results = offsets.run(TINY, sizes=(100, 300))
    _complete(results)
    assert [(r.name.split(" @")[0], r.extra["size"]) for r in results] == [
        ("8 cold offset read", 100), ("8 cold offset read", 300),
        ("8 first read after creation", 100), ("8 first read after creation", 300)]


def test_fleet_case_on_lambda_connect_up() -> None:
    results = fleet.run(TINY, sizes=(2, 4), requests=2)
    _complete(results)
    assert {r.records for r in results} == {2, 4}
    status = [r for r in results if "expand=status @4 p50" in r.name]
    assert status and status[0].extra["running"] == 2


def test_4a_raw_floor_moves_the_same_bytes_as_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Case 4a's raw floor is only a floor if it does the same work: the same values on its topic (JsonConverter's
    string envelope) and the same lines in its file as our FileStream pair."""
    from confluent_kafka import Consumer, TopicPartition

    common.allow_bench_files()
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    made: dict[str, str] = {}
    unique = common.unique

    def recording(prefix: str) -> str:
        made[prefix] = unique(prefix)
        return made[prefix]

    monkeypatch.setattr(common, "unique", recording)
    directory = tmp_path / "files"
    directory.mkdir()
    source = directory / "in.txt"
    # 4r's lines: quotes, backslashes, tabs, 2-, 3- and 4-byte UTF-8 (Jackson escapes the 4-byte ones, the floor too)
    lines = list(dataset.realistic_lines(TINY.records))
    assert any(max(line) > "\uffff" for line in lines)
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    cluster = common.Cluster.create(bootstrap)
    try:
        ours = connect_java.ours_file(cluster, bootstrap, source, directory / "ours.txt", records=TINY.records,
                                      batch=TINY.batch)
    finally:
        cluster.close()
    raw = connect_java.raw_file(bootstrap, source, directory / "raw.txt", records=TINY.records, batch=TINY.batch)
    assert ours == raw == TINY.records
    assert (directory / "ours.txt").read_bytes() == (directory / "raw.txt").read_bytes() == source.read_bytes()

    def values(topic: str) -> list[tuple[bytes | None, bytes | None]]:
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("check"),
                             "isolation.level": "read_committed", "enable.auto.commit": False})
        consumer.assign([TopicPartition(topic, 0, 0)])
        out: list[tuple[bytes | None, bytes | None]] = []
        try:
            while len(out) < TINY.records:
                message = consumer.poll(10)
                assert message is not None, f"{topic}: {len(out)} records"
                if message.error() is None:
                    out.append((message.key(), message.value()))
        finally:
            consumer.close()
        return out

    assert values(made["file"]) == values(made["rawfile"])


def test_a_case_runs_in_a_process_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """``make bench`` runs each case in a fresh interpreter (as a Lambda container is one) with the run's settings
    from the environment; its rows come back whole."""
    from bench.run import _run_in_child

    for name, value in (("BENCH_RECORDS", "300"), ("BENCH_REPEATS", "1"), ("BENCH_BATCH", "100")):
        monkeypatch.setenv(name, value)
    results = _run_in_child("pipeline", TINY)
    _complete(results)
    assert [r.name[:2] for r in results] == ["3a", "3b"] and all(r.records == TINY.records for r in results)
    failed = _run_in_child("no_such_case", TINY)
    assert len(failed) == 1 and (failed[0].skipped or "").startswith("failed: ModuleNotFoundError")

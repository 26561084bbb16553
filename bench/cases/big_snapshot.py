"""Case 11: initial snapshots of one big table (PostgreSQL and MariaDB) through ``SourceRunner``: does the rate hold?

``BENCH_SNAPSHOT_ROWS`` rows (10,000,000 by default) in one table, captured by our Debezium connector
(``snapshot.mode=initial``, JsonConverter without schemas) in warm invocations one after another, in a child
process of its own so its peak resident memory (VmHWM) is the snapshot's alone. A row per database: the last
tenth's rate against the first tenth's (``ratio``; 1.0 is a constant cost per row), the overall rate, the peak
memory against 512 MB, and the committed source offset's size at the first and the last invocation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from bench import common

if TYPE_CHECKING:
    from bench.common import Result, Settings

DEFAULT_ROWS = 10_000_000
MEMORY_LIMIT_MB = 512
INVOCATIONS = 40  # records per invocation: a 40th of the table, so each tenth spans several invocations
JSON = "org.apache.kafka.connect.json.JsonConverter"


def _rows() -> int:
    return int(os.environ.get("BENCH_SNAPSHOT_ROWS", DEFAULT_ROWS))


def _fill(flavour: str, db: dict[str, str], table: str, rows: int) -> None:
    """``rows`` rows of (id, a short text, a number) in a new ``table``."""
    if flavour == "postgres":
        import psycopg2

        conn = psycopg2.connect(host=db["host"], port=int(db["port"]), user=db["user"], password=db["password"],
                                dbname=db["database"], sslmode="prefer")
        conn.autocommit = True
        statements = [f'CREATE TABLE "{table}" (id bigint PRIMARY KEY, name text, qty int)',
                      f"INSERT INTO \"{table}\" SELECT i, 'name ' || i, i % 1000 FROM generate_series(1, {rows}) i"]
    else:
        import pymysql

        conn = pymysql.connect(host=db["host"], port=int(db["port"]), user=db["user"], password=db["password"],
                               database=db["database"], autocommit=True)
        statements = [f"CREATE TABLE `{table}` (id bigint PRIMARY KEY, name varchar(40), qty int)"]
        step = 1_000_000  # one INSERT a million rows: no transaction of ten million
        statements += [f"INSERT INTO `{table}` SELECT seq, CONCAT('name ', seq), seq % 1000 FROM "
                       f"seq_{start}_to_{min(start + step - 1, rows)}" for start in range(1, rows + 1, step)]
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def _drop(flavour: str, db: dict[str, str], table: str, slot: str) -> None:
    """Drop the table (and PostgreSQL's slot and publication); best effort."""
    try:
        if flavour == "postgres":
            import psycopg2

            conn = psycopg2.connect(host=db["host"], port=int(db["port"]), user=db["user"],
                                    password=db["password"], dbname=db["database"], sslmode="prefer")
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
                cursor.execute(f'DROP PUBLICATION IF EXISTS "pub_{slot}"')
                cursor.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE "
                               "slot_name = %s AND NOT active", (slot,))
        else:
            import pymysql

            conn = pymysql.connect(host=db["host"], port=int(db["port"]), user=db["user"],
                                   password=db["password"], database=db["database"], autocommit=True)
            with conn.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS `{table}`")
        conn.close()
    except Exception as error:
        print(f"big_snapshot: dropping {table}: {error}", file=sys.stderr)


def _config(flavour: str, db: dict[str, str], table: str, prefix: str, slot: str) -> dict[str, str]:
    common_keys = {"tasks.max": "1", "database.hostname": db["host"], "database.port": db["port"],
                   "database.user": db["user"], "database.password": db["password"], "topic.prefix": prefix,
                   "snapshot.mode": "initial", "key.converter": JSON, "value.converter": JSON,
                   "key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false"}
    if flavour == "postgres":
        return {**common_keys, "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                "database.dbname": db["database"], "plugin.name": "pgoutput", "slot.name": slot,
                "publication.name": f"pub_{slot}", "publication.autocreate.mode": "filtered",
                "table.include.list": f"public\\.{table}", "database.sslmode": "prefer"}
    return {**common_keys, "connector.class": "io.debezium.connector.mariadb.MariaDbConnector",
            "table.include.list": f"{db['database']}\\.{table}", "include.schema.changes": "false",
            "binlog.connector.flavour": "mariadb"}


def child(flavour: str, rows: int, config: dict[str, str]) -> dict[str, Any]:
    """In the child: warm invocations until every row is committed; (seconds, records) after each."""
    from connect_core.runtime.source_runner import SourceRunner

    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    cluster = common.Cluster.create(bootstrap)
    name = config["topic.prefix"]
    cluster.deploy(name, config)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses,
                          max_records=max(1, rows // INVOCATIONS))
    timeline: list[tuple[float, int]] = [(0.0, 0)]
    offsets: list[int] = []
    started = time.monotonic()
    try:
        while timeline[-1][1] < rows:
            result = runner.run(name, 0, common.budget())
            timeline.append((time.monotonic() - started, timeline[-1][1] + int(result.records)))
            offsets += [len(json.dumps(o["offset"], separators=(",", ":"))) for o in result.offsets]
            if not result.records and time.monotonic() - started > 60 and timeline[-1][1] == timeline[-2][1]:
                break  # stuck: report what was read
    finally:
        runner.close()
        cluster.close()
    from infra.local._process import peak_rss_mib

    return {"flavour": flavour, "timeline": timeline, "offset_bytes": offsets, "peak_rss_mb": peak_rss_mib()}


def _crossing(timeline: list[tuple[float, int]], records: float) -> float:
    """When the count reached ``records`` (linear within an invocation)."""
    for (t0, n0), (t1, n1) in zip(timeline, timeline[1:], strict=False):
        if n1 >= records:
            return t0 + (t1 - t0) * ((records - n0) / (n1 - n0) if n1 > n0 else 1.0)
    return timeline[-1][0]


def _rate(timeline: list[tuple[float, int]], start: float, end: float) -> float | None:
    elapsed = _crossing(timeline, end) - _crossing(timeline, start)
    return (end - start) / elapsed if elapsed > 0 else None


def _one(flavour: str, rows: int, settings: Settings) -> Result:
    from bench.common import Result

    db = common.services("kafka", flavour if flavour == "postgres" else "mariadb")[flavour]
    table = common.unique("snap").replace("-", "_")
    slot = table[-40:]
    label = {"postgres": "PostgreSQL", "mariadb": "MariaDB"}[flavour]
    name = f"11 {label} initial snapshot of {rows:,} rows: last tenth's rate / first tenth's"
    baseline = "the same snapshot's first tenth"
    _fill(flavour, db, table, rows)
    try:
        config = _config(flavour, db, table, common.unique(f"snap-{flavour}"), slot)
        process = subprocess.Popen([sys.executable, "-m", "bench.cases.big_snapshot", flavour, str(rows),
                                    json.dumps(config)], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        if status != 0:
            return Result(name, None, baseline, None, rows, 1, skipped=f"the child failed ({status})")
        report = json.loads(out.strip().splitlines()[-1])
    finally:
        _drop(flavour, db, table, slot)
    timeline = [(float(t), int(n)) for t, n in report["timeline"]]
    total = timeline[-1][1]
    first, last = _rate(timeline, 0, total / 10), _rate(timeline, total * 0.9, total)
    # the child's VmHWM: wait4's ru_maxrss would keep this (forking) process's peak
    peak_mb = report["peak_rss_mb"] or usage.ru_maxrss / 1024
    offsets = report["offset_bytes"]
    return Result(name, last, baseline, first, total, 1, extra={
        "overall_per_s": round(total / timeline[-1][0], 1) if timeline[-1][0] else None,
        "peak_rss_mb": round(peak_mb, 1), "within_512_mb": peak_mb <= MEMORY_LIMIT_MB,
        "invocations": len(timeline) - 1, "offset_bytes_first_last": [offsets[0], offsets[-1]] if offsets else None,
        "complete": total >= rows, "repeats_note": f"{settings.repeats} requested; one run (minutes at 10M)"})


def run(settings: Settings) -> list[Result]:
    """One snapshot per database of ``BENCH_SNAPSHOT_ROWS`` rows."""
    rows = _rows()
    return [_one(flavour, rows, settings) for flavour in ("postgres", "mariadb")]


if __name__ == "__main__":  # the child: python -m bench.cases.big_snapshot <flavour> <rows> <config json>
    print(json.dumps(child(sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]))))

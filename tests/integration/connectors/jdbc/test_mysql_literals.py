"""``MultiRowInsert`` writes the text pymysql's ``executemany`` would send, and MariaDB stores the same rows."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from connect_core.connectors.jdbc._mysql_literals import MultiRowInsert

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

ROWS: list[tuple[Any, ...]] = [
    (1, "plain", 3, decimal.Decimal("12.30"), 0.25, True, dt.datetime(2024, 1, 2, 3, 4, 5), dt.date(2024, 1, 2)),
    (2, "quote ' back \\ nl \n cr \r nul \x00 ctrl-z \x1a dq \" pct %s %% %(x)s", -7, decimal.Decimal("-0.01"),
     1e16, False, dt.datetime(2024, 1, 2, 3, 4, 5, 678000), None),
    (3, "ünïcødé ✓ 😀", None, decimal.Decimal("1E+3"), -2.5e-7, None, None, dt.date(1970, 1, 1)),
    (4, "", 0, None, 3.0, 1, dt.datetime(1, 1, 1), dt.date(9999, 12, 31)),
]
# Text only (not stored): times, an aware datetime (pymysql drops its offset), a year below 1000.
MORE_TYPES: list[tuple[Any, ...]] = [
    (5, dt.time(1, 2, 3), dt.time(23, 59, 59, 1), None, 0.0, 0,
     dt.datetime(2024, 5, 6, 7, 8, 9, 10, tzinfo=dt.UTC), dt.datetime(999, 1, 1, 0, 0, 0, 5)),
    (6, dt.time(1, 2, 3, tzinfo=dt.UTC), dt.timedelta(hours=-1, seconds=5), b"\x00'", bytearray(b"x"), 2**70,
     decimal.Decimal("0E-10"), dt.date(1, 1, 1)),
]


@pytest.fixture
def conn(mariadb_settings: dict[str, str]) -> Iterator[pymysql.Connection]:
    connection = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                                 user=mariadb_settings["user"], password=mariadb_settings["password"],
                                 database=mariadb_settings["database"], autocommit=True, charset="utf8mb4")
    yield connection
    connection.close()


def _sql(table: str) -> str:
    cols = ",".join(f"`c{i}`" for i in range(8))
    return (f"INSERT INTO `{table}`({cols}) VALUES({','.join(['%s'] * 8)}) ON DUPLICATE KEY UPDATE "
            + ",".join(f"`c{i}`=VALUES(`c{i}`)" for i in range(1, 8)))


def test_the_text_is_what_pymysql_would_send(conn: pymysql.Connection) -> None:
    sql = _sql("t")
    plan = MultiRowInsert.parse(sql)
    assert plan is not None
    rows = ROWS + MORE_TYPES
    statements = plan.statements(conn, rows)
    assert statements is not None and len(statements) == 1
    assert statements[0] % () == _mogrified(conn, sql, rows)  # pymysql applies ``% ()`` to what it is given


def _mogrified(conn: pymysql.Connection, sql: str, rows: list[tuple[Any, ...]]) -> str:
    with conn.cursor() as cursor:
        values = ",".join(cursor.mogrify("(" + ",".join(["%s"] * 8) + ")", row) for row in rows)
    start, end = sql.index("VALUES(") + len("VALUES"), sql.index(" ON DUPLICATE")
    return sql[:start] + values + sql[end:]


@pytest.mark.parametrize("no_backslash_escapes", [False, True])
def test_every_row_first_gives_pymysqls_text(conn: pymysql.Connection, no_backslash_escapes: bool) -> None:
    """The row writer is generated for the classes of a chunk's first row: with each row first in turn, every
    other row's values (other classes, None) still get pymysql's text, in either string escaping mode."""
    if no_backslash_escapes:
        with conn.cursor() as cursor:
            cursor.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")
    sql = _sql("t")
    plan = MultiRowInsert.parse(sql)
    assert plan is not None
    rows = ROWS + MORE_TYPES
    for first in range(len(rows)):
        rotated = rows[first:] + rows[:first]
        statements = plan.statements(conn, rotated)
        assert statements is not None and len(statements) == 1
        assert statements[0] % () == _mogrified(conn, sql, rotated)


def test_mariadb_stores_the_same_rows_both_ways(conn: pymysql.Connection) -> None:
    tables = [f"it_lit_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    with conn.cursor() as cursor:
        try:
            for table in tables:
                cursor.execute(f"CREATE TABLE `{table}` (c0 BIGINT PRIMARY KEY, c1 TEXT, c2 INT, c3 DECIMAL(12,2),"
                               " c4 DOUBLE, c5 BOOLEAN, c6 DATETIME(3), c7 DATE) CHARACTER SET utf8mb4")
            cursor.executemany(_sql(tables[0]), ROWS)
            plan = MultiRowInsert.parse(_sql(tables[1]))
            assert plan is not None
            for statement in plan.statements(conn, ROWS) or []:
                cursor.execute(statement, ())
            results = []
            for table in tables:
                cursor.execute(f"SELECT * FROM `{table}` ORDER BY c0")
                results.append(cursor.fetchall())
            assert results[0] == results[1]
            assert len(results[0]) == len(ROWS)
        finally:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS `{table}`")


def test_statements_are_cut_at_pymysqls_length_limit(conn: pymysql.Connection, monkeypatch: pytest.MonkeyPatch
                                                     ) -> None:
    monkeypatch.setattr(pymysql.cursors.Cursor, "max_stmt_length", 400)
    plan = MultiRowInsert.parse(_sql("t"))
    assert plan is not None
    statements = plan.statements(conn, ROWS * 3)
    assert statements is not None and len(statements) > 1
    assert sum(statement.count("),(") + 1 for statement in statements) == len(ROWS) * 3


def test_other_statements_and_rows_of_the_wrong_length_are_left_to_executemany(conn: pymysql.Connection) -> None:
    assert MultiRowInsert.parse("UPDATE `t` SET `a`=%s WHERE `id`=%s") is None
    assert MultiRowInsert.parse("INSERT INTO `t`(`a`) VALUES(%(a)s)") is None
    plan = MultiRowInsert.parse(_sql("t"))
    assert plan is not None
    assert plan.statements(conn, [(1, 2)]) is None
    assert plan.statements(object(), ROWS) is None


@pytest.mark.parametrize("pk_mode", ["record_value", "record_key"])  # record_key: the Struct batch path
def test_a_refused_batch_reports_the_statement_with_placeholders(mariadb_settings: dict[str, str],
                                                                 pk_mode: str) -> None:
    """The written-out values never appear in the error (logs, status traces): the statement is shown as
    ``executemany`` showed it."""
    import sqlalchemy
    import sqlalchemy.exc

    from connect_core.api import SinkRecord
    from connect_core.api.config import parse_config
    from connect_core.api.schema import INT64_SCHEMA, SchemaBuilder
    from connect_core.api.struct import Struct
    from connect_core.connectors.jdbc._sink_writer import JdbcSinkWriter
    from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig

    table = f"it_lit_{uuid.uuid4().hex[:10]}"
    url = (f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/{mariadb_settings['database']}")
    config = parse_config(JdbcSinkConfig, {"connection.url": url, "connection.user": mariadb_settings["user"],
                                           "connection.password": mariadb_settings["password"],
                                           "table.name.format": table, "insert.mode": "insert",
                                           "pk.mode": pk_mode, "pk.fields": "id", "auto.create": "true"})
    schema = SchemaBuilder.struct().field("id", INT64_SCHEMA).field("secret", SchemaBuilder.string().build()).build()
    key_schema = SchemaBuilder.struct().field("id", INT64_SCHEMA).build()
    key = Struct(key_schema).put("id", 1) if pk_mode == "record_key" else None
    records = [SinkRecord("t", 0, key_schema if key else None, key, schema,
                          Struct(schema).put("id", 1).put("secret", f"s3cr3t-{i}"), i)
               for i in range(2)]  # the same key twice: the insert is refused
    writer = JdbcSinkWriter(config)
    try:
        with pytest.raises(sqlalchemy.exc.IntegrityError) as refused:
            writer.write(records)
        assert "%s" in str(refused.value) and "VALUES(" in (refused.value.statement or "")
        assert "s3cr3t-0" not in (refused.value.statement or "")
        assert refused.value.params == [(1, "s3cr3t-0"), (1, "s3cr3t-1")]  # the bound rows, as executemany's
    finally:
        writer.close()
        engine = sqlalchemy.create_engine(
            f"mysql+pymysql://{mariadb_settings['user']}:{mariadb_settings['password']}@{mariadb_settings['host']}:"
            f"{mariadb_settings['port']}/{mariadb_settings['database']}")
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS `{table}`")
        engine.dispose()

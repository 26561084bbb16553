"""``Dialect.is_transient``: lost connections, deadlocks and lock timeouts are retried; data errors are not."""

from __future__ import annotations

import sqlite3

import pymysql.err
import pytest

from connect_core.connectors.jdbc._dialect import MySqlDialect, PostgreSqlDialect, SqliteDialect


@pytest.mark.parametrize(("error", "transient"), [
    (pymysql.err.OperationalError(2013, "Lost connection to server during query"), True),
    (pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock"), True),
    (pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"), True),
    (pymysql.err.IntegrityError(1048, "Column 'STATUS' cannot be null"), False),
    (pymysql.err.DataError(1406, "Data too long for column 'STATUS'"), False),
    (pymysql.err.OperationalError(4025, "CONSTRAINT `c` failed"), False),  # a CHECK violation
])
def test_mysql_codes(error: Exception, transient: bool) -> None:
    assert MySqlDialect().is_transient(error) is transient


class _PgError(Exception):
    def __init__(self, pgcode: str | None) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


class OperationalError(Exception):
    """Named like the DB-API class a driver raises for a lost connection."""


@pytest.mark.parametrize(("state", "transient"), [
    ("08006", True), ("40P01", True), ("40001", True), ("55P03", True), ("57P01", True),
    ("23502", False), ("22001", False), ("23505", False),
])
def test_postgres_sqlstates(state: str, transient: bool) -> None:
    assert PostgreSqlDialect().is_transient(_PgError(state)) is transient


def test_postgres_without_sqlstate_goes_by_the_db_api_class() -> None:
    assert PostgreSqlDialect().is_transient(OperationalError("server closed the connection unexpectedly"))
    assert not PostgreSqlDialect().is_transient(ValueError("bad"))


def test_sqlite_only_locked_or_busy() -> None:
    assert SqliteDialect().is_transient(sqlite3.OperationalError("database is locked"))
    assert not SqliteDialect().is_transient(sqlite3.OperationalError("no such column: x"))

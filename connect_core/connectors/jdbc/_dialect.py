"""Database dialects: identifier quoting, table ids, table listing, column metadata and the DB clock.

A port of the parts of Confluent's ``GenericDatabaseDialect`` / ``MySqlDatabaseDialect`` / ``PostgreSqlDatabaseDialect``
/ ``SqliteDatabaseDialect`` the source (and later the sink) needs. Everything works on a DB-API connection
so the querier can read driver result metadata (JDBC ``ResultSetMetaData``'s counterpart) directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from connect_core.api.errors import ConfigError, ConnectError, DataError
from connect_core.connectors.jdbc._types import ColumnDef, column_from_type_name, mysql_column, postgres_column
from connect_core.connectors.jdbc._url import MYSQL, POSTGRESQL, SQLITE

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["ColumnInfo", "DatabaseAuthenticationError", "Dialect", "TableId", "dialect_for"]

log = logging.getLogger(__name__)
_PLAIN_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_CURSOR_IDS = itertools.count(1)  # server-side cursor names, unique per process (hence per connection)

# Lost or refused connections (client 2002/2003/2006/2013/2055, server 1040/1053/1927/4031, network 1158-1161),
# lock wait timeout 1205, deadlock 1213: the statement may pass on retry. Every other code is about the data or SQL.
MYSQL_TRANSIENT_CODES = frozenset(
    {1040, 1053, 1158, 1159, 1160, 1161, 1205, 1213, 1927, 2002, 2003, 2006, 2013, 2055, 4031}
)
# ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR: not allowed in
MYSQL_AUTH_CODES = frozenset({1044, 1045, 1698})
# invalid_authorization_specification, invalid_password
POSTGRES_AUTH_SQLSTATES = frozenset({"28000", "28P01"})
# libpq reports a failure before the session exists (the server's FATAL during authentication) as text only, with no
# SQLSTATE: these are the server's messages of 28P01/28000 and libpq's own for a missing password, as PostgreSQL
# writes them with its default (English) lc_messages. A server set to translate its messages is not recognised, and
# its refusal is then retried as a lost connection.
_POSTGRES_AUTH_TEXT = re.compile(
    r"FATAL:\s+(?:\S+ authentication failed for user|no pg_hba\.conf entry for|pg_hba\.conf rejects connection for"
    r"|role \".*\" does not exist)|fe_sendauth: no password supplied")


class DatabaseAuthenticationError(ConnectError):
    """The database refused the connector's credentials (MySQL/MariaDB 1044/1045/1698, PostgreSQL 28000/28P01).

    Retrying cannot fix it: the restart policy opens the circuit breaker at once (its name says authentication,
    ``runtime/restart_policy.is_non_retriable``), and a sink's internal retries (``max.retries``) do not run.
    """


class TableId(NamedTuple):
    """Catalog, schema and table name (Confluent ``TableId``); absent parts are None."""

    catalog: str | None
    schema: str | None
    table: str

    def parts(self) -> list[str]:
        """The parts that exist, outermost first."""
        return [p for p in (self.catalog, self.schema, self.table) if p]

    def fqn(self) -> str:
        """Unquoted fully-qualified name, e.g. ``db.orders`` (the protocol-1 offset partition's ``table``)."""
        return ".".join(self.parts())


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnInfo:
    """What table metadata says about a column (nullability and auto-increment are not in every result set)."""

    name: str
    nullable: bool
    autoincrement: bool
    type_name: str = ""


class Dialect:
    """Generic SQL: double-quoted identifiers, ``CURRENT_TIMESTAMP``, ``information_schema`` listing."""

    name: ClassVar[str] = "GenericDatabaseDialect"
    family: ClassVar[str] = ""
    open_quote: ClassVar[str] = '"'
    close_quote: ClassVar[str] = '"'
    current_timestamp_sql: ClassVar[str] = "SELECT CURRENT_TIMESTAMP"

    def __init__(self, quote_identifiers: str = "always") -> None:
        """Create the dialect; ``quote_identifiers`` is ``quote.sql.identifiers`` (always | never)."""
        self.quote_always = quote_identifiers.lower() != "never"

    # -- identifiers -------------------------------------------------------------------------------
    def quote(self, identifier: str) -> str:
        """``identifier`` quoted per ``quote.sql.identifiers`` (embedded quote characters doubled).

        With ``never``, only a plain identifier is written as is: a name from a record (a schemaless key or field)
        could otherwise inject SQL, so anything else is refused (stricter than Confluent, which writes it raw).
        """
        if not self.quote_always:
            if not _PLAIN_IDENTIFIER.fullmatch(identifier):
                raise DataError(f"Identifier {identifier!r} cannot be used unquoted (quote.sql.identifiers=never): "
                                "only letters, digits, '_' and '$', not starting with a digit; set "
                                "quote.sql.identifiers=always to use it")
            return identifier
        escaped = identifier.replace(self.close_quote, self.close_quote * 2)
        return f"{self.open_quote}{escaped}{self.close_quote}"

    def table_sql(self, table: TableId) -> str:
        """The table reference, e.g. `` `db`.`orders` ``."""
        return ".".join(self.quote(p) for p in table.parts())

    def column_sql(self, table: TableId | None, column: str) -> str:
        """A column qualified by its table in table mode (Confluent ``ColumnId``), bare in query mode."""
        return f"{self.table_sql(table)}.{self.quote(column)}" if table is not None else self.quote(column)

    def parse_table_identifier(self, text: str) -> TableId:
        """Parse ``a.b.c`` (quoted or not) into a TableId; one part is a table, two are qualifier + table."""
        parts = split_identifier(text, self.open_quote, self.close_quote)
        if not parts or len(parts) > 3:
            raise ConfigError(f"Invalid table identifier: {text}")
        return self._table_id(parts)

    def _table_id(self, parts: list[str]) -> TableId:
        if len(parts) == 1:
            return TableId(None, None, parts[0])
        if len(parts) == 2:
            return TableId(None, parts[0], parts[1])
        return TableId(parts[0], parts[1], parts[2])

    # -- database access ---------------------------------------------------------------------------
    @property
    def placeholder(self) -> str:
        """The DB-API parameter marker of this dialect's driver."""
        return "%s"

    def setup_session(self, conn: Any, time_zone: str) -> None:
        """Per-connection setup; the generic dialect does nothing."""

    def streaming_cursor(self, conn: Any) -> Any:
        """A cursor that does not load the whole result into memory where the driver needs asking."""
        return conn.cursor()

    def result_columns(self, cursor: Any, info: dict[str, ColumnInfo] | None) -> list[ColumnDef]:
        """The executed query's columns; nullability comes from table metadata when there is some."""
        out = []
        for desc in cursor.description:
            known = (info or {}).get(desc[0])
            col = postgres_column(desc)
            out.append(ColumnDef(col.name, col.category, known.nullable if known else True, True, col.precision,
                                 col.scale, known.autoincrement if known else False))
        return out

    def current_time(self, conn: Any, tz: dt.tzinfo) -> dt.datetime:
        """The database's current time as an aware datetime (wall-clock values are taken in ``tz``)."""
        cursor = conn.cursor()
        try:
            cursor.execute(self.current_timestamp_sql)
            value = cursor.fetchone()[0]
        finally:
            cursor.close()
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)

    # -- errors ------------------------------------------------------------------------------------
    def is_transient(self, error: BaseException) -> bool:
        """Whether a driver error may pass on retry (connection lost, deadlock, lock timeout): not a data error.

        The generic rule is the DB-API class a driver raises when the server or the network fails; dialects that
        know their error codes are more precise (a CHECK violation is an ``OperationalError`` in pymysql).
        """
        return any(c.__name__ in ("OperationalError", "InterfaceError") for c in type(error).__mro__)

    def is_auth_failure(self, error: BaseException) -> bool:
        """Whether a driver error says the credentials were refused (never transient)."""
        return False

    def authentication_error(self, error: BaseException) -> DatabaseAuthenticationError | None:
        """The typed error for a refused login (its cause: ``error``), or None for any other driver error."""
        orig = getattr(error, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
        driver = orig if isinstance(orig, BaseException) else error
        if not self.is_auth_failure(driver):
            return None
        refused = DatabaseAuthenticationError(f"The database refused the connector's credentials: {driver}")
        refused.__cause__ = error
        return refused

    def list_tables(self, conn: Any, types: Sequence[str], catalog: str | None, schema: str | None) -> list[TableId]:
        """Tables (of ``table.types``) visible to the connection, filtered by the catalog/schema patterns."""
        kinds = {"BASE TABLE" if t.upper() == "TABLE" else t.upper() for t in types}
        sql = ("SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables "
               "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
               "ORDER BY table_schema, table_name")  # JDBC getTables' order; without it the order is the catalog's
        rows = _fetch(conn, sql)
        return [
            TableId(None, s, t) for c, s, t, kind in rows
            if kind.upper() in kinds and _like(catalog, c) and _like(schema, s)
        ]

    def describe(self, conn: Any, table: TableId) -> dict[str, ColumnInfo]:
        """Column nullability and auto-increment from ``information_schema.columns``."""
        sql = (f"SELECT column_name, is_nullable, column_default FROM information_schema.columns "
               f"WHERE table_name = {self.placeholder}" + (f" AND table_schema = {self.placeholder}"
                                                             if table.schema else "") + " ORDER BY ordinal_position")
        params = (table.table, table.schema) if table.schema else (table.table,)
        out = {}
        for name, nullable, default in _fetch(conn, sql, params):
            auto = isinstance(default, str) and default.startswith("nextval(")
            out[name] = ColumnInfo(name, nullable == "YES", auto)
        return out


class MySqlDialect(Dialect):
    """MySQL and MariaDB: backticks, databases are catalogs, session time zone follows ``db.timezone``."""

    name = "MySqlDatabaseDialect"
    family = MYSQL
    open_quote = close_quote = "`"
    current_timestamp_sql = "SELECT CURRENT_TIMESTAMP(6)"

    def _table_id(self, parts: list[str]) -> TableId:
        return TableId(parts[0], None, parts[1]) if len(parts) == 2 else super()._table_id(parts)

    def setup_session(self, conn: Any, time_zone: str) -> None:
        """Read and write time values in ``db.timezone``, so TIMESTAMP and DATETIME columns agree (see README)."""
        zone = "+00:00" if time_zone.upper() in ("UTC", "Z", "GMT", "ETC/UTC") else time_zone.strip()
        if zone[:1] in "+-" and len(zone) <= 3:  # Java accepts "+1"/"+01"; MariaDB wants "+01:00"
            zone = f"{zone[0]}{int(zone[1:]):02d}:00"
        cursor = conn.cursor()
        try:
            cursor.execute("SET time_zone = %s", (zone,))
        except Exception as e:  # the server has no time zone tables: keep its zone, say so
            log.warning("Could not set the session time zone to %s (%s); TIMESTAMP columns are read in the "
                        "server's zone. Load the time zone tables (mariadb-tzinfo-to-sql).", zone, e)
        finally:
            cursor.close()

    def streaming_cursor(self, conn: Any) -> Any:
        """pymysql's unbuffered cursor: rows are read from the socket as ``fetchmany`` asks for them (and parsed
        by ``_mysql_driver.row_reader``)."""
        from connect_core.connectors.jdbc._mysql_driver import streaming_cursor_class

        return conn.cursor(streaming_cursor_class())

    def is_transient(self, error: BaseException) -> bool:
        """Server and client error codes of lost connections, deadlocks and lock wait timeouts."""
        code = error.args[0] if error.args and isinstance(error.args[0], int) else None
        if code is None:
            return super().is_transient(error)
        return code in MYSQL_TRANSIENT_CODES

    def is_auth_failure(self, error: BaseException) -> bool:
        """Access denied (1044, 1045, 1698)."""
        return bool(error.args) and isinstance(error.args[0], int) and error.args[0] in MYSQL_AUTH_CODES

    def result_columns(self, cursor: Any, info: dict[str, ColumnInfo] | None) -> list[ColumnDef]:
        """From the column definition packets, like Connector/J's ``ResultSetMetaData``."""
        return [mysql_column(field) for field in cursor._result.fields]  # pymysql exposes no API

    def list_tables(self, conn: Any, types: Sequence[str], catalog: str | None, schema: str | None) -> list[TableId]:
        """Tables of the current database unless ``catalog.pattern`` names others."""
        kinds = {"BASE TABLE" if t.upper() == "TABLE" else t.upper() for t in types}
        if "SYSTEM TABLE" in kinds:
            kinds.add("SYSTEM VIEW")
        where, params = ("table_schema = DATABASE()", ()) if catalog is None else ("table_schema LIKE %s", (catalog,))
        rows = _fetch(conn, "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE "
                      f"{where} ORDER BY table_schema, table_name", params)
        return [TableId(c, None, t) for c, t, kind in rows if kind.upper() in kinds]

    def describe(self, conn: Any, table: TableId) -> dict[str, ColumnInfo]:
        """Nullability and ``auto_increment`` from ``information_schema.columns``."""
        schema_clause = "table_schema = %s" if table.catalog else "table_schema = DATABASE()"
        params = (table.catalog, table.table) if table.catalog else (table.table,)
        rows = _fetch(conn, "SELECT column_name, is_nullable, extra FROM information_schema.columns WHERE "
                      f"{schema_clause} AND table_name = %s ORDER BY ordinal_position", params)
        return {n: ColumnInfo(n, nullable == "YES", "auto_increment" in (extra or "").lower())
                for n, nullable, extra in rows}


class PostgreSqlDialect(Dialect):
    """PostgreSQL: double quotes, schema-qualified tables (``public.orders``)."""

    name = "PostgreSqlDatabaseDialect"
    family = POSTGRESQL

    def setup_session(self, conn: Any, time_zone: str) -> None:
        """Keep json/jsonb values as the server's text (as pgjdbc ``getString``); psycopg would parse them."""
        from psycopg2.extras import register_default_json, register_default_jsonb

        register_default_json(conn, loads=_identity)
        register_default_jsonb(conn, loads=_identity)

    def streaming_cursor(self, conn: Any) -> Any:
        """A server-side (named) cursor: ``fetchmany(n)`` is ``FETCH FORWARD n``, so memory holds one batch.

        psycopg2's default cursor loads the whole result at ``execute``. A named cursor lives in the read
        transaction (the querier commits when the query is exhausted) and describes its columns after the first
        fetch.
        """
        return conn.cursor(name=f"lambda_connect_{next(_CURSOR_IDS)}")

    def is_transient(self, error: BaseException) -> bool:
        """SQLSTATE classes 08 (connection), 40 (rollback: deadlock, serialization), 53 (resources), 57 (operator
        intervention, e.g. shutdown) and lock-not-available; without a SQLSTATE the connection itself failed."""
        state = getattr(error, "pgcode", None)
        if not state:
            return super().is_transient(error) and not self.is_auth_failure(error)
        return state[:2] in ("08", "40", "53", "57") or state == "55P03"

    def is_auth_failure(self, error: BaseException) -> bool:
        """SQLSTATE 28000/28P01; a connection refused before its session began carries only libpq's text."""
        state = getattr(error, "pgcode", None)
        if state:
            return state in POSTGRES_AUTH_SQLSTATES
        return type(error).__name__ == "OperationalError" and bool(_POSTGRES_AUTH_TEXT.search(str(error)))

    def describe(self, conn: Any, table: TableId) -> dict[str, ColumnInfo]:
        """Nullability; serial (``nextval``) and identity columns are auto-increment, as pgjdbc reports them."""
        where = "table_name = %s" + (" AND table_schema = %s" if table.schema else "")
        params = (table.table, table.schema) if table.schema else (table.table,)
        rows = _fetch(conn, "SELECT column_name, is_nullable, column_default, is_identity FROM "
                      f"information_schema.columns WHERE {where} ORDER BY ordinal_position", params)
        out = {}
        for name, nullable, default, identity in rows:
            serial = isinstance(default, str) and default.startswith("nextval(")
            out[name] = ColumnInfo(name, nullable == "YES", identity == "YES" or serial)
        return out


class SqliteDialect(Dialect):
    """SQLite: one unqualified namespace, ``?`` parameters, the clock from ``strftime``."""

    name = "SqliteDatabaseDialect"
    family = SQLITE
    current_timestamp_sql = "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"

    @property
    def placeholder(self) -> str:
        """sqlite3 uses qmark parameters."""
        return "?"

    def is_transient(self, error: BaseException) -> bool:
        """Only a locked or busy database passes on retry; sqlite3 raises ``OperationalError`` for bad SQL too."""
        text = str(error).lower()
        return "locked" in text or "busy" in text

    def current_time(self, conn: Any, tz: dt.tzinfo) -> dt.datetime:
        """SQLite's clock is UTC."""
        return super().current_time(conn, dt.UTC).astimezone(tz)

    def list_tables(self, conn: Any, types: Sequence[str], catalog: str | None, schema: str | None) -> list[TableId]:
        """Tables and views from ``sqlite_master``."""
        kinds = {t.lower() for t in types}
        rows = _fetch(conn, "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
                      "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return [TableId(None, None, name) for name, kind in rows if kind in kinds]

    def describe(self, conn: Any, table: TableId) -> dict[str, ColumnInfo]:
        """``PRAGMA table_info``; an ``INTEGER PRIMARY KEY`` is SQLite's auto-increment rowid alias."""
        rows = _fetch(conn, f"PRAGMA table_info({self.table_sql(table)})")
        return {name: ColumnInfo(name, not notnull and not pk, bool(pk) and (ctype or "").upper() == "INTEGER",
                                 ctype or "") for _cid, name, ctype, notnull, _default, pk in rows}

    def result_columns(self, cursor: Any, info: dict[str, ColumnInfo] | None) -> list[ColumnDef]:
        """Declared types from table metadata; without a table (query mode) the type is inferred from values."""
        out = []
        for desc in cursor.description:
            known = (info or {}).get(desc[0])
            if known is None:
                out.append(ColumnDef(desc[0], "UNKNOWN"))
            else:
                col = column_from_type_name(desc[0], known.type_name, known.nullable, sqlite=True)
                out.append(ColumnDef(col.name, col.category if known.type_name else "UNKNOWN", col.nullable,
                                     col.signed, col.precision, col.scale, known.autoincrement))
        return out


_BY_FAMILY: dict[str, type[Dialect]] = {MYSQL: MySqlDialect, POSTGRESQL: PostgreSqlDialect, SQLITE: SqliteDialect}
_BY_NAME: dict[str, type[Dialect]] = {d.name: d for d in (MySqlDialect, PostgreSqlDialect, SqliteDialect, Dialect)}


def dialect_for(family: str, dialect_name: str, quote_identifiers: str) -> Dialect:
    """The dialect named by ``dialect.name``, else the one of the URL's sub-protocol."""
    if dialect_name:
        cls = _BY_NAME.get(dialect_name)
        if cls is None:
            raise ConfigError(f"Invalid value {dialect_name} for configuration dialect.name: unknown dialect; "
                              f"known: {', '.join(sorted(_BY_NAME))}")
        if cls is not Dialect and cls.family != family:  # the driver follows the URL; a dialect needs its own
            raise ConfigError(f"Invalid value {dialect_name} for configuration dialect.name: it speaks to "
                              f"{cls.family} databases and connection.url names a {family} one")
        return cls(quote_identifiers)
    return _BY_FAMILY.get(family, Dialect)(quote_identifiers)


def split_identifier(text: str, open_quote: str, close_quote: str) -> list[str]:
    """Split ``a.b`` / `` `a`.`b` `` / ``"a.b".c`` on unquoted dots, removing the quotes."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == quote and text[i + 1:i + 2] == quote:
                current.append(ch)
                i += 1
            elif ch == quote:
                quote = None
            else:
                current.append(ch)
        elif ch in (open_quote, '"', "`"):
            quote = close_quote if ch == open_quote else ch
        elif ch == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _like(pattern: str | None, value: str | None) -> bool:
    """JDBC metadata pattern semantics: None matches all, "" matches only a missing value, % and _ wildcards."""
    if pattern is None:
        return True
    if pattern == "":
        return not value
    import re

    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value or "") is not None


def _identity(text: str) -> str:
    return text


def _fetch(conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    try:
        if params:
            cursor.execute(sql, tuple(params))
        else:
            cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()

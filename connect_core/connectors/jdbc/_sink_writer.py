"""Writes one batch in one database transaction (Confluent ``JdbcDbWriter`` + ``BufferedRecords``).

Rows are grouped per table into runs of one statement shape (operation, key and value columns), ending when the
shape changes so the order of writes to a row is kept; each run is one ``executemany`` per ``batch.size`` rows (on
MySQL/MariaDB the multi-row ``INSERT ... ON DUPLICATE KEY UPDATE`` text pymysql would send, with ``_mysql_literals``).
A batch refused for a non-transient reason is written again by ``write_each``, row by row under savepoints, so the
accepted rows are written and the refused ones handed back (Confluent's ``unrollAndRetry``). ``write`` encodes each
multi-row statement while the database runs the one before (``api/in_flight_writes``, one thread: the same
statements, in order); ``executemany`` (the driver encodes) runs in the calling thread.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConnectError
from connect_core.api.in_flight_writes import InFlightWrites
from connect_core.api.struct import Struct
from connect_core.connectors.jdbc._dialect import dialect_for
from connect_core.connectors.jdbc._mysql_literals import MultiRowInsert, escapes_of, struct_rows_writer
from connect_core.connectors.jdbc._record_fields import RecordFields, Row
from connect_core.connectors.jdbc._sql_builder import SqlBuilder
from connect_core.connectors.jdbc._table_manager import TableManager
from connect_core.connectors.jdbc._url import MYSQL, SQLITE, parse_jdbc_url
from connect_core.connectors.jdbc.sink_config import DEFAULT_MAX_IN_FLIGHT_STATEMENTS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from sqlalchemy.engine import Connection, Engine

    from connect_core.api.record import SinkRecord
    from connect_core.connectors.jdbc._dialect import TableId
    from connect_core.connectors.jdbc._sql_builder import ColumnSpec
    from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig

__all__ = ["JdbcSinkWriter", "RowFailure"]

log = logging.getLogger(__name__)

Shape = tuple[str, tuple[str, ...], tuple[str, ...]]
RowFailure = tuple["SinkRecord", BaseException]


class _WriteAgain(Exception):
    """A row of the batch path failed to encode after statements were sent: the batch goes again, record by record."""


class JdbcSinkWriter:
    """Owns the engine (reused across warm invocations), table metadata and statement building."""

    def __init__(self, config: JdbcSinkConfig, sleep: Callable[[float], None] = time.sleep, *,
                 builder: type[SqlBuilder] = SqlBuilder, fields: type[RecordFields] = RecordFields,
                 in_flight: int = DEFAULT_MAX_IN_FLIGHT_STATEMENTS) -> None:
        """Resolve URL and dialect now (config errors surface at start); the engine is created on first write.

        ``builder`` and ``fields`` let another JDBC sink (Debezium's) bring its column types and value binding;
        ``in_flight``: statements run beside the encoding of the next (``lambda.connect.max.in.flight.statements``).
        """
        self._config = config
        self._sleep = sleep
        self._url = parse_jdbc_url(config.connection_url)
        self.dialect = dialect_for(self._url.family, config.dialect_name, config.quote_sql_identifiers)
        self.sql = builder(self.dialect)
        self.tables = TableManager(self.sql, config.auto_create, config.auto_evolve)
        self._fields = fields(config, self._primary_key_of_topic, text_values=self._url.family == SQLITE)
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._table_ids: dict[str, TableId] = {}
        self._multi_rows: dict[str, MultiRowInsert | None] = {}
        # Whether a batch of Struct records may be written by ``_write_struct_rows`` (multi-row literals): the key
        # columns from a Struct key (record_key) or from the Struct value itself (record_value)
        self._struct_rows = (self._url.family == MYSQL and config.pk_mode in ("record_key", "record_value")
                             and config.insert_mode in ("insert", "upsert"))
        self._keys_in_value = config.pk_mode == "record_value"
        self._ahead = InFlightWrites(in_flight, "jdbc-statements", threads=1)
        self._pipelined = False  # write: statements run beside the encoding of the next (write_each: one by one)
        self._waited = 0.0  # statements run in the calling thread (executemany: the driver encodes them)

    @property
    def network_wait_seconds(self) -> float:
        """Seconds the calling thread waited for the database to answer statements of ``write``."""
        return self._ahead.waiting_seconds + self._waited

    def close(self) -> None:
        """Dispose of pooled connections."""
        self._ahead.close()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def table_id(self, topic: str) -> TableId:
        """The destination table of ``topic`` (``table.name.format``, parsed by the dialect's rules)."""
        table = self._table_ids.get(topic)
        if table is None:
            table = self._table_ids[topic] = self.dialect.parse_table_identifier(self._config.table_name(topic))
        return table

    def write(self, records: list[SinkRecord]) -> None:
        """Create/evolve tables as needed, then write every record in one transaction (rolled back on error)."""
        self._pipelined = True
        try:
            try:
                with self._transaction() as conn:
                    if self._struct_rows and self._write_struct_rows(conn, records):
                        return
                    self._write_planned(conn, records)
            except _WriteAgain:
                with self._transaction() as conn:
                    self._write_planned(conn, records)
        finally:
            self._pipelined = False

    def _write_planned(self, conn: Connection, records: list[SinkRecord]) -> None:
        planned = self._plan(records)
        self._prepare_tables(conn, planned)
        self._write_rows(conn, planned)

    def write_each(self, records: list[SinkRecord], report: Callable[[Sequence[RowFailure]], None]) -> None:
        """Write ``records`` one by one in one transaction; refused rows go to ``report`` before the commit.

        A row whose mapping or statement fails for a data reason is rolled back to its savepoint and collected;
        ``report`` gets every such ``(record, error)`` (the driver's own error for a statement) and may raise, which
        rolls the whole batch back. A transient error (``Dialect.is_transient``) rolls back and propagates.
        """
        import sqlalchemy.exc

        with self._transaction() as conn:
            failed: list[RowFailure] = []
            planned: list[tuple[SinkRecord, list[tuple[TableId, str, Row]]]] = []
            for record in records:
                try:
                    planned.append((record, self._plan([record])))
                except Exception as error:  # a record that cannot become a row is a bad row
                    failed.append((record, error))
            self._prepare_tables(conn, [item for _record, items in planned for item in items])
            for record, items in planned:
                savepoint = conn.begin_nested()
                try:
                    self._write_rows(conn, items)
                except sqlalchemy.exc.DBAPIError as error:
                    if self.is_transient(error):
                        raise
                    savepoint.rollback()
                    failed.append((record, error.orig if error.orig is not None else error))
                else:
                    savepoint.commit()
            if failed:
                order = {id(record): i for i, record in enumerate(records)}
                report(sorted(failed, key=lambda failure: order[id(failure[0])]))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """One connection and transaction: committed at the end, rolled back (table cache dropped) on any error."""
        with self._engine_or_create().connect() as conn:
            self._conn = conn
            try:
                yield conn
                self._ahead.wait()  # every statement answered before the commit
                conn.commit()
            except BaseException:
                self._ahead.cancel()  # no statement runs on the connection once it is rolled back
                conn.rollback()
                self.tables.invalidate()
                raise
            finally:
                self._conn = None

    def is_transient(self, error: BaseException) -> bool:
        """A lost connection (as SQLAlchemy detected it) or a dialect's transient error code: retry the batch."""
        if getattr(error, "connection_invalidated", False):
            return True
        orig = getattr(error, "orig", None)
        return self.dialect.is_transient(orig if orig is not None else error)

    def _plan(self, records: list[SinkRecord]) -> list[tuple[TableId, str, Row]]:
        planned: list[tuple[TableId, str, Row]] = []
        append, row_of, table_id, tables = planned.append, self._fields.row, self.table_id, self._table_ids
        delete_enabled, insert_mode = self._config.delete_enabled, self._config.insert_mode
        for record in records:
            if record.value is None:
                if not delete_enabled:
                    log.debug("Skipping tombstone at %s-%s@%s (delete.enabled=false)", record.topic,
                              record.kafka_partition, record.kafka_offset)
                    continue
                op = "delete"
            else:
                op = insert_mode
            table = tables.get(record.topic)
            append((table if table is not None else table_id(record.topic), op, row_of(record)))
        return planned

    def _write_struct_rows(self, conn: Connection, records: list[SinkRecord]) -> bool:
        """The batch path of :meth:`write` for Struct values with the key columns from a Struct key
        (``pk.mode=record_key``) or from the value (``pk.mode=record_value``: the value is the "key struct" too),
        inserts or upserts, pymysql: the row texts are written straight from the structs' values, column by column,
        by one writer per (key schema, value schema) (``struct_rows_writer``), with no ``Row``, bound tuple or
        per-row look-up.

        The statements are the ones :meth:`_plan` and :meth:`_write_rows` give (same runs, order, chunks and text).
        False, before anything is sent, where the batch is not all such records or a row cannot be written this
        way (a value pymysql refuses, a plan that raises): the per-record path then writes and reports it.

        """
        dbapi: Any = conn.connection.dbapi_connection
        escapes = escapes_of(dbapi)
        if escapes is None or not records:
            return False
        fields, op, escape, keys_in_value = self._fields, self._config.insert_mode, dbapi.escape, self._keys_in_value
        tables, table_id = self._table_ids, self.table_id
        writers: dict[tuple[int, int], tuple[Any, ...]] = {}  # by the schemas' identity (alive for the batch)
        runs: dict[TableId, tuple[Shape, list[str], list[SinkRecord], str, MultiRowInsert]] = {}
        order: list[tuple[TableId, tuple[Shape, list[str], list[SinkRecord], str, MultiRowInsert]]] = []
        needed: list[tuple[TableId, str, Row]] = []
        last: tuple[Any, ...] = (None, None, None)  # (topic, key schema, value schema) of the record before
        # runs of records with the same two schemas: (rows writer, their keys' values, their values' values, texts)
        segments: list[tuple[Any, list[list[Any]], list[list[Any]], list[str]]] = []
        keys: list[list[Any]] = []
        values: list[list[Any]] = []
        kept: list[SinkRecord] = []
        try:
            for record in records:
                value = record.value
                key = value if keys_in_value else record.key
                if key.__class__ is not Struct or value.__class__ is not Struct:
                    return False
                if key.schema is not last[1] or value.schema is not last[2] or record.topic != last[0]:
                    last = (record.topic, key.schema, value.schema)
                    writer = writers.get((id(key.schema), id(value.schema)))
                    if writer is None:
                        key_specs, key_plan, value_specs, value_plan = fields.struct_pair(key.schema, value.schema)
                        writer = writers[(id(key.schema), id(value.schema))] = (
                            (op, tuple(c.name for c in key_specs), tuple(c.name for c in value_specs)),
                            Row(key_specs, value_specs, (), ()),
                            struct_rows_writer(escapes, escape, fields.struct_columns(key_plan, value_plan),
                                               fields.utc_naive))
                    shape, specs, rows_text = writer
                    table = tables.get(record.topic) or table_id(record.topic)
                    needed.append((table, op, specs))
                    run = runs.get(table)
                    if run is None or (run[0] is not shape and run[0] != shape):
                        if run is not None:
                            order.append((table, run))
                        sql = self._statement(table, shape)
                        multi_row = self._multi_row(sql)
                        if multi_row is None:
                            return False
                        run = runs[table] = (shape, [], [], sql, multi_row)
                    keys, values, kept = [], [], run[2]
                    segments.append((rows_text, keys, values, run[1]))
                keys.append(key._values)
                values.append(value._values)
                kept.append(record)
            first = order[0][1] if order else next(iter(runs.values()), None)  # the run sent first
            prebuilt = self._first_statement_rows(first[1], segments) if first is not None else (None, 0)
        except Exception:  # the per-record path raises (or reports) it as it always has
            return False
        order.extend(runs.items())
        self._prepare_tables(conn, needed)
        self._send_texts(conn, dbapi.encoding, [run for _table, run in order], segments, prebuilt)
        return True

    def _first_statement_rows(self, texts: list[str], segments: list[tuple[Any, list[list[Any]], list[list[Any]],
                                                                           list[str]]]) -> tuple[Any, int]:
        """Write the rows of the first statement (run ``texts``) before anything is sent, where a refused value
        usually shows; the segment and how many of its rows are written."""
        segment = next(seg for seg in segments if seg[3] is texts)
        rows_text, keys, values, _ = segment
        built = self._config.batch_size or len(keys)
        texts.extend(rows_text(keys[:built], values[:built]))
        return segment, built

    def _send_texts(self, conn: Connection, encoding: str,
                    runs: list[tuple[Shape, list[str], list[SinkRecord], str, MultiRowInsert]],
                    segments: list[tuple[Any, list[list[Any]], list[list[Any]], list[str]]],
                    prebuilt: tuple[Any, int]) -> None:
        """Each run's row texts, written ``batch.size`` rows at a time, as multi-row statements (as ``_execute``):
        each sent while the next is written (``prebuilt``: a segment and how many of its rows are written). A
        row that cannot be written this way raises ``_WriteAgain``: the transaction is rolled back and the
        per-record path writes the batch."""
        of_run: dict[int, list[tuple[Any, list[list[Any]], list[list[Any]], int]]] = {}
        for segment in segments:
            rows_text, segment_keys, segment_values, texts = segment
            skip = prebuilt[1] if segment is prebuilt[0] else 0
            of_run.setdefault(id(texts), []).append((rows_text, segment_keys, segment_values, skip))
        batch_size = self._config.batch_size
        for _shape, run_texts, run_records, sql, multi_row in runs:
            sent = 0
            for rows_text, segment_keys, segment_values, skip in of_run.get(id(run_texts), ()):
                step = batch_size or len(segment_keys)
                for start in range(skip, len(segment_keys), step):
                    try:
                        run_texts.extend(rows_text(segment_keys[start:start + step],
                                                   segment_values[start:start + step]))
                    except Exception as error:
                        raise _WriteAgain from error
                    while batch_size and len(run_texts) - sent >= batch_size:
                        self._send_joined(conn, multi_row.join(encoding, run_texts[sent:sent + batch_size]), sql,
                                          run_records[sent:sent + batch_size])
                        sent += batch_size
            if len(run_texts) > sent:
                self._send_joined(conn, multi_row.join(encoding, run_texts[sent:]), sql, run_records[sent:])

    def _send_joined(self, conn: Connection, statements: list[str], sql: str, records: list[SinkRecord]) -> None:
        def send() -> None:
            import sqlalchemy.exc

            try:
                for statement in statements:
                    conn.exec_driver_sql(statement)
            except sqlalchemy.exc.StatementError as error:
                self._as_executemany(error, sql, records)
                raise

        self._run(send)

    def _run(self, statement: Any, *, encoded: bool = True) -> None:
        """Run ``statement`` (a callable) beside the encoding of the next in ``write``; in the calling thread when
        not ``encoded`` here (``executemany``: the driver encodes each row and waits on each round trip, which gains
        nothing beside our encoding and loses the GIL to it) or outside ``write``."""
        if self._pipelined and encoded:
            self._ahead.submit(statement)
            return
        if self._pipelined:
            self._ahead.wait()  # in order after the statements in flight
        started = time.monotonic()
        try:
            statement()
        finally:
            self._waited += time.monotonic() - started

    def _as_executemany(self, error: Any, sql: str, records: list[SinkRecord]) -> None:
        """Report a failed batch-path statement as executemany would have: placeholders and the bound rows."""
        try:
            rows = [self._fields.row(record) for record in records]
        except Exception:  # the database's error is the one to raise
            rows = []
        error.statement, error.params, error.ismulti = sql, [r.key_values + r.value_values for r in rows], True

    def _statement(self, table: TableId, shape: Shape) -> str:
        op, keys, values = shape
        if op == "upsert":
            return self.sql.upsert(table, keys, values)
        if op == "update":
            return self.sql.update(table, keys, values)
        if op == "delete":
            return self.sql.delete(table, keys)
        return self.sql.insert(table, keys, values)

    def _prepare_tables(self, conn: Connection, planned: list[tuple[TableId, str, Row]]) -> None:
        needed: dict[TableId, tuple[dict[str, ColumnSpec], dict[str, ColumnSpec]]] = {}
        seen: set[tuple[TableId, int, int]] = set()  # rows sharing the (cached) spec tuples add nothing new
        last: tuple[Any, ...] = (None, None, None)  # (table, keys, values) of the row before
        for table, _op, row in planned:
            if row.keys is last[1] and row.values is last[2] and table is last[0]:
                continue  # the usual batch: every row has the (cached) specs of the one before
            last = (table, row.keys, row.values)
            shared = (table, id(row.keys), id(row.values))  # every row is alive here, so ids are not reused
            if shared in seen:
                continue
            seen.add(shared)
            keys, values = needed.setdefault(table, ({}, {}))
            for spec in row.keys:
                keys.setdefault(spec.name, spec)
            for spec in row.values:
                values.setdefault(spec.name, spec)
        for table, (keys, values) in needed.items():
            self.tables.ensure(conn, table, keys.values(), values.values())

    def _write_rows(self, conn: Connection, planned: list[tuple[TableId, str, Row]]) -> None:
        runs: dict[TableId, tuple[Shape, list[tuple[Any, ...]]]] = {}
        shapes: dict[tuple[str, int, int], Shape] = {}  # by the identity of the row's (cached) spec tuples
        last: tuple[Any, ...] = (None, None, None, None, None)  # (table, op, keys, values, params) of the last row
        for table, op, row in planned:
            keys, values, key_values, value_values = row
            if table is last[0] and op is last[1] and keys is last[2] and values is last[3]:
                params = last[4]  # the usual batch: every row has the shape of the one before (spec tuples cached)
            else:
                shape_key = (op, id(keys), id(values))  # every row is alive here, so ids are not reused
                shape = shapes.get(shape_key)
                if shape is None:
                    shape = shapes[shape_key] = (op, tuple(c.name for c in keys), tuple(c.name for c in values))
                run = runs.get(table)
                if run is None or (run[0] is not shape and run[0] != shape):
                    if run is not None:
                        self._execute(conn, table, *run)
                    run = runs[table] = (shape, [])
                params = run[1]
                last = (table, op, keys, values, params)
            if op == "update":
                params.append(value_values + key_values)
            elif op == "delete":
                params.append(key_values)
            else:
                params.append(key_values + value_values)
        for table, run in runs.items():
            self._execute(conn, table, *run)

    def _execute(self, conn: Connection, table: TableId, shape: Shape, params: list[tuple[Any, ...]]) -> None:
        op = shape[0]
        sql = self._statement(table, shape)
        size = self._config.batch_size or len(params)
        multi_row = self._multi_row(sql) if op in ("insert", "upsert") else None
        for start in range(0, len(params), size):
            chunk = params[start:start + size]
            statements = None
            if multi_row is not None:
                try:
                    statements = multi_row.statements(conn.connection.dbapi_connection, chunk)
                except Exception:  # a value pymysql refuses: executemany raises it the usual (wrapped) way
                    statements = None
            if statements is None:
                self._run(functools.partial(conn.exec_driver_sql, sql, chunk), encoded=False)
                continue
            self._run(functools.partial(_send_statements, conn, statements, sql, chunk))

    def _multi_row(self, sql: str) -> MultiRowInsert | None:
        """The statement's multi-row form for pymysql (cached per SQL text), None for other drivers."""
        if self._url.family != MYSQL:
            return None
        if sql not in self._multi_rows:
            self._multi_rows[sql] = MultiRowInsert.parse(sql)
        return self._multi_rows[sql]

    def _primary_key_of_topic(self, topic: str) -> list[str] | None:
        if self._conn is None:
            raise ConnectError("No open connection to look up the table's primary key")
        info = self.tables.info(self._conn, self.table_id(topic))
        return None if info is None else info.primary_key

    def _engine_or_create(self) -> Engine:
        if self._engine is None:
            import sqlalchemy

            c = self._config
            password = c.connection_password.get_secret_value() if c.connection_password else None
            url = self._url.sqlalchemy_url(c.connection_user, password)
            engine = sqlalchemy.create_engine(url, pool_pre_ping=True, connect_args=self._url.connect_args())
            dialect, zone, jdbc = self.dialect, c.db_timezone, self._url

            @sqlalchemy.event.listens_for(engine, "connect")
            def _session(dbapi_conn: Any, _record: Any) -> None:
                jdbc.check_tls(dbapi_conn)  # TLS the URL requires, or no connection
                dialect.setup_session(dbapi_conn, zone)

            @sqlalchemy.event.listens_for(engine, "handle_error")
            def _refused(context: Any) -> None:
                """Refused credentials become DatabaseAuthenticationError: never retried, the breaker opens at once."""
                refused = dialect.authentication_error(context.original_exception)
                if refused is not None:
                    raise refused

            if self._url.family == SQLITE:
                _sqlite_transactions(engine)
            self._engine = engine
        return self._engine


def _send_statements(conn: Connection, statements: list[str], sql: str, chunk: list[tuple[Any, ...]]) -> None:
    """Run a chunk's multi-row statements; a failure reports the statement as executemany would have (placeholders
    and the truncated rows, never the written-out values: the error's text reaches logs and the status trace)."""
    import sqlalchemy.exc

    try:
        for statement in statements:
            conn.exec_driver_sql(statement)
    except sqlalchemy.exc.StatementError as error:
        error.statement, error.params, error.ismulti = sql, chunk, True
        raise


def _sqlite_transactions(engine: Engine) -> None:
    """SQLAlchemy's recipe: pysqlite emits no BEGIN before a SAVEPOINT, so releasing one would commit the batch."""
    import sqlalchemy

    @sqlalchemy.event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @sqlalchemy.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

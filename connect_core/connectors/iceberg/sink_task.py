"""IcebergSinkTask: routes records to tables, stages their rows with their offsets and commits on the interval.

Where the commit runs: in any sink invocation, once the oldest staged file of a table waited
``iceberg.control.commit.interval-ms``, an invocation without records too (an idle tick: ``put([])`` and
``pre_commit``), in any container: the configured ``iceberg.tables``, or with dynamic routing the tables marked
pending by whoever staged for them, so a topic that goes quiet is visible within the interval, as with the JVM
coordinator. No position a container remembers counts: the table's committed offsets are read at each batch.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError, DataError
from connect_core.api.file_roots import file_roots_of
from connect_core.api.struct import Struct, TextStruct
from connect_core.api.task import SinkTask
from connect_core.connectors.iceberg import _code_names, _commit
from connect_core.connectors.iceberg._columns import BufferedRows, ColumnsPlan, columns_plan
from connect_core.connectors.iceberg._types import (
    partition_spec,
    record_schema,
    row_writer,
    schema_updates,
    to_row,
)
from connect_core.connectors.iceberg.config import (
    AUTO_CREATE_PROPS_PREFIX,
    TABLE_PROPERTIES,
    catalog_properties,
    load_config,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyiceberg.catalog import Catalog
    from pyiceberg.schema import Schema as IcebergSchema
    from pyiceberg.table import Table

    from connect_core.api.file_roots import FileRoots
    from connect_core.api.record import SinkRecord
    from connect_core.api.schema import Schema
    from connect_core.api.task import TopicPartition
    from connect_core.connectors.iceberg.config import IcebergSinkConfig

__all__ = ["IcebergSinkTask", "commit_due", "open_catalog"]

log = logging.getLogger(__name__)

# the structs that may carry the text the JSON converter read them from (``Struct._text``)
_TEXT_CLASSES: Final = (Struct, TextStruct)
# rows held per task before the largest buffer is written out as data files (bounded memory)
MAX_BUFFERED_ROWS: Final = 20_000
Buffer = tuple[str, str, int]  # table, topic, partition
# what Iceberg's Java library puts on every table it creates (TableMetadata.persistedProperties, since 1.4), so that
# a JVM writer (compaction, Spark) keeps zstd on a table we created instead of Java's older gzip default
NEW_TABLE_PROPERTIES: Final = {"write.parquet.compression-codec": "zstd"}


def open_catalog(config: IcebergSinkConfig, file_roots: FileRoots | None = None) -> Catalog:
    """pyiceberg's catalog for ``iceberg.catalog.*`` (JDBC as pyiceberg's SQL catalog, REST, Glue): only what the
    allow-list passes reaches pyiceberg, host paths only under ``file_roots``; no table or server may name code
    (``_code_names.guard``)."""
    from pyiceberg.catalog import load_catalog

    properties = catalog_properties(config.catalog_props(), config.catalog_name, file_roots)
    return _code_names.guard(load_catalog(config.catalog_name, **properties), properties)


def commit_due(props: dict[str, str], *, force: bool = False) -> dict[str, str | None]:
    """Commit every configured table whose staged files waited the interval (``force``: now); table name -> commit
    id (None: nothing committed)."""
    config = load_config(props)
    catalog = open_catalog(config)
    out: dict[str, str | None] = {}
    for name in config.tables or []:
        table = catalog.load_table(name)
        out[name] = _commit.commit_staged(table, config.connect_group(), config.table_config(name).commit_branch,
                                          config.commit_interval_ms, config.commit_timeout_ms, force=force,
                                          control_topic=config.control_topic)
    return out


class IcebergSinkTask(SinkTask):
    """Iceberg's ``IcebergSinkTask``: ``SinkWriter`` routing and ``RecordConverter`` conversion into data files."""

    def __init__(self) -> None:
        """A stopped task; the catalog opens at the first record."""
        self._config: IcebergSinkConfig | None = None
        self._catalog: Catalog | None = None
        self._io: Any = None  # the warehouse's FileIO (dynamic routing's pending marks)
        self._tables: dict[str, Table | None] = {}
        # per table, the offsets it holds committed, read at its first record of each batch (never kept across
        # batches: another container may have committed since, or the rows this one staged may be gone)
        self._committed: dict[str, dict[tuple[str, int], int]] = {}
        self._rows: dict[Buffer, BufferedRows] = {}
        self._buffered = 0  # rows in ``_rows``
        # (Connect schema, table schema, the row writer of the pair) by their ids
        self._plans: dict[tuple[int, int], tuple[Schema, IcebergSchema, Callable[[list[Any]], dict[str, Any]]]] = {}
        # (Connect schema, table schema, how texts of the one become rows of the other; None: by rows) by their ids
        self._column_plans: dict[tuple[int, int], tuple[Schema, IcebergSchema, ColumnsPlan | None]] = {}
        self._touched: set[str] = set()  # tables staged for since the last flush
        # (id of a Connect schema, table schema id) -> that Connect schema, where its records need no evolution
        self._unchanged: dict[tuple[int, int], Schema] = {}
        self._fresh: set[str] = set()  # tables loaded (or created) in this batch: their metadata is current
        self._routed: set[str] = set()  # tables this container routed records to (dynamic routing)

    def start(self, props: dict[str, str]) -> None:
        """Parse the config (``load_config``'s checks); nothing connects yet."""
        self._config = load_config(props)
        self._plans.clear()  # compiled for the previous config's schema-case-insensitive
        self._column_plans.clear()

    def wants_json_text(self) -> bool:
        """A value's text, where the JSON converter keeps it, is read with the rest of its run into the table's
        columns at once (``_columns.py``) instead of a row per record."""
        return True

    @property
    def config(self) -> IcebergSinkConfig:
        """The started task's config."""
        assert self._config is not None
        return self._config

    def _catalog_now(self) -> Catalog:
        if self._catalog is None:
            self._catalog = open_catalog(self.config, file_roots_of(self))
        return self._catalog

    def _route(self, record: SinkRecord) -> list[tuple[str, bool]]:
        """Iceberg's ``routeRecordStatically``/``Dynamically``: (table, skip when missing) pairs."""
        config = self.config
        field = config.route_field
        value = None
        if field is not None:
            from connect_core.connectors.iceberg._types import _field

            value = record.value
            for part in field.split("."):
                value = _field(value, part, False) if value is not None else None
            value = None if value is None else str(value)
        if config.dynamic_enabled:
            if value is None:
                return []
            self._routed.add(value.lower())
            return [(value.lower(), True)]
        tables = config.tables or []
        if field is None:
            return [(t, False) for t in tables]
        if value is None:
            return []
        return [(t, False) for t in tables if (rx := config.table_config(t).route_regex) is not None
                and rx.fullmatch(value)]

    def _table(self, name: str, record: SinkRecord, ignore_missing: bool) -> Table | None:
        """The table, created from the record when auto-create is on (namespace too, races taken as done)."""
        if name in self._tables:
            return self._tables[name]
        from pyiceberg.exceptions import NoSuchTableError, TableAlreadyExistsError

        catalog = self._catalog_now()
        table: Table | None
        try:
            table = catalog.load_table(name)
        except NoSuchTableError:
            if not self.config.auto_create_enabled:
                if not ignore_missing:
                    raise ConnectError(f"Table does not exist: {name}") from None
                self._tables[name] = None
                return None
            self._create_namespace(name)
            schema = record_schema(record.value_schema, record.value, self.config.schema_force_optional)
            table_config = self.config.table_config(name)
            if table_config.id_columns:
                schema = schema.model_copy(update={"identifier_field_ids": [
                    schema.find_field(c).field_id for c in table_config.id_columns]})
            spec = partition_spec(schema, table_config.partition_by)
            try:
                properties = {**NEW_TABLE_PROPERTIES, **TABLE_PROPERTIES.passed(
                    self.config.prefixed(AUTO_CREATE_PROPS_PREFIX), AUTO_CREATE_PROPS_PREFIX, file_roots_of(self))}
                table = catalog.create_table(name, schema, partition_spec=spec, properties=properties)
            except TableAlreadyExistsError:
                table = catalog.load_table(name)
        self._tables[name] = table
        self._fresh.add(name)
        return table

    def _create_namespace(self, name: str) -> None:
        """Each level of the table's namespace, an existing one (or one created meanwhile) taken as done: unlike
        Iceberg's JVM sink, a duplicate key from a concurrent creation on a JDBC catalog does not fail the task."""
        catalog = self._catalog_now()
        levels = name.split(".")[:-1]
        for index in range(1, len(levels) + 1):
            namespace = tuple(levels[:index])
            try:
                catalog.create_namespace(namespace)
            except Exception:
                if not catalog.namespace_exists(namespace):
                    raise

    def _committed_now(self, name: str, table: Table) -> dict[tuple[str, int], int]:
        """The offsets ``table`` holds committed, from its metadata refreshed now (the first record of a batch for
        it): what another container committed counts, and nothing this container staged or remembers does."""
        committed = self._committed.get(name)
        if committed is None:
            if name not in self._fresh:
                _commit.refresh(table)
            committed = self._committed[name] = _commit.committed_offsets(
                table, self.config.connect_group(), self.config.table_config(name).commit_branch)
        return committed

    def _evolve(self, table: Table, record: SinkRecord) -> Table:
        """Iceberg's schema evolution (``evolve-schema-enabled``, ``RecordConverter``): the record's fields the table
        or one of its structs lacks added as optional columns, int widened to long and float to double, a required
        column made optional for an optional field; taken turns with another container evolving it meanwhile."""
        from pyiceberg.exceptions import CommitFailedException

        value = record.value
        connect = record.value_schema if record.value_schema is not None else (
            value.schema if isinstance(value, Struct) else None)
        if connect is not None and self._unchanged.get((id(connect), table.schema().schema_id)) is connect:
            return table
        fold = self.config.schema_case_insensitive
        for attempt in range(5):
            updates = schema_updates(table.schema(), connect, value, fold)
            if not updates:
                if connect is not None:
                    if len(self._unchanged) >= 256:
                        self._unchanged.clear()
                    self._unchanged[(id(connect), table.schema().schema_id)] = connect
                return table
            try:
                with table.update_schema(case_sensitive=not fold) as update:
                    for path, kind in updates.add:
                        update.add_column(path, kind, required=False)
                    for path, kind in updates.widen:
                        update.update_column(path, field_type=kind)
                    for path in updates.optional:
                        update.make_column_optional(path)
            except CommitFailedException:
                if attempt == 4:
                    raise
            _commit.refresh(table)  # the evolved schema (or the one another container evolved meanwhile)
        return table

    def put(self, records: list[SinkRecord]) -> None:
        """Convert each record into a row of each table it routes to; records below the offsets a table holds
        committed (read from the table at its first record of this batch) are skipped, and nothing else is: a
        re-delivery of rows staged but not committed is staged again, and the commit takes each offset once."""
        config = self.config
        static = None if config.route_field is not None or config.dynamic_enabled else [
            (name, False) for name in config.tables or []]  # every record routes alike: worked out once
        evolve, fold = config.evolve_schema_enabled, config.schema_case_insensitive
        buffers, tables = self._rows, self._tables
        schemas: dict[str, tuple[Any, IcebergSchema]] = {}  # each table's metadata and its current schema
        last_plan: tuple[Any, Any, ColumnsPlan | None] = (None, None, None)  # the last value's (schemas, plan)
        self._committed = {}
        self._fresh = set()
        for record in records:
            value = record.value
            if value is None:
                continue
            for name, ignore_missing in static if static is not None else self._route(record):
                table = tables[name] if name in tables else self._table(name, record, ignore_missing)
                if table is None:
                    continue
                partition = record.kafka_partition or 0
                offset = record.kafka_offset
                committed = self._committed.get(name)
                if committed is None:
                    committed = self._committed_now(name, table)
                if offset < committed.get((record.topic, partition), 0):
                    continue  # committed to the table already (a re-delivery)
                if evolve:
                    table = self._evolve(table, record)
                known = schemas.get(name)
                if known is None or known[0] is not table.metadata:  # a commit or refresh replaces the metadata
                    known = schemas[name] = (table.metadata, table.schema())
                key = (name, record.topic, partition)
                buffer = buffers.get(key)
                if buffer is None:
                    buffer = buffers[key] = BufferedRows(self._row_of(key))
                if value.__class__ in _TEXT_CLASSES and value._text is not None:
                    if value.schema is not last_plan[0] or known[1] is not last_plan[1]:
                        last_plan = (value.schema, known[1], self._columns(value.schema, known[1], fold))
                    plan = last_plan[2]
                else:
                    plan = None
                buffer.add(value, offset, plan, known[1])
                self._buffered += 1
            if self._buffered >= MAX_BUFFERED_ROWS:
                self._write(max(buffers, key=lambda k: len(buffers[k])))
        for buffer in buffers.values():
            buffer.settle()  # a text run's error is this put's, as a row's is

    def _row_of(self, key: Buffer) -> Callable[[Any, IcebergSchema, int], dict[str, Any]]:
        """``_row`` for the records of buffer ``key``, a conversion's error as the record's ``DataError``."""
        _, topic, partition = key
        fold = self.config.schema_case_insensitive

        def row_of(value: Any, schema: IcebergSchema, offset: int) -> dict[str, Any]:
            try:
                return self._row(value, schema, fold)
            except (TypeError, ValueError, ArithmeticError) as e:
                raise DataError(f"An error occurred converting record, topic: {topic}, partition, {partition}, "
                                f"offset: {offset}: {e}") from e

        return row_of

    def _columns(self, connect: Schema, schema: IcebergSchema, fold: bool) -> ColumnsPlan | None:
        """How the text of a value of ``connect`` (kept by the converter: ``wants_json_text``) becomes a row of
        ``schema`` with the rest of its run; None: by the row writer (a pair of schemas the plans do not cover)."""
        plan = self._column_plans.get((id(connect), id(schema)))
        if plan is None or plan[0] is not connect or plan[1] is not schema:
            if len(self._column_plans) >= 64:
                self._column_plans.clear()
            plan = self._column_plans[(id(connect), id(schema))] = (connect, schema, columns_plan(connect, schema,
                                                                                                  fold))
        return plan[2]

    def _row(self, value: Any, schema: IcebergSchema, fold: bool) -> dict[str, Any]:
        """``to_row``; a Struct through the row writer compiled for its schema and the table's (``row_writer``)."""
        if value.__class__ is not Struct:
            return to_row(value, schema, fold)
        connect = value.schema
        plan = self._plans.get((id(connect), id(schema)))
        if plan is None or plan[0] is not connect or plan[1] is not schema:
            if len(self._plans) >= 64:
                self._plans.clear()
            plan = self._plans[(id(connect), id(schema))] = (connect, schema, row_writer(connect, schema, fold))
        return plan[2](value.values())

    def _write(self, key: Buffer) -> None:
        """Stage one buffer: its rows as an Arrow file of the table's schema, with their offsets (the commit
        merges the staged rows into the table's data files)."""
        from pyiceberg.io.pyarrow import schema_to_pyarrow

        name, topic, part = key
        buffer = self._rows.pop(key)
        self._buffered -= len(buffer)
        table = self._tables[name]
        assert table is not None
        frame = buffer.table(schema_to_pyarrow(table.schema(), include_field_ids=False))
        group = self.config.connect_group()
        _commit.stage(table, group, topic=topic, partition=part, offsets=buffer.offsets, frame=frame)
        if self.config.dynamic_enabled and (pending := self._pending_root()) is not None:
            _commit.mark_pending(self._warehouse_io(), pending, name)  # after staging: see unmark_when_done
        self._touched.add(name)

    def _pending_root(self) -> str | None:
        """Where tables with staged files are marked (dynamic routing): under the catalog's warehouse, None without
        one (a REST catalog's server keeps it)."""
        warehouse = self._catalog_now().properties.get("warehouse")
        return _commit.pending_root(warehouse, self.config.connect_group()) if warehouse else None

    def _warehouse_io(self) -> Any:
        """The catalog's FileIO for the warehouse (the pending marks), kept with the catalog."""
        if self._io is None:
            from pyiceberg.io import load_file_io

            catalog = self._catalog_now()
            self._io = load_file_io(catalog.properties, catalog.properties.get("warehouse"))
        return self._io

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        """Stage every buffer, then commit each table with staged files (by any container) once the oldest waited
        the interval; an invocation without records (an idle tick: ``put([])`` then ``pre_commit``) commits too,
        so a quiet topic's last rows become visible, as the JVM coordinator commits on its interval."""
        for key in list(self._rows):
            self._write(key)
        config = self.config
        for name in sorted(self._candidates()):
            table = self._tables.get(name)
            if table is None:
                continue
            committed = _commit.commit_staged(
                table, config.connect_group(), config.table_config(name).commit_branch, config.commit_interval_ms,
                config.commit_timeout_ms, control_topic=config.control_topic)
            if committed is not None and config.dynamic_enabled and (pending := self._pending_root()) is not None:
                _commit.unmark_when_done(self._warehouse_io(), pending, name, table, config.connect_group())
        self._touched.clear()

    def _candidates(self) -> set[str]:
        """The tables a flush looks at for staged files: those staged for now, the configured ones (static routing)
        or those marked pending by any container (dynamic routing; without a warehouse, those this container routed
        to), loaded from the catalog when this container has not yet."""
        from pyiceberg.exceptions import NoSuchTableError

        config = self.config
        names = set(self._touched)
        if not config.dynamic_enabled:
            names.update(config.tables or [])
        elif (pending := self._pending_root()) is not None:
            names.update(_commit.pending_tables(self._warehouse_io(), pending))
        else:
            names.update(self._routed)
        for name in names - self._tables.keys():
            try:
                self._tables[name] = self._catalog_now().load_table(name)
            except NoSuchTableError:
                continue  # created by its first record
        return names

    def stop(self) -> None:
        """Drop unstaged rows (their offsets were not committed) and the catalog."""
        self._rows.clear()
        self._buffered = 0
        self._tables.clear()
        self._committed.clear()
        self._routed.clear()
        self._touched.clear()
        self._catalog = None
        self._io = None

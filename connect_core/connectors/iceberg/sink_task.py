"""IcebergSinkTask: routes records to tables, writes Parquet data files, stages them and commits on the interval.

Where the commit runs: in the sink invocation, once the oldest staged file of a table waited
``iceberg.control.commit.interval-ms``, because the invocation already holds the catalog and the files. An
invocation without records commits too (pull mode ticks every ``lambda.sink.poll.interval.ms``, and ``pre_commit``
flushes): the tables this task staged files for, and at its first flush the configured ``iceberg.tables`` with files
a previous container staged, so a topic that goes quiet is visible within the interval, as the JVM coordinator's.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError, DataError
from connect_core.api.file_roots import file_roots_of
from connect_core.api.struct import Struct
from connect_core.api.task import SinkTask
from connect_core.connectors.iceberg import _commit
from connect_core.connectors.iceberg._types import partition_spec, record_schema, row_writer, to_row
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

# rows held per task before the largest buffer is written out as data files (bounded memory)
MAX_BUFFERED_ROWS: Final = 20_000
Buffer = tuple[str, str, int]  # table, topic, partition
# what Iceberg's Java library puts on every table it creates (TableMetadata.persistedProperties, since 1.4), so that
# a JVM writer (compaction, Spark) keeps zstd on a table we created instead of Java's older gzip default
NEW_TABLE_PROPERTIES: Final = {"write.parquet.compression-codec": "zstd"}


def open_catalog(config: IcebergSinkConfig, file_roots: FileRoots | None = None) -> Catalog:
    """pyiceberg's catalog for ``iceberg.catalog.*`` (JDBC as pyiceberg's SQL catalog, REST, Glue): only what the
    allow-list passes reaches pyiceberg, host paths only under ``file_roots``."""
    from pyiceberg.catalog import load_catalog

    return load_catalog(config.catalog_name,
                        **catalog_properties(config.catalog_props(), config.catalog_name, file_roots))


def commit_due(props: dict[str, str], *, force: bool = False) -> dict[str, str | None]:
    """Commit every configured table whose staged files waited the interval (what a heartbeat would call);
    table name -> commit id (None: nothing committed)."""
    config = load_config(props)
    catalog = open_catalog(config)
    out: dict[str, str | None] = {}
    for name in config.tables or []:
        table = catalog.load_table(name)
        out[name] = _commit.commit_staged(table, config.connect_group(), config.table_config(name).commit_branch,
                                          config.commit_interval_ms, config.commit_timeout_ms, force=force)
    return out


class IcebergSinkTask(SinkTask):
    """Iceberg's ``IcebergSinkTask``: ``SinkWriter`` routing and ``RecordConverter`` conversion into data files."""

    def __init__(self) -> None:
        """A stopped task; the catalog opens at the first record."""
        self._config: IcebergSinkConfig | None = None
        self._catalog: Catalog | None = None
        self._tables: dict[str, Table | None] = {}
        self._next: dict[Buffer, int] = {}  # offsets already committed or staged: redeliveries below are skipped
        self._rows: dict[Buffer, list[dict[str, Any]]] = {}
        self._buffered = 0  # rows in ``_rows``
        # (Connect schema, table schema, the row writer of the pair) by their ids
        self._plans: dict[tuple[int, int], tuple[Schema, IcebergSchema, Callable[[list[Any]], dict[str, Any]]]] = {}
        self._ranges: dict[Buffer, list[int]] = {}
        self._touched: set[str] = set()
        self._pending: dict[str, float] = {}  # table -> since when (epoch s) files staged for it wait a commit
        self._discovered = False  # the configured tables' staged files looked up (at the first flush)

    def start(self, props: dict[str, str]) -> None:
        """Parse the config (``load_config``'s checks); nothing connects yet."""
        self._config = load_config(props)
        self._discovered = False
        self._plans.clear()  # compiled for the previous config's schema-case-insensitive

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
            return [] if value is None else [(value.lower(), True)]
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
        self._load_offsets(name, table)
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

    def _load_offsets(self, name: str, table: Table) -> None:
        """What the table already holds (committed) or has staged, per topic partition."""
        group = self.config.connect_group()
        branch = self.config.table_config(name).commit_branch
        for (topic, part), offset in _commit.committed_offsets(table, group, branch).items():
            self._next[(name, topic, part)] = offset
        for item in _commit.list_staged(table, group):
            key = (name, item.topic, item.partition)
            self._next[key] = max(self._next.get(key, 0), item.end)
            self._pending[name] = min(self._pending.get(name, item.mtime), item.mtime)

    def _evolve(self, table: Table, record: SinkRecord) -> Table:
        """Add the record's fields the table lacks, as optional columns (``evolve-schema-enabled``)."""
        incoming = record_schema(record.value_schema, record.value, True)
        fold = self.config.schema_case_insensitive
        have = {(f.name.lower() if fold else f.name) for f in table.schema().fields}
        missing = [f for f in incoming.fields if (f.name.lower() if fold else f.name) not in have]
        if not missing:
            return table
        with table.update_schema() as update:
            for f in missing:
                update.add_column(f.name, f.field_type, required=False)
        table.refresh()
        return table

    def put(self, records: list[SinkRecord]) -> None:
        """Convert each record into a row of each table it routes to; redeliveries of staged offsets skipped."""
        config = self.config
        static = None if config.route_field is not None or config.dynamic_enabled else [
            (name, False) for name in config.tables or []]  # every record routes alike: worked out once
        evolve, fold = config.evolve_schema_enabled, config.schema_case_insensitive
        rows_of, ranges, committed = self._rows, self._ranges, self._next
        for record in records:
            value = record.value
            if value is None:
                continue
            for name, ignore_missing in static if static is not None else self._route(record):
                table = self._table(name, record, ignore_missing)
                if table is None:
                    continue
                key = (name, record.topic, record.kafka_partition or 0)
                offset = record.kafka_offset
                if offset < committed.get(key, 0):
                    self._touched.add(name)  # redelivered after a crash: what it staged may still wait a commit
                    continue
                if evolve:
                    table = self._evolve(table, record)
                try:
                    row = self._row(value, table.schema(), fold)
                except (TypeError, ValueError, ArithmeticError) as e:
                    raise DataError(f"An error occurred converting record, topic: {record.topic}, partition, "
                                    f"{record.kafka_partition}, offset: {offset}: {e}") from e
                rows = rows_of.get(key)
                if rows is None:
                    rows = rows_of[key] = []
                    ranges[key] = [offset, offset + 1]
                rows.append(row)
                ranges[key][1] = offset + 1
                self._touched.add(name)
                self._buffered += 1
            if self._buffered >= MAX_BUFFERED_ROWS:
                self._write(max(rows_of, key=lambda k: len(rows_of[k])))

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
        """Write one buffer as data files and stage them with their offsets."""
        import pyarrow as pa
        from pyiceberg.io.pyarrow import _dataframe_to_data_files, schema_to_pyarrow

        name, topic, part = key
        rows = self._rows.pop(key)
        self._buffered -= len(rows)
        start, end = self._ranges.pop(key)
        table = self._tables[name]
        assert table is not None
        frame = pa.Table.from_pylist(rows, schema=schema_to_pyarrow(table.schema()))
        files = [{"path": f.file_path, "spec_id": table.metadata.default_spec_id,
                  "partition": [_commit.encode_value(v) for v in (f.partition[i] for i in range(len(f.partition)))],
                  "stats": _commit.file_stats(f)}
                 for f in _dataframe_to_data_files(table.metadata, frame, table.io, uuid.uuid4())]
        _commit.stage(table, self.config.connect_group(), topic=topic, partition=part, start=start, end=end,
                      files=files)
        self._next[key] = end
        self._pending.setdefault(name, time.time())

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        """Stage every buffer, then commit each table written to, or with files staged before, whose staged files
        waited the interval (an invocation without records commits too: a quiet topic's last files)."""
        for key in list(self._rows):
            self._write(key)
        if not self._discovered:
            self._discover()
        config = self.config
        now = time.time()
        due = {name for name, since in self._pending.items() if now - since >= config.commit_interval_ms / 1000}
        for name in sorted(self._touched | due):
            table = self._tables[name]
            assert table is not None
            committed = _commit.commit_staged(table, config.connect_group(), config.table_config(name).commit_branch,
                                              config.commit_interval_ms, config.commit_timeout_ms)
            if committed is not None:
                self._pending.pop(name, None)
            elif name in due:  # committed by another task meanwhile, or staged later than thought: look again later
                self._pending[name] = now
        self._touched.clear()

    def _discover(self) -> None:
        """The configured tables (static routing) and what they hold staged, so files a previous container staged
        are committed without new records (dynamic routing: the tables this task routed to)."""
        from pyiceberg.exceptions import NoSuchTableError

        self._discovered = True
        if self.config.dynamic_enabled:
            return
        for name in self.config.tables or []:
            if name in self._tables:
                continue
            try:
                table = self._catalog_now().load_table(name)
            except NoSuchTableError:
                continue  # created by its first record
            self._tables[name] = table
            self._load_offsets(name, table)

    def stop(self) -> None:
        """Drop unstaged rows (their offsets were not committed) and the catalog."""
        self._rows.clear()
        self._buffered = 0
        self._ranges.clear()
        self._tables.clear()
        self._pending.clear()
        self._catalog = None

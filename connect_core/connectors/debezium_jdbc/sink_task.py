"""Debezium's ``JdbcSinkConnectorTask``: change events (or flat rows) written through the shared JDBC writer.

Each record is read (``_records``) into its table, operation and key, then written as the Confluent sink writes:
one transaction per invocation, transient errors retried (``flush.max.retries``, ``flush.retry.delay.ms``), a
refused batch written row by row with the refused rows sent to the dead letter queue. A truncate event
(``truncate.enabled``) first writes the records before it, then empties the table.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from connect_core.api import retry_pause
from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError
from connect_core.api.record import SinkRecord
from connect_core.connectors.debezium_jdbc._records import RecordReader
from connect_core.connectors.debezium_jdbc._writer import DebeziumJdbcWriter
from connect_core.connectors.debezium_jdbc.config import DebeziumJdbcSinkConfig
from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig
from connect_core.connectors.jdbc.sink_task import JdbcSinkTask

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from connect_core.connectors.jdbc._sink_writer import RowFailure

__all__ = ["DebeziumJdbcSinkTask", "writer_config"]

log = logging.getLogger(__name__)


def writer_config(config: DebeziumJdbcSinkConfig) -> JdbcSinkConfig:
    """The shared writer's config for Debezium's keys: rows arrive keyed by the reader (``record_key`` on the
    key struct it built) and named by their table, so the writer takes the table name as the topic."""
    keyed = config.primary_key_mode != "none"
    basic = config.schema_evolution == "basic"
    return JdbcSinkConfig.model_validate({
        "connection_url": config.connection_url,
        "connection_user": config.connection_username,
        "connection_password": config.connection_password,
        "insert_mode": config.insert_mode,
        "batch_size": config.batch_size,
        "delete_enabled": keyed,
        "pk_mode": "record_key" if keyed else "none",
        "auto_create": basic,
        "auto_evolve": basic,
        "quote_sql_identifiers": "always" if config.quote_identifiers else "never",
        "db_timezone": config.use_time_zone,
        "max_retries": config.flush_max_retries,
        "retry_backoff_ms": config.flush_retry_delay_ms,
    })


class DebeziumJdbcSinkTask(JdbcSinkTask):
    """Writes Debezium change events to relational tables (``io.debezium.connector.jdbc.JdbcSinkConnectorTask``)."""

    def __init__(self, sleep: Callable[[float], None] = retry_pause.pause) -> None:
        """Create an unstarted task; ``sleep`` (between retries: a newer config ends them, ``api/retry_pause.py``)
        is replaceable so tests need not wait for backoffs."""
        super().__init__(sleep)
        self._reader: RecordReader | None = None
        self._originals: dict[int, SinkRecord] = {}

    def start(self, props: dict[str, str]) -> None:
        """Parse Debezium's keys and prepare the reader and writer; the engine opens on the first write."""
        self.debezium_config = parse_config(DebeziumJdbcSinkConfig, props)
        self.config = writer_config(self.debezium_config)
        self._reader = RecordReader(self.debezium_config)
        if self._writer is None:
            self._writer = DebeziumJdbcWriter(self.config, self._sleep)

    def write_batch(self, records: list[SinkRecord]) -> None:
        """Write ``records`` in order; a truncate event splits the batch (the rows before it are written first)."""
        reader, writer = self._reader, self._writer
        if reader is None or not isinstance(writer, DebeziumJdbcWriter):
            raise ConnectError("JdbcSinkConnectorTask is not started")
        config = self.debezium_config
        rows: list[SinkRecord] = []
        self._originals = {}
        for record in records:
            change = reader.read(record)
            if change is None or change.op == "skip":
                continue
            if change.op == "truncate":
                if not config.truncate_enabled:
                    log.debug("Truncates are not enabled, skipping truncate for topic '%s'", record.topic)
                    continue
                self._write(rows)
                rows = []
                if not writer.truncate(change.table):
                    log.warning("Table %s does not exist; nothing to truncate", change.table)
                continue
            if change.op == "delete" and not config.delete_enabled:
                log.debug("Deletes are not enabled, skipping delete for topic '%s'", record.topic)
                continue
            key, row = change.key, change.row
            row_record = SinkRecord(change.table, record.kafka_partition, None if key is None else key.schema, key,
                                    None if row is None else row.schema, row, record.kafka_offset,
                                    record.timestamp)
            self._originals[id(row_record)] = record
            rows.append(row_record)
        self._write(rows)

    def _write(self, rows: list[SinkRecord]) -> None:
        if rows:
            super().write_batch(rows)

    def _report_refused(self, failures: Sequence[RowFailure]) -> None:
        """The refused rows are reported as the records they were read from."""
        super()._report_refused([(self._originals.get(id(row), row), error) for row, error in failures])

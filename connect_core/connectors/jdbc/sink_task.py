"""``JdbcSinkTask``: one invocation's records are written in one transaction, retried on transient errors.

A batch refused for any other reason is written row by row: the refused rows go to the errant record reporter
(the dead letter queue) and the rest is written, so one bad row never stalls the partition.

Writing happens at ``flush`` only (``batch.size`` sizes the multi-row statements, not the transaction), so a
failed invocation leaves nothing behind: the retried batch, whatever its boundaries, starts from a clean state,
and in upsert mode even a batch that was committed and then redelivered rewrites the same rows.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from connect_core.api import retry_pause
from connect_core.api.batching_sink_task import BatchingSinkTask
from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError, RetriableError
from connect_core.api.file_roots import file_roots_of
from connect_core.connectors.jdbc._sink_writer import JdbcSinkWriter, RowFailure
from connect_core.connectors.jdbc._url import resolve_file_roots
from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from connect_core.api.record import SinkRecord

__all__ = ["JdbcSinkTask"]

log = logging.getLogger(__name__)



class JdbcSinkTask(BatchingSinkTask):
    """Writes records to a relational table (Confluent ``JdbcSinkTask``)."""

    def __init__(self, sleep: Callable[[float], None] = retry_pause.pause) -> None:
        """Create an unstarted task; ``sleep`` (between retries: a newer config ends them, ``api/retry_pause.py``)
        is replaceable so tests need not wait for backoffs."""
        super().__init__()
        self._sleep = sleep
        self._writer: JdbcSinkWriter | None = None
        self._waited = 0.0  # network_wait_seconds of writers closed before

    def start(self, props: dict[str, str]) -> None:
        """Parse the config (the connector's own model) and prepare the writer; the engine opens lazily."""
        config = parse_config(JdbcSinkConfig, props)
        # the writer opens the file the roots check accepted (a relative path inside the first root)
        self.config = config.model_copy(update={"connection_url": resolve_file_roots(config.connection_url,
                                                                                     file_roots_of(self))})
        if self._writer is None:
            self._writer = JdbcSinkWriter(self.config, self._sleep,
                                          in_flight=self.config.lambda_connect_max_in_flight_statements)

    @property
    def network_wait_seconds(self) -> float:
        """Seconds this task's calling thread waited for the database to answer its batches' statements."""
        return self._waited + (self._writer.network_wait_seconds if self._writer is not None else 0.0)

    def stop(self) -> None:
        """Dispose of the connection pool."""
        if self._writer is not None:
            self._waited += self._writer.network_wait_seconds
            self._writer.close()
            self._writer = None

    def write_batch(self, records: list[SinkRecord]) -> None:
        """Write ``records`` in one transaction; a refused batch is written again row by row.

        Transient errors (connection lost, deadlock, lock wait timeout) retry the whole batch ``max.retries``
        times. Any other error means some row is bad: the batch is written row by row (``write_each``) and each
        refused row goes to the errant record reporter (the dead letter queue, with ``errors.tolerance=all``);
        without a reporter the batch fails naming the row and the database's message.

        Raises:
            RetriableError: the database kept failing with transient errors.
            ConnectError: a row was refused and there is no errant record reporter (or it refused too).
        """
        writer = self._writer
        if writer is None:
            raise ConnectError("JdbcSinkTask is not started")
        import sqlalchemy.exc

        try:
            self._retrying(lambda: writer.write(records), len(records))
        except RetriableError:
            raise
        except (sqlalchemy.exc.DBAPIError, ConnectError) as error:  # the database or the mapping refused a row
            log.warning("Write of %d records failed (%s); writing them row by row to find the refused ones",
                        len(records), _message(error))
            self._retrying(lambda: writer.write_each(records, self._report_refused), len(records))

    def _retrying(self, write: Callable[[], None], count: int) -> None:
        import sqlalchemy.exc

        writer = self._writer
        retries = self.config.max_retries
        for attempt in range(retries + 1):
            try:
                write()
                return
            except sqlalchemy.exc.DBAPIError as e:
                if writer is None or not writer.is_transient(e):
                    raise
                if attempt == retries:
                    raise RetriableError(f"Database write failed after {retries} retries: {_message(e)}",
                                         retry_after=self.config.retry_backoff_ms / 1000) from e
                log.warning("Write of %d records failed (%s); retry %d/%d in %d ms", count, _message(e),
                            attempt + 1, retries, self.config.retry_backoff_ms)
                retry_pause.attempt_failed(e)  # the task's status trace says so while it retries
                self._sleep(self.config.retry_backoff_ms / 1000)

    def _report_refused(self, failures: Sequence[RowFailure]) -> None:
        reporter = getattr(getattr(self, "context", None), "errant_record_reporter", None)
        if reporter is None:
            record, error = failures[0]
            kind = type(error) if isinstance(error, ConnectError) else ConnectError  # a DataError stays one
            raise kind(f"The database refused the record at {_where(record)} "
                               f"({len(failures)} of the batch refused): {_message(error)}") from error
        for record, error in failures:
            log.warning("The database refused the record at %s: %s", _where(record), _message(error))
            try:
                reporter(record, error)
            except Exception as refused:
                raise ConnectError(f"The database refused the record at {_where(record)}: {_message(error)}"
                                   ) from refused


def _where(record: SinkRecord) -> str:
    return f"{record.topic}-{record.kafka_partition}@{record.kafka_offset}"


def _message(error: BaseException) -> str:
    orig = getattr(error, "orig", None)
    return str(orig if orig is not None else error)

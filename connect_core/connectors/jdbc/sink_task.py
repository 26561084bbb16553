"""``JdbcSinkTask``: one invocation's records are written in one transaction, retried on transient errors.

Writing happens at ``flush`` only (``batch.size`` sizes the multi-row statements, not the transaction), so a
failed invocation leaves nothing behind: the retried batch, whatever its boundaries, starts from a clean state,
and in upsert mode even a batch that was committed and then redelivered rewrites the same rows.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from connect_core.api.batching_sink_task import BatchingSinkTask
from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError, RetriableError
from connect_core.connectors.jdbc._sink_writer import JdbcSinkWriter
from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SinkRecord

__all__ = ["JdbcSinkTask"]

log = logging.getLogger(__name__)



class JdbcSinkTask(BatchingSinkTask):
    """Writes records to a relational table (Confluent ``JdbcSinkTask``)."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """Create an unstarted task; ``sleep`` is replaceable so tests need not wait for backoffs."""
        super().__init__()
        self._sleep = sleep
        self._writer: JdbcSinkWriter | None = None

    def start(self, props: dict[str, str]) -> None:
        """Parse the config (the connector's own model) and prepare the writer; the engine opens lazily."""
        self.config = parse_config(JdbcSinkConfig, props)
        if self._writer is None:
            self._writer = JdbcSinkWriter(self.config, self._sleep)

    def stop(self) -> None:
        """Dispose of the connection pool."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def write_batch(self, records: list[SinkRecord]) -> None:
        """Write ``records`` in one transaction; transient errors are retried ``max.retries`` times.

        Raises:
            RetriableError: the database kept failing with connection-level errors.
            ConnectError: any other database error (constraint, syntax, missing table...).
        """
        import sqlalchemy.exc

        if self._writer is None:
            raise ConnectError("JdbcSinkTask is not started")
        retries = self.config.max_retries
        for attempt in range(retries + 1):
            try:
                self._writer.write(records)
                return
            except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError) as e:
                if attempt == retries:
                    raise RetriableError(f"Database write failed after {retries} retries: {e}",
                                         retry_after=self.config.retry_backoff_ms / 1000) from e
                log.warning("Write of %d records failed (%s); retry %d/%d in %d ms", len(records), e,
                            attempt + 1, retries, self.config.retry_backoff_ms)
                self._sleep(self.config.retry_backoff_ms / 1000)
            except sqlalchemy.exc.DBAPIError as e:
                raise ConnectError(f"Database write failed: {e.orig}") from e

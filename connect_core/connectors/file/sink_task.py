"""FileStreamSinkTask: appends ``String.valueOf(value)`` of each record plus a newline (Kafka ``FileStreamSinkTask``),
as the worker's Java objects print (``api/java_objects.py``: ``Struct{a=1}``, ``HashMap`` order)."""

from __future__ import annotations

import os
import sys
from typing import IO, TYPE_CHECKING, Any

from connect_core.api.config import parse_config
from connect_core.api.file_roots import file_roots_of
from connect_core.api.java_objects import java_string
from connect_core.api.task import SinkTask
from connect_core.connectors.file.sink_connector import FILE_CONFIG, FileStreamSinkConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SinkRecord
    from connect_core.api.task import TopicPartition

__all__ = ["FileStreamSinkTask"]


class FileStreamSinkTask(SinkTask):
    """Appends to the configured file (or standard output); ``flush`` makes the lines durable."""

    def __init__(self) -> None:
        """Create the task; the file is opened in ``start``."""
        self._filename: str | None = None
        self._out: IO[str] | None = None

    def start(self, props: dict[str, str]) -> None:
        """Open the destination in append mode (created if missing), UTF-8 as Kafka's ``PrintStream``.

        Raises:
            ConfigError: the file lies outside the worker's file roots (checked again here: the config topic may
                hold a config written before the roots changed).
        """
        config = parse_config(FileStreamSinkConfig, props)
        self._filename = config.file or None
        if self._filename is None:
            self._out = sys.stdout
        else:
            path = file_roots_of(self).resolve(FILE_CONFIG, self._filename)
            self._out = open(path, "a", encoding="utf-8", newline="\n")  # closed in stop()

    def put(self, records: list[SinkRecord]) -> None:
        """Write one line per record, in order (a record's value schema says how a top-level float or map prints)."""
        assert self._out is not None
        if records:
            self._out.write("\n".join([java_string(r.value, r.value_schema) for r in records]) + "\n")

    def values_put(self) -> Callable[[list[Any]], None] | None:
        """``put`` of records given by their values alone (all this task writes of a record), or None when a
        subclass's ``put`` may read more of them."""
        return self._put_values if type(self).put is FileStreamSinkTask.put else None

    def _put_values(self, values: list[Any]) -> None:
        """One line per value, in order, in one write; a str value (string schemas, StringConverter) is its own
        line text."""
        assert self._out is not None
        if values:
            java = java_string
            self._out.write("\n".join([value if value.__class__ is str else java(value) for value in values]) + "\n")

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        """Flush and fsync: the invocation's offsets are committed only after this returns."""
        if self._out is None:
            return
        self._out.flush()
        if self._filename is not None:
            os.fsync(self._out.fileno())

    def stop(self) -> None:
        """Close the file (never standard output)."""
        if self._out is not None and self._filename is not None:
            self._out.close()
        self._out = None

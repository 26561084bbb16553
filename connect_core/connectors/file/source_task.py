"""FileStreamSourceTask: complete lines of a file from the stored byte position on (Kafka ``FileStreamSourceTask``).

One Lambda invocation starts the task, polls until ``poll`` returns nothing, and stops it, so unlike Kafka the
task never sleeps: a missing file or the end of the data simply yields ``[]``.
"""

from __future__ import annotations

import logging
import time
from itertools import accumulate, count
from operator import add
from typing import IO, TYPE_CHECKING, Any, AnyStr, Final

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.file_roots import file_roots_of
from connect_core.api.record import FieldOffsets, SourceRecord, SourceValues
from connect_core.api.schema import STRING_SCHEMA
from connect_core.api.task import SourceTask
from connect_core.connectors.file.source_connector import FILE_CONFIG, FileStreamSourceConfig

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["FILENAME_FIELD", "POSITION_FIELD", "FileStreamSourceTask"]

log = logging.getLogger(__name__)

FILENAME_FIELD: Final = "filename"
POSITION_FIELD: Final = "position"
DEFAULT_READ_SIZE: Final = 64 * 1024
_LF: Final = 0x0A
_CR: Final = 0x0D


class FileStreamSourceTask(SourceTask):
    """Emits one STRING record per complete line; a trailing partial line waits for its newline."""

    def __init__(self, read_size: int = DEFAULT_READ_SIZE) -> None:
        """Create the task; ``read_size`` (bytes per read) is visible for testing, like Kafka's buffer size."""
        self._read_size = read_size
        self._filename = ""
        self._path = ""
        self._topic = ""
        self._batch_size = 0
        self._stream: IO[bytes] | None = None
        self._buffer = b""
        self._position = 0

    def start(self, props: dict[str, str]) -> None:
        """Parse the connector's model; the file itself is opened lazily by the first ``poll``.

        Raises:
            ConfigError: no file, or one outside the worker's file roots (the partition keeps the configured name).
        """
        config = parse_config(FileStreamSourceConfig, props)
        if not config.file:
            raise ConfigError(f"Configuration {FILE_CONFIG} must name a file: a function has no standard input")
        self._filename = config.file
        self._path = file_roots_of(self).resolve(FILE_CONFIG, config.file)
        self._topic = config.topic.strip()
        self._batch_size = config.batch_size

    def _partition(self) -> dict[str, Any]:
        return {FILENAME_FIELD: self._filename}

    def _open(self) -> bool:
        try:
            stream = open(self._path, "rb")  # closed in stop()
        except FileNotFoundError:
            log.warning("Couldn't find file %s for FileStreamSourceTask; nothing to read yet", self._filename)
            return False
        offset = self.context.offset_storage_reader.offset(self._partition())
        position = (offset or {}).get(POSITION_FIELD)
        if position is not None and (not isinstance(position, int) or isinstance(position, bool)):
            stream.close()
            raise ConnectError("Offset position is the incorrect type")
        self._position = position or 0
        stream.seek(self._position)
        self._stream = stream
        return True

    def poll(self) -> list[SourceRecord]:
        """At most ``batch.size`` records of complete lines; ``[]`` when no complete line is available."""
        batch = self._poll_values()
        return [] if batch is None else batch.records()

    def values_poll(self) -> Callable[[], SourceValues | None] | None:
        """``poll``'s lines as one ``SourceValues`` (every record of this task is a keyless STRING line of one file),
        or None when ``poll`` is not this class's own (a subclass's, or one patched in): it may give other records."""
        return self._poll_values if type(self).poll is _OWN_POLL else None

    def _poll_values(self) -> SourceValues | None:
        """At most ``batch.size`` complete lines and their end positions; None when no complete line is available."""
        if self._stream is None and not self._open():
            return None
        assert self._stream is not None
        values: list[str] = []
        ends: list[int] = []
        now = int(time.time() * 1000)
        self._extract(values, ends)
        while len(values) < self._batch_size:
            chunk = self._stream.read(self._read_size)
            if not chunk:
                break
            self._buffer += chunk
            self._extract(values, ends)
        if not values:
            return None
        offsets = FieldOffsets(POSITION_FIELD, ends)
        return SourceValues(self._partition(), offsets, self._topic, STRING_SCHEMA, values, now)

    def _extract(self, values: list[str], ends: list[int]) -> None:
        """Move complete lines (ended by LF, CR LF or a lone CR, as Kafka) from the buffer into ``values``, and the
        byte position after each into ``ends``."""
        buf = self._buffer
        if _CR not in buf:  # LF-only text (the usual case): split in C, same lines and positions as the loop below
            self._extract_lf_lines(values, ends)
            return
        size = len(buf)
        start = 0
        while len(values) < self._batch_size:
            lf = buf.find(b"\n", start)
            cr = buf.find(b"\r", start, lf if lf >= 0 else size)
            if cr >= 0:
                if cr + 1 >= size:
                    break  # cannot tell CR from CR LF until the next byte arrives
                end, next_start = cr, cr + 2 if buf[cr + 1] == _LF else cr + 1
            elif lf >= 0:
                end, next_start = lf, lf + 1
            else:
                break
            self._position += next_start - start
            values.append(buf[start:end].decode("utf-8", "replace"))
            ends.append(self._position)
            start = next_start
        self._buffer = buf[start:]

    def _extract_lf_lines(self, values: list[str], ends: list[int]) -> None:
        """``_extract`` for a buffer without CR: ``split`` finds the lines, the positions follow from their lengths.

        An ASCII buffer (the usual text) is decoded once and split as text; otherwise each line is decoded on its
        own (invalid UTF-8 replaced within its line, as ``_extract`` does). Positions count bytes: an ASCII line's

        characters are its bytes.
        """
        room = self._batch_size - len(values)
        if room <= 0:
            return
        complete: list[bytes] | list[str]
        if self._buffer.isascii():
            complete, rest = _split_lines(self._buffer.decode("ascii"), "\n", room)
            values.extend(complete)
            self._buffer = rest.encode("ascii")
        else:
            complete, self._buffer = _split_lines(self._buffer, b"\n", room)
            values.extend([raw.decode("utf-8", "replace") for raw in complete])
        if not complete:
            return
        # each line's end position (after its LF): the lengths summed, plus one LF per line so far
        ends.extend(map(add, accumulate(map(len, complete)), count(self._position + 1)))
        self._position = ends[-1]

    def stop(self) -> None:
        """Close the file."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None


_OWN_POLL: Final = FileStreamSourceTask.poll


def _split_lines(buffer: AnyStr, lf: AnyStr, room: int) -> tuple[list[AnyStr], AnyStr]:
    """At most ``room`` complete lines of ``buffer`` (without their LF) and the rest after them."""
    parts = buffer.split(lf, room)
    # with room+1 parts the last is the unread rest; otherwise the last is a partial line (or empty)
    if len(parts) > room:
        return parts[:room], parts[room]
    return parts[:-1], parts[-1]

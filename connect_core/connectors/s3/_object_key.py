"""Object keys: ``<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+<start offset>.<ext>``.

Confluent's layout, byte for byte (``directory.delim``, ``file.delim``, ``filename.offset.zero.pad.width``). Keys of
one directory and Kafka partition sort by start offset, so "files starting at or after offset N" is one
ListObjectsV2 with ``StartAfter``; ``parse_start`` reads the offset back.
"""

from __future__ import annotations

import dataclasses

__all__ = ["KeyLayout"]


@dataclasses.dataclass(frozen=True, slots=True)
class KeyLayout:
    """How keys are spelled for one connector config."""

    topics_dir: str
    directory_delim: str = "/"
    file_delim: str = "+"
    pad_width: int = 10

    def directory(self, topic: str, encoded_partition: str) -> str:
        """``<topics.dir>/<topic>/<encoded partition>/`` (no topics.dir prefix when it is blank)."""
        d = self.directory_delim
        head = f"{self.topics_dir}{d}" if self.topics_dir else ""
        return f"{head}{topic}{d}{encoded_partition}{d}"

    def file_prefix(self, topic: str, encoded_partition: str, partition: int) -> str:
        """Every file of this directory and Kafka partition starts with this."""
        f = self.file_delim
        return f"{self.directory(topic, encoded_partition)}{topic}{f}{partition}{f}"

    def key(self, topic: str, encoded_partition: str, partition: int, start_offset: int, extension: str) -> str:
        """The key of the file whose first record has ``start_offset``."""
        return f"{self.file_prefix(topic, encoded_partition, partition)}{start_offset:0{self.pad_width}d}{extension}"

    def sorts_by_offset(self, offset: int) -> bool:
        """Whether keys up to ``offset`` still sort numerically (the padding is wide enough)."""
        return self.pad_width >= len(str(max(offset, 0)))

    def start_after(self, prefix: str, offset: int) -> str | None:
        """A ``StartAfter`` that lists exactly the files starting at ``offset`` or later (None: list all)."""
        if offset <= 0 or not self.sorts_by_offset(offset):
            return None
        # "/" sorts after "." and every digit's predecessor, so offset-1's files are skipped, offset's are not.
        return f"{prefix}{offset - 1:0{self.pad_width}d}/"

    @staticmethod
    def parse_start(key: str, prefix: str, extension: str) -> int | None:
        """The start offset of ``key`` if it is a ``extension`` file under ``prefix``, else None."""
        if not key.startswith(prefix) or not key.endswith(extension):
            return None
        digits = key[len(prefix): len(key) - len(extension)]
        return int(digits) if digits.isdigit() else None

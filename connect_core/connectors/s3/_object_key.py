"""Object keys: ``<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+<start offset>.<ext>``.

Confluent's layout, byte for byte (``directory.delim``, ``file.delim``, ``filename.offset.zero.pad.width``). Keys of
one directory and Kafka partition sort by start offset, so "files starting at or after offset N" is one
ListObjectsV2 on a prefix of the zero-padded offset (``range_prefix``).
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

    def range_prefix(self, prefix: str, first: int, last: int) -> str:
        """The longest key prefix shared by every file starting in ``[first, last]`` (``prefix`` if unpadded).

        Zero-padded offsets in ``[first, last]`` share their leading digits, so one ListObjectsV2 with this prefix
        returns those files and at most ten times as many neighbours, whatever the directory's history holds.
        (A ``StartAfter`` bound would do too, but LocalStack mishandles it for keys containing ``+``.)
        """
        if first < 0 or not self.sorts_by_offset(last):
            return prefix
        low, high = f"{first:0{self.pad_width}d}", f"{last:0{self.pad_width}d}"
        common = 0
        while common < len(low) and low[common] == high[common]:
            common += 1
        return prefix + low[:common]

"""The staging area: where the records of a file that is not full yet wait between invocations.

A Lambda invocation cannot keep records in memory for the next one, so each Kafka partition has, under
``lambda.connect.staging.dir`` outside ``topics.dir`` (so readers of ``topics.dir`` never see it), a *head* object
(JSON, rewritten only with a conditional write on its ETag) and the *segments* it lists (one per invocation that
added records to the open files; never rewritten). A *round* is Confluent's unit of commit for one
topic-partition: the open files of every directory, closed together. A head found in the old place inside
``topics.dir`` (:meth:`StageLayout.legacy`) is moved on first use. Layout: the README beside it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

__all__ = ["STAGING_DIR", "DirState", "Head", "Round", "StageLayout", "pack_segment", "unpack_segment"]

STAGING_DIR = "_lambda-connect+staging"  # the default prefix, and the legacy one inside topics.dir
_PAD = 20  # offsets are < 2**63: 19 digits


@dataclasses.dataclass
class DirState:
    """One directory's open file in a round: its name (first offset), records so far and schema."""

    start: int
    count: int = 0
    schema: str | None = None


@dataclasses.dataclass
class Round:
    """The files of one topic-partition that close together (Confluent's ``recordCount`` / ``commitFiles``)."""

    id: int  # offset of its first record
    count: int = 0  # records written to its files, over every directory
    opened_ms: int = 0  # wall clock when its first record was staged (rotate.schedule.interval.ms)
    base_ts: int | None = None  # record time of its first record (rotate.interval.ms)
    current_dir: str | None = None  # directory of its last record (time-based rotation on a new directory)
    end: int = -1  # offset of its last record
    dirs: dict[str, DirState] = dataclasses.field(default_factory=dict)
    segments: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (the head's body)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Round:
        """Inverse of ``to_json``."""
        dirs = {d: DirState(**v) for d, v in data.pop("dirs").items()}
        return cls(dirs=dirs, **data)


@dataclasses.dataclass
class Head:
    """What is staged for a topic-partition: every offset up to ``last`` is in a closed file or in ``round``."""

    last: int = -1
    round: Round | None = None
    pending: list[Round] = dataclasses.field(default_factory=list)  # closed, files maybe not all written yet
    takeover: dict[str, int] = dataclasses.field(default_factory=dict)  # directory -> end of files found at start
    # The first offset of the latest batch that moved ``last`` on: the consumer group had committed up to there, and
    # its committed offset only moves forward, so a batch starting before it means the group's offsets were reset
    # or the topic was recreated (-1: unknown, heads written before this field).
    since: int = -1

    def to_bytes(self) -> bytes:
        """The head object's body."""
        return json.dumps({"version": 1, "last": self.last, "round": self.round.to_json() if self.round else None,
                           "pending": [r.to_json() for r in self.pending], "takeover": self.takeover,
                           "since": self.since},
                          separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, body: bytes) -> Head:
        """Inverse of ``to_bytes``."""
        data = json.loads(body)
        return cls(last=data["last"], round=Round.from_json(data["round"]) if data["round"] else None,
                   pending=[Round.from_json(r) for r in data["pending"]], takeover=data.get("takeover", {}),
                   since=data.get("since", -1))


@dataclasses.dataclass(frozen=True, slots=True)
class StageLayout:
    """Keys of one topic-partition's staging objects."""

    root: str

    @classmethod
    def of(cls, staging_dir: str, topics_dir: str, topic: str, partition: int) -> StageLayout:
        """The staging prefix of ``topic``/``partition`` of the files under ``topics_dir``."""
        path = "/".join(p for p in (staging_dir.strip("/"), topics_dir.strip("/")) if p)
        return cls(f"{path}/{topic}+{partition}/")

    @classmethod
    def legacy(cls, topics_dir: str, topic: str, partition: int) -> StageLayout:
        """Where the staging area of ``topic``/``partition`` sat inside ``topics.dir`` before it moved out."""
        head = f"{topics_dir}/" if topics_dir else ""
        return cls(f"{head}{STAGING_DIR}/{topic}+{partition}/")

    @property
    def head(self) -> str:
        """The head object's key."""
        return self.root + "head"  # no extension: S3 event filters on ".json" never match it

    def round_prefix(self, round_id: int) -> str:
        """Every segment of a round starts with this."""
        return f"{self.root}{round_id:0{_PAD}d}/"

    def segment(self, round_id: int, first: int, last: int) -> str:
        """The key of the segment of ``round_id`` holding offsets ``first..last`` (same records, same key)."""
        return f"{self.round_prefix(round_id)}{first:0{_PAD}d}-{last:0{_PAD}d}"


Part = tuple[str, str, bytes, str, int]  # (directory, view, bytes, schema text, record count)


def pack_segment(parts: list[Part]) -> bytes:
    """One object for an invocation's parts: a JSON index line, then the parts' bytes back to back."""
    index = [[d, view, len(data), schema, count] for d, view, data, schema, count in parts]
    return json.dumps(index, separators=(",", ":")).encode("utf-8") + b"\n" + b"".join(p[2] for p in parts)


def unpack_segment(body: bytes) -> list[Part]:
    """Inverse of ``pack_segment``."""
    newline = body.index(b"\n")
    parts: list[Part] = []
    pos = newline + 1
    for d, view, length, schema, count in json.loads(body[:newline]):
        parts.append((d, view, body[pos:pos + length], schema, count))
        pos += length
    return parts

"""FileStreamSourceTask against a real temp file, with an in-memory offset reader (as Kafka's test does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.schema import STRING_SCHEMA
from connect_core.connectors.file.source_task import FileStreamSourceTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, drain, start_task

if TYPE_CHECKING:
    from pathlib import Path


def _task(path: Path, reader: MemoryOffsetReader | None = None, **extra: str) -> FileStreamSourceTask:
    props = {"file": str(path), "topic": "lines", **extra}
    task = FileStreamSourceTask(read_size=7)
    start_task(task, props, reader or MemoryOffsetReader())
    return task


def test_lines_become_string_records_with_byte_positions(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"partial line finished\nanother line\n")
    records = _task(path).poll()
    assert [r.value for r in records] == ["partial line finished", "another line"]
    assert records[0].source_partition == {"filename": str(path)}
    assert [r.source_offset for r in records] == [{"position": 22}, {"position": 35}]
    assert records[0].topic == "lines"
    assert records[0].value_schema == STRING_SCHEMA
    assert records[0].key is None and records[0].timestamp is not None


def test_partial_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"one\ntw")
    task = _task(path)
    assert [r.value for r in task.poll()] == ["one"]
    assert task.poll() == []
    with path.open("ab") as f:
        f.write(b"o\n")
    records = task.poll()
    assert [(r.value, r.source_offset) for r in records] == [("two", {"position": 8})]


def test_cr_lf_and_lone_cr_end_lines_like_kafka(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\r\nb\rc\nd\r")
    task = _task(path)
    records = task.poll()
    assert [r.value for r in records] == ["a", "b", "c"]
    assert records[-1].source_offset == {"position": 7}
    assert task.poll() == []  # the trailing CR may still become CR LF


def test_batch_size_limits_each_poll_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("".join(f"line {i}\n" for i in range(25)))
    task = _task(path, **{"batch.size": "10"})
    sizes = []
    while batch := task.poll():
        sizes.append(len(batch))
        values = [r.value for r in batch]
        assert values[0] == f"line {sum(sizes) - len(batch)}"
    assert sizes == [10, 10, 5]


def test_resumes_from_the_committed_position_without_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("first\nsecond\n")
    reader = MemoryOffsetReader()
    first = _task(path, reader)
    assert [r.value for r in drain(first, reader)] == ["first", "second"]
    first.stop()
    with path.open("a") as f:
        f.write("third\n")
    second = _task(path, reader)
    records = drain(second, reader)
    assert [r.value for r in records] == ["third"]
    assert reader.requested[-1] == {"filename": str(path)}
    assert records[0].source_offset == {"position": 19}


def test_positions_count_bytes_so_multibyte_text_resumes_exactly(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("héllo\nwörld\n", encoding="utf-8")
    reader = MemoryOffsetReader()
    task = _task(path, reader)
    first = task.poll()[:1]
    reader.commit(first)
    assert first[0].source_offset == {"position": 7}
    assert [r.value for r in drain(_task(path, reader))] == ["wörld"]


def test_missing_file_yields_nothing_until_it_exists(tmp_path: Path) -> None:
    path = tmp_path / "later.txt"
    task = _task(path)
    assert task.poll() == []
    path.write_text("now\n")
    assert [r.value for r in task.poll()] == ["now"]


def test_offset_of_wrong_type_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("x\n")
    reader = MemoryOffsetReader()
    reader.set({"filename": str(path)}, {"position": "12"})
    with pytest.raises(ConnectError, match="Offset position is the incorrect type"):
        _task(path, reader).poll()


def test_standard_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file"):
        FileStreamSourceTask().start({"topic": "t"})


@pytest.mark.parametrize("read_size", [1, 3, 7, 64 * 1024])
@pytest.mark.parametrize("batch_size", ["1", "2", "5", "2000"])
def test_lf_only_text_and_text_with_crs_give_the_same_lines_and_positions(tmp_path: Path, read_size: int,
                                                                         batch_size: str) -> None:
    """LF-only buffers take a split() path; with a CR somewhere the line scanner runs. Both must agree."""
    import random

    rng = random.Random(read_size * 31 + int(batch_size))
    lines = ["".join(rng.choice("ab é\t😀") for _ in range(rng.randint(0, 9))) for _ in range(40)]
    expected_positions, position = [], 0
    for line in lines:
        position += len(line.encode()) + 1
        expected_positions.append(position)
    lf_text = "\n".join(lines) + "\npartial"
    cr_text = lines[0] + "\r\n" + "\n".join(lines[1:]) + "\npartial"  # the first line ended by CR LF
    for name, text, ends in (("lf.txt", lf_text, None), ("cr.txt", cr_text, "\r\n")):
        path = tmp_path / name
        path.write_bytes(text.encode())
        task = FileStreamSourceTask(read_size=read_size)
        start_task(task, {"file": str(path), "topic": "lines", "batch.size": batch_size}, MemoryOffsetReader())
        records = drain(task)
        assert [r.value for r in records] == lines
        shift = 1 if ends else 0  # CR LF ends the first line: one byte more before every position
        assert [r.source_offset["position"] for r in records] == [p + shift for p in expected_positions]


@pytest.mark.parametrize("read_size", [1, 5, 64 * 1024])
@pytest.mark.parametrize("batch_size", ["1", "3", "2000"])
def test_lf_lines_become_the_records_one_constructor_call_per_line_made(tmp_path: Path, read_size: int,
                                                                        batch_size: str) -> None:
    """The LF path builds a poll's records in one call (ASCII buffers decoded whole, others line by line): every
    record equals ``SourceRecord(partition, {"position": end}, topic, None, None, None, STRING_SCHEMA, line, now)``
    with the line decoded alone (invalid UTF-8 replaced) and its end counted in bytes, and owns its headers and
    offset; ASCII and non-ASCII stretches alternate in one file, so buffers of both kinds meet mid-file."""
    from connect_core.api.record import SourceRecord

    chunks = [b"plain ascii line", b"", b'"quoted" \\ back\tslash', b"caf\xc3\xa9 \xf0\x9f\x98\x80",
              b"bad \xff\xfe byte", b"ascii again " * 9, b"x", b"\xe2\x82", b"\xac split euro", b"tail"]
    data = b"\n".join(chunks * 3) + b"\npartial"
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    task = FileStreamSourceTask(read_size=read_size)
    start_task(task, {"file": str(path), "topic": "lines", "batch.size": batch_size}, MemoryOffsetReader())
    built: list[SourceRecord] = []
    while records := task.poll():
        assert len(records) <= int(batch_size)
        assert len({r.timestamp for r in records}) == 1 and records[0].timestamp is not None
        built.extend(records)
    expected, end = [], 0
    for raw in data.split(b"\n")[:-1]:
        end += len(raw) + 1
        expected.append((raw.decode("utf-8", "replace"), end))
    assert [(r.value, r.source_offset) for r in built] == [(line, {"position": e}) for line, e in expected]
    assert built == [SourceRecord({"filename": str(path)}, {"position": e}, "lines", None, None, None, STRING_SCHEMA,
                                  line, r.timestamp) for (line, e), r in zip(expected, built, strict=True)]
    assert all(type(r) is SourceRecord for r in built)
    assert len({id(r.headers) for r in built}) == len({id(r.source_offset) for r in built}) == len(built)

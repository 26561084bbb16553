"""Case 4's FileStream completion check without services: the JVM's output is counted from where the last look
stopped, and the count is the file's exact number of lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.cases.connect_java import LineCount

if TYPE_CHECKING:
    from pathlib import Path


def test_lines_are_counted_as_the_file_grows_and_only_once(tmp_path: Path) -> None:
    out = tmp_path / "sink.txt"
    count = LineCount(out)
    assert count() == 0  # not created yet
    out.write_text("a\nb\n")
    assert count() == 2
    with out.open("a") as handle:
        handle.write("c")  # a line the sink has not finished
    assert count() == 2
    with out.open("a") as handle:
        handle.write("\n" + "x\n" * 3_000_000)  # more than one read's chunk
    assert count() == 3_000_003 == out.read_bytes().count(b"\n")
    assert count() == 3_000_003 and count.offset == out.stat().st_size

"""Worker and connector files read as ``java.util.Properties.load`` reads them (the cases below are the JDK's answers,
as tests/compat/test_java_properties_compat.py checks against the JDK itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.local.basic_auth import read_java_properties

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(("raw", "expected"), [
    (b"a = b\n", {"a": "b"}),
    (b"a:b\n", {"a": "b"}),
    (b"a b\n", {"a": "b"}),
    (b"a \t=  :b\n", {"a": ":b"}),  # whitespace, then one separator, then whitespace
    (b"a\\=b=c\n", {"a=b": "c"}),
    (b"a\\ b c\n", {"a b": "c"}),
    (b"#c\\\na=b\n", {"a": "b"}),  # a comment never continues
    (b"a=b\\\n   c\n", {"a": "bc"}),
    (b"a=b\\\n# part of the value\n", {"a": "b# part of the value"}),
    (b"a=b\\\n\nc=d\n", {"a": "b", "c": "d"}),  # an empty line ends the continuation
    (b"a=b\\\\\n", {"a": "b\\"}),  # an even number of backslashes does not continue
    (b"a=b\\", {"a": "b"}),  # a backslash at the end of the file is dropped
    (b"\\\n#c\nb=c\n", {"b": "c"}),  # a comment after a line of only a backslash
    (b"\\\n", {"": ""}),
    (b"\\\r\n", {}),
    (b"a=b\rc=d\r\n", {"a": "b", "c": "d"}),
    (b"a=x\x0cy\x0bz\x85\n", {"a": "x\x0cy\x0bz\x85"}),  # form feed, VT and NEL do not end a line
    (b"\x0ca=b\n", {"a": "b"}),  # form feed is leading whitespace
    (b"a=\\t\\q\\u00e9\n", {"a": "\tq\u00e9"}),
    (b"caf\xe9=\xfc\n", {"caf\u00e9": "\u00fc"}),  # ISO-8859-1, as Properties.load(InputStream)
    (b"a=1\na=2\n", {"a": "2"}),
])  # fmt: skip
def test_java_rules(tmp_path: Path, raw: bytes, expected: dict[str, str]) -> None:
    path = tmp_path / "f.properties"
    path.write_bytes(raw)
    assert read_java_properties(path) == expected


@pytest.mark.parametrize("raw", [b"a=\\u00\n", b"a=\\u00zz\n"])
def test_malformed_unicode_escape_is_an_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "f.properties"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=r"Malformed \\uxxxx encoding"):
        read_java_properties(path)

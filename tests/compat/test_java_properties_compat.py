"""The Java properties reader (worker, connector and credentials files) against ``java.util.Properties.load``.

``PropertiesOracle.java`` loads each case with the JDK; the hard cases are the rules of ``Properties.load``
(separators, escapes, continuation lines, comments, line terminators) plus a few thousand random files over an
alphabet of the characters those rules turn on.
"""

from __future__ import annotations

import base64
import random
import subprocess
from pathlib import Path

import pytest

from connect_core.local.basic_auth import read_java_properties
from tests.compat._oracle import require_tool

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
_RANDOM = random.Random(20261124)
_ALPHABET = [" ", "\t", "\f", "=", ":", "\\", "\n", "\r", "\r\n", "#", "!", "u", "0", "a", "b", "é", "\x85", "\x0b",
             "\x1c", "\\u0041", "\\u00e9", "\\n", "\\\n", "\\\r\n"]
CASES = [
    "", "a=b", "a = b", "a:b", "a : b", "a b", "a\tb", "a\fb", "  a=b  ", "a=b  ", "a==b", "a=:b", "a :=b", "a",
    "a=", "=b", ":b", " =b", "a\\=b=c", "a\\:b:c", "a\\ b c", "a\\\\=b", "#c\na=b", "!c\na=b", "  # c\na=b",
    "a=b\\\n  c", "a=b\\\n\n c=d", "a=b\\\n# not a comment", "a=b\\", "a=b\\\\", "a=b\\\\\\\n c", "#c\\\na=b",
    "a=\\t\\n\\r\\f\\b\\q", "a=\\u0041\\u00e9\\u20ac", "\\u0061=b", "a=\\u00", "a=\\u00zz", "a=b\rc=d", "a=b\r\nc=d",
    "a=b\n\na=c", "a=x\x85y", "a=x\x0by\nc=d", "a=x\x1cy", "a=x\fy", "a\f=b", "\fa=b", "key with spaces",
    "a=b\\\r\n c", "a=b\\\r c", "é=ü", "a=\\", "a\\", "a\\\nb=c", "path=C:\\\\dir\\\\file", "url=http\\://h\\:1/",
    "list=a,\\\n    b,\\\n    c",
]  # fmt: skip
CASES += ["".join(_RANDOM.choices(_ALPHABET, k=_RANDOM.randint(1, 24))) for _ in range(3000)]


@pytest.fixture(scope="module")
def oracle() -> list[str]:
    """Java's answer for every case, in order."""
    java = require_tool("java")
    stdin = "".join(base64.b64encode(case.encode("latin-1")).decode() + "\n" for case in CASES)
    result = subprocess.run([java, str(HERE / "PropertiesOracle.java")], input=stdin, capture_output=True,
                            text=True, check=True, timeout=300)
    return result.stdout.splitlines()


def _decode(answer: str) -> dict[str, str] | None:
    """Java's entries, or None when Properties.load threw."""
    if answer.startswith("error"):
        return None
    entries = (item.split(":") for item in answer.split()[1:])
    return {base64.b64decode(k).decode(): base64.b64decode(v).decode() for k, v in entries}


def test_properties_load_as_java(oracle: list[str], tmp_path: Path) -> None:
    assert len(oracle) == len(CASES)
    mismatches = []
    path = tmp_path / "case.properties"
    for case, answer in zip(CASES, oracle, strict=True):
        path.write_bytes(case.encode("latin-1"))
        expected = _decode(answer)
        try:
            got: dict[str, str] | None = read_java_properties(path)
        except ValueError:
            got = None
        if got != expected:
            mismatches.append((case, expected, got))
    assert not mismatches, f"{len(mismatches)} cases differ from Java, e.g. {mismatches[:5]}"

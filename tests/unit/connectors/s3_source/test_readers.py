"""Reading JSON Lines objects back: the orjson path gives exactly what the json reference gives, or defers to it."""

from __future__ import annotations

import math

import pytest

from connect_core.api.errors import DataError
from connect_core.connectors.s3_source._readers import decode_view, json_lines, json_lines_readable

# What the S3 sink writes, and what orjson alone would read differently from json (those must still come out as json
# reads them): integers past 64 bits, NaN/Infinity, overflowing exponents, lone surrogates, a BOM, duplicate keys.
LINES = [
    b'{"id":1,"name":"name-1","score":0.25,"created_at":1704067201000,"note":"caf\\u00e9 \xc3\xa9 \xf0\x9f\x98\x80"}',
    b'{"nested":{"list":[1,2.5,-0.0,1E2,null,true,false,"x"]},"empty":{},"none":[]}',
    b'{"a":1,"b":2,"a":3}',
    b'"just a string"',
    b"-9223372036854775808",
    b"18446744073709551615",
    b"0.1234567890123456789",
    b"2.5e-324",
    b" 42 ",
]
DEFERRED = [
    b"123456789012345678901234567890",
    b"-9223372036854775809",
    b'{"big":[18446744073709551616]}',
    b"NaN",
    b"-Infinity",
    b"1e400",
    b'"\\ud800"',
    b"\xef\xbb\xbf{}",
]


def _same(left: object, right: object) -> bool:
    """Equal values of equal types all the way down (1 and 1.0 differ; NaN equals NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(v, right[k]) for k, v in left.items())  # type: ignore[index]
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))  # type: ignore[arg-type]
    return left == right


@pytest.mark.parametrize("extra", [[], *([line] for line in DEFERRED)])
def test_json_lines_equals_the_readable_json_path(extra: list[bytes]) -> None:
    lines = [*LINES, *extra]
    body = b"\n".join([lines[0], b"", *lines[1:]]) + b"\n"  # an empty line is no record

    fast = json_lines(body)

    assert _same(fast, json_lines_readable(lines))
    assert len(fast) == len(lines)


def test_big_integers_stay_integers() -> None:
    assert json_lines(b'{"n":123456789012345678901234567890}\n') == [{"n": 123456789012345678901234567890}]


@pytest.mark.parametrize("body", [b'{"a":1}\n{"a":\n', b"\xff\n", b'"a\x01"\n'])
def test_a_line_that_is_no_json_fails_both_ways(body: bytes) -> None:
    lines = [line for line in body.split(b"\n") if line]
    with pytest.raises(ValueError):
        json_lines_readable(lines)
    with pytest.raises(ValueError):
        json_lines(body)
    with pytest.raises(DataError, match="Not a JSON Lines object"):
        decode_view(body, ".json", None)

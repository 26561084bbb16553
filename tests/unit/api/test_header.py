from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.api.header import Header, Headers
from connect_core.api.schema import INT32_SCHEMA, STRING_SCHEMA


def _headers() -> Headers:
    return Headers().add("a", 1).add("b", "x", STRING_SCHEMA).add("a", 2)


def test_keeps_insertion_order_and_duplicates() -> None:
    headers = _headers()
    assert [(h.key, h.value) for h in headers] == [("a", 1), ("b", "x"), ("a", 2)]
    assert len(headers) == 3
    assert headers.last_with_name("a").value == 2  # type: ignore[union-attr]
    assert [h.value for h in headers.all_with_name("a")] == [1, 2]
    assert headers.last_with_name("zz") is None


def test_add_validates_against_schema() -> None:
    with pytest.raises(DataError):
        Headers().add("a", "x", INT32_SCHEMA)


def test_remove_retain_latest_and_clear() -> None:
    assert [h.key for h in _headers().remove("a")] == ["b"]
    assert [(h.key, h.value) for h in _headers().retain_latest()] == [("b", "x"), ("a", 2)]
    assert [(h.key, h.value) for h in _headers().retain_latest("b")] == [("a", 1), ("b", "x"), ("a", 2)]
    assert len(_headers().clear()) == 0


def test_duplicate_is_independent() -> None:
    original = _headers()
    copy = original.duplicate().add("c", 3)
    assert len(original) == 3
    assert len(copy) == 4


def test_header_is_immutable_and_copyable() -> None:
    header = Header("k", None, 1)
    with pytest.raises(AttributeError):
        header.value = 2  # type: ignore[misc]
    assert header.with_value(INT32_SCHEMA, 5) == Header("k", INT32_SCHEMA, 5)
    assert header.rename("j").key == "j"


def test_empty_headers_behave_as_before() -> None:
    empty, other = Headers(), Headers([])
    assert empty == other and len(empty) == 0 and list(empty) == [] and empty.duplicate() == empty
    copy = empty.duplicate()
    copy.add("k", "v")
    assert len(copy) == 1 and len(empty) == 0 and empty != copy
    assert Headers().add_header(next(iter(copy))) == copy

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import DataError
from connect_core.api.header import BytesHeaders, Header, Headers
from connect_core.api.schema import BYTES_SCHEMA, INT32_SCHEMA, OPTIONAL_BYTES_SCHEMA, STRING_SCHEMA

if TYPE_CHECKING:
    from collections.abc import Callable


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


_PAIRS: list[tuple[str, bytes | None]] = [("a", b"1"), ("b", None), ("a", b""), ("c", b"\x00\xff")]


def _added() -> Headers:
    """What ``BytesHeaders(_PAIRS)`` stands for, header by header as MirrorMaker 2 adds them."""
    headers = Headers()
    for key, value in _PAIRS:
        headers.add(key, value, BYTES_SCHEMA if value is not None else OPTIONAL_BYTES_SCHEMA)
    return headers


def test_bytes_headers_read_as_the_headers_they_stand_for() -> None:
    headers = BytesHeaders(list(_PAIRS))
    assert len(headers) == 4 and headers.pairs() == _PAIRS  # nothing read yet
    assert headers == _added() and _added() == BytesHeaders(list(_PAIRS))
    assert [(h.key, h.schema, h.value) for h in headers] == [(h.key, h.schema, h.value) for h in _added()]
    assert headers.last_with_name("a") == Header("a", BYTES_SCHEMA, b"")
    assert headers.pairs() is None and len(headers) == 4  # read: the objects from now on
    assert len(BytesHeaders([])) == 0 and BytesHeaders([]) == Headers()


@pytest.mark.parametrize("change", [
    lambda h: h.add("d", "x", STRING_SCHEMA), lambda h: h.add_header(Header("d", None, 1)), lambda h: h.remove("a"),
    lambda h: h.retain_latest(), lambda h: h.retain_latest("a"), lambda h: h.clear(),
    lambda h: h.apply(lambda header: header.rename("z"), "b"), lambda h: h.apply(lambda header: None),
], ids=["add", "add_header", "remove", "retain_latest", "retain_latest_key", "clear", "apply", "apply_drop"])
def test_a_change_to_bytes_headers_forgets_their_pairs(change: Callable[[Headers], Headers]) -> None:
    """Every way of changing headers changes them as it changes plain ones, and ``pairs`` is None after it."""
    headers, plain = BytesHeaders(list(_PAIRS)), _added()
    change(headers)
    change(plain)
    assert headers.pairs() is None and headers == plain and len(headers) == len(plain)


def test_bytes_headers_copy_and_duplicate() -> None:
    headers = BytesHeaders(list(_PAIRS))
    assert copy.copy(headers).pairs() == _PAIRS  # a shallow copy: the same pairs, still unread
    for copied in (copy.copy(headers), headers.duplicate()):
        assert copied == _added()
    duplicate = headers.duplicate().add("d", 1)
    assert len(duplicate) == 5 and headers == _added()

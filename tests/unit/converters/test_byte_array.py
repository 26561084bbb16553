from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import BYTES_SCHEMA, INT32_SCHEMA, OPTIONAL_BYTES_SCHEMA
from connect_core.converters.byte_array import ByteArrayConverter


def test_passes_bytes_through() -> None:
    conv = ByteArrayConverter()
    assert conv.from_connect_data("t", BYTES_SCHEMA, b"\x00\x01") == b"\x00\x01"
    assert conv.from_connect_data("t", None, bytearray(b"x")) == b"x"
    assert conv.from_connect_data("t", None, None) is None
    assert tuple(conv.to_connect_data("t", b"\x02")) == (OPTIONAL_BYTES_SCHEMA, b"\x02")


def test_rejects_non_bytes_schema_and_values() -> None:
    with pytest.raises(DataError):
        ByteArrayConverter().from_connect_data("t", INT32_SCHEMA, b"x")
    with pytest.raises(DataError):
        ByteArrayConverter().from_connect_data("t", None, "text")

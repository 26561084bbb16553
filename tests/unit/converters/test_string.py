from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.schema import OPTIONAL_STRING_SCHEMA
from connect_core.converters.string import StringConverter


def test_writes_text_and_reads_optional_string() -> None:
    conv = StringConverter()
    conv.configure({}, False)
    assert conv.from_connect_data("t", None, "héllo") == "héllo".encode()
    assert conv.from_connect_data("t", None, 12) == b"12"
    assert conv.from_connect_data("t", None, True) == b"true"
    assert conv.from_connect_data("t", None, None) is None
    assert tuple(conv.to_connect_data("t", b"abc")) == (OPTIONAL_STRING_SCHEMA, "abc")
    assert tuple(conv.to_connect_data("t", None)) == (OPTIONAL_STRING_SCHEMA, None)


def test_encoding_is_configurable() -> None:
    conv = StringConverter()
    conv.configure({"converter.encoding": "ISO-8859-1"}, True)
    assert conv.from_connect_data("t", None, "é") == b"\xe9"
    assert conv.to_connect_header("t", "h", b"\xe9").value == "é"


def test_unknown_encoding_names_the_key() -> None:
    with pytest.raises(ConfigError, match="converter.encoding"):
        StringConverter().configure({"converter.encoding": "NOPE-9"}, False)

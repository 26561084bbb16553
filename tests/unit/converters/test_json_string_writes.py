"""JsonConverter's write of a string in a remembered string envelope (``from_connect_data``'s first branch, the
FileStreamSource value) against the general path and the exact writer, value by value."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.schema import OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.converters.json import JsonConverter

ROW = SchemaBuilder.struct().field("s", STRING_SCHEMA).build()
STRINGS: list[Any] = [
    "plain", "", '"quoted"', "back\\slash", "\\u0041 as text", "\x00\x1f\x7f controls", "tab\tnew\nline\r",
    "\u2028\u2029 separators", "café ü", "😀 astral", "\ud800 lone surrogate", "\udfff", "a" * 5000, "</script>",
]
OTHERS: list[Any] = [None, 7, 1.5, True, b"bytes", ["list"], {"k": "v"}]


class _Text(str):
    """A str subclass: not the exact class the fast branch takes."""


def _schemas() -> list[Schema]:
    return [
        STRING_SCHEMA,
        OPTIONAL_STRING_SCHEMA,
        SchemaBuilder.string().optional().default_value("dflt").doc("a \"doc\" é").version(3).parameter("p", "1")
        .build(),
        SchemaBuilder.string().name("com.example.Named").build(),  # a named string: the general path only
        SchemaBuilder.string().doc("\ud800 a lone surrogate in the doc").build(),  # no envelope prefix: exact path
    ]


def _write(converter: JsonConverter, schema: Schema | None, value: Any) -> tuple[str, Any]:
    try:
        return "ok", converter.from_connect_data("t", schema, value)
    except Exception as error:  # the same error class and text either way
        return type(error).__name__, str(error)


def _fresh(config: dict[str, Any]) -> JsonConverter:
    converter = JsonConverter()
    converter.configure(config, False)
    return converter


@pytest.mark.parametrize("config", [{}, {"schemas.enable": "false"}, {"replace.null.with.default": "false"}])
def test_strings_in_a_remembered_envelope_write_what_a_fresh_converter_writes(config: dict[str, Any]) -> None:
    """One converter writes every value of every schema in turn (string envelopes remembered, other schemas and
    equal but distinct string schemas between them); a fresh converter writes each value once (the general path,
    nothing remembered) and the exact writer agrees where it does not raise."""
    converter = _fresh(config)
    values = [*STRINGS, _Text("subclass"), *OTHERS]
    seen = 0
    for schema in [*_schemas(), *_schemas()]:  # the second round: equal schemas, other objects
        for value in values:
            for _ in range(2):  # the second write of a value finds its envelope remembered
                got = _write(converter, schema, value)
                assert got == _write(_fresh(config), schema, value), (schema, value)
                if got[0] == "ok":
                    assert got[1] == converter._from_connect_exact(schema, value)
                    seen += 1
            struct = Struct(ROW).put("s", "between")  # another schema between two strings
            assert _write(converter, ROW, struct) == _write(_fresh(config), ROW, struct)
            assert _write(converter, None, value) == _write(_fresh(config), None, value)
    assert seen > len(STRINGS) * 8


def test_the_string_envelope_is_remembered_only_for_unnamed_strings_in_an_envelope() -> None:
    """The first branch takes unnamed string schemas whose envelope prefix encodes, and only with schemas.enable."""
    converter = _fresh({})
    assert converter.from_connect_data("t", STRING_SCHEMA, "x") == (
        b'{"schema":{"type":"string","optional":false},"payload":"x"}')
    assert converter._string_schema is STRING_SCHEMA
    named, surrogate_doc = _schemas()[3:]
    converter.from_connect_data("t", named, "x")
    with pytest.raises(UnicodeEncodeError):
        converter.from_connect_data("t", surrogate_doc, "x")
    assert converter._string_schema is STRING_SCHEMA
    converter.from_connect_data("t", OPTIONAL_STRING_SCHEMA, "x")
    assert converter._string_schema is OPTIONAL_STRING_SCHEMA
    schemaless = _fresh({"schemas.enable": "false"})
    assert schemaless.from_connect_data("t", STRING_SCHEMA, "x") == b'"x"'
    assert not isinstance(schemaless._string_schema, Schema)

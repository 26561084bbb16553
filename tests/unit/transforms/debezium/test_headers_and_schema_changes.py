"""ExtractChangedRecordState, HeaderToValue and SchemaChangeEventFilter (parity with the jar:
tests/compat/test_debezium_transforms_compat.py)."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.header import Headers
from connect_core.api.record import SourceRecord
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.debezium.extract_changed_record_state import ExtractChangedRecordState
from connect_core.transforms.debezium.header_to_value import HeaderToValue
from connect_core.transforms.debezium.schema_change_event_filter import SchemaChangeEventFilter
from tests.unit.transforms._records import source
from tests.unit.transforms.debezium._events import event, row


def _smt(cls: type, **configs: str) -> object:
    smt = cls()
    smt.configure({k.replace("_", "."): v for k, v in configs.items()})
    return smt


def test_changed_and_unchanged_columns_go_to_headers() -> None:
    smt = _smt(ExtractChangedRecordState, header_changed_name="Changed", header_unchanged_name="Unchanged")
    out = smt.apply(event("u", row(score=5), row(score=6)))
    assert [(h.key, h.value) for h in out.headers] == [("Changed", ["score"]), ("Unchanged", ["id", "name"])]
    assert out.headers.last_with_name("Changed").schema.name == "Changed"
    created = smt.apply(event("c", None, row()))
    assert [(h.key, h.value) for h in created.headers] == [("Changed", []), ("Unchanged", [])]


def _value() -> tuple[Schema, Struct]:
    schema = SchemaBuilder.struct().name("V").field("id", Schema.INT32_SCHEMA).build()
    return schema, Struct(schema).put("id", 1)


def test_header_to_value_copies_or_moves_and_nests() -> None:
    schema, value = _value()
    headers = Headers().add("h1", "one", Schema.STRING_SCHEMA).add("h2", 2, Schema.OPTIONAL_INT32_SCHEMA)
    record = source(value, schema, headers=headers)
    copied = _smt(HeaderToValue, headers="h1,h2", fields="f1,meta.f2", operation="copy").apply(record)
    assert [f.name for f in copied.value_schema.fields] == ["id", "f1", "meta"]
    assert copied.value.get("meta").get("f2") == 2
    assert copied.value_schema.field("meta").schema.optional
    assert [h.key for h in copied.headers] == ["h1", "h2"]
    moved = _smt(HeaderToValue, headers="h1", fields="f1", operation="move").apply(record)
    assert ([h.key for h in moved.headers], moved.value.get("f1")) == (["h2"], "one")


def test_header_to_value_config_and_nesting_errors() -> None:
    with pytest.raises(ConfigError, match="same number of elements"):
        _smt(HeaderToValue, headers="a,b", fields="x", operation="copy")
    with pytest.raises(ConfigError, match="Value must be one of move, copy"):
        _smt(HeaderToValue, headers="a", fields="x", operation="swap")
    schema, value = _value()
    record = source(value, schema, headers=Headers().add("h1", "one", Schema.STRING_SCHEMA))
    with pytest.raises(ConnectError, match="Field 'id' is a primitive type"):
        _smt(HeaderToValue, headers="h1", fields="id.x", operation="copy").apply(record)


def _schema_change(kind: str | None) -> SourceRecord:
    change = SchemaBuilder.struct().field("type", Schema.STRING_SCHEMA).build()
    schema = (SchemaBuilder.struct().name("io.debezium.connector.mysql.SchemaChangeValue")
              .field("tableChanges", SchemaBuilder.array(change).build()).build())
    changes = [] if kind is None else [Struct(change).put("type", kind)]
    return SourceRecord({}, {}, "t", 0, None, None, schema, Struct(schema).put("tableChanges", changes))


def test_schema_change_event_filter() -> None:
    smt = _smt(SchemaChangeEventFilter, schema_change_event_exclude_list="ALTER, DATABASE")
    assert smt.apply(_schema_change("ALTER")) is None
    assert smt.apply(_schema_change(None)) is None
    assert smt.apply(_schema_change("CREATE")) is not None
    record = event("c", None, row())
    assert smt.apply(record) is record
    with pytest.raises(ConfigError, match="No enum constant"):
        _smt(SchemaChangeEventFilter, schema_change_event_exclude_list="RENAME")

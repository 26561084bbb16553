"""``struct_copier``'s generated copy functions do exactly what the field-by-field ``put`` loop does."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import (
    INT8_SCHEMA,
    INT32_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.transforms._util import field_value, struct_copier

SOURCE = (SchemaBuilder.struct().name("src")
          .field("a", STRING_SCHEMA)
          .field("b", OPTIONAL_STRING_SCHEMA)
          .field("c", SchemaBuilder.int32().default_value(7).build())
          .field("d", OPTIONAL_INT32_SCHEMA)
          .field("e", INT32_SCHEMA)
          .build())
# the same fields with other schema objects for d and e (values there are validated again), a renamed b, no c
TARGET = (SchemaBuilder.struct().name("dst")
          .field("e", INT8_SCHEMA)
          .field("a", STRING_SCHEMA)
          .field("bee", OPTIONAL_STRING_SCHEMA)
          .field("d", INT32_SCHEMA)
          .field("new", OPTIONAL_STRING_SCHEMA)
          .build())
RENAMES = {"bee": "b"}


def _reference(struct: Struct, target: Schema, source_name: Any, replace_null: bool, *,
               rewrite: frozenset[str] = frozenset(), rewrite_value: Any = None) -> Struct:
    """The loop struct_copier replaces: ``put`` of every mapped field in target order."""
    out = Struct(target)
    for field in target.fields:
        name = source_name(field.name)
        if name is None:
            continue
        value = field_value(struct, name, replace_null)
        if field.name in rewrite and rewrite_value is not None:
            value = rewrite_value(value, field.schema)
        out.put(field, value)
    return out


def _outcome(function: Any) -> tuple[str, Any]:
    try:
        result = function()
    except DataError as error:
        return "error", str(error)
    return "ok", (result.schema, result.values())


def _raw(schema: Schema, *values: Any) -> Struct:
    struct = Struct(schema)
    struct.values()[:] = values
    return struct


ROWS = [
    ("x", "y", 1, 2, 3),
    ("x", None, None, 2, 3),  # c's default; b null into an optional field
    ("x", "y", 1, None, 3),  # d null into a required field of another schema: put's error
    (None, "y", 1, 2, 3),  # a null into a required field of the same schema object: put's error
    ("x", "y", 1, 2, 300),  # e out of INT8's range: put's error
    (None, None, None, None, 300),  # several problems: the first in target order wins
]


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("replace_null", [True, False])
def test_renaming_and_dropping_copies_like_the_put_loop(row: tuple[Any, ...], replace_null: bool) -> None:
    def source_name(name: str) -> str | None:
        name = RENAMES.get(name, name)
        return name if SOURCE.field(name) is not None else None

    copy = struct_copier(SOURCE, TARGET, source_name)
    struct = _raw(SOURCE, *row)
    assert _outcome(lambda: copy(struct, replace_null)) == \
        _outcome(lambda: _reference(struct, TARGET, source_name, replace_null))


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("replace_null", [True, False])
def test_rewritten_fields_go_through_put_after_the_rewrite(row: tuple[Any, ...], replace_null: bool) -> None:
    rewrite = frozenset({"b", "c", "e"})

    def mask(value: Any, schema: Schema) -> Any:
        if value == 3:
            raise DataError("cannot mask 3")
        return None if value is None else ("" if isinstance(value, str) else 0)

    copy = struct_copier(SOURCE, SOURCE, lambda name: name, rewrite)
    struct = _raw(SOURCE, *row)
    for rewrite_value in (mask, None):
        assert _outcome(lambda rv=rewrite_value: copy(struct, replace_null, rv)) == \
            _outcome(lambda rv=rewrite_value: _reference(struct, SOURCE, lambda n: n, replace_null, rewrite=rewrite,
                                          rewrite_value=rv))


def test_a_copy_is_a_new_struct_of_the_target_schema() -> None:
    copy = struct_copier(SOURCE, SOURCE, lambda name: name)
    struct = _raw(SOURCE, "x", None, 1, None, 2)
    copied = copy(struct, True)
    assert copied is not struct and copied.values() is not struct.values()
    assert copied == struct and copied.schema is SOURCE


def test_an_unknown_source_field_fails_when_the_plan_is_built() -> None:
    with pytest.raises(DataError, match="nope is not a valid field name"):
        struct_copier(SOURCE, TARGET, lambda name: "nope")

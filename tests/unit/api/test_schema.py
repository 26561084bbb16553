from __future__ import annotations

import pytest

from connect_core.api.errors import DataError
from connect_core.api.schema import (
    INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
    validate_value,
)
from connect_core.api.struct import Struct


def test_type_values_are_kafka_type_names() -> None:
    assert Type.FLOAT32.value == "float32"
    assert Type.STRUCT.value == "struct"
    assert Type.INT8.is_primitive
    assert not Type.MAP.is_primitive
    assert str(Type.INT32) == "INT32"


def test_constants_are_available_on_the_class() -> None:
    assert Schema.INT32_SCHEMA is INT32_SCHEMA
    assert Schema.OPTIONAL_STRING_SCHEMA.optional
    assert not Schema.BYTES_SCHEMA.optional


def test_builder_builds_struct_with_fields_in_order() -> None:
    schema = (
        SchemaBuilder.struct()
        .name("com.acme.User")
        .version(2)
        .doc("d")
        .parameter("a", "1")
        .field("id", INT32_SCHEMA)
        .field("name", SchemaBuilder.string().optional())
        .build()
    )
    assert [f.name for f in schema.fields] == ["id", "name"]
    assert schema.field("name").index == 1  # type: ignore[union-attr]
    assert schema.field("name").schema == OPTIONAL_STRING_SCHEMA  # type: ignore[union-attr]
    assert schema.field("missing") is None
    assert (schema.name, schema.version, schema.doc, schema.parameters) == ("com.acme.User", 2, "d", {"a": "1"})


def test_equal_schemas_are_equal_and_hash_alike() -> None:
    def build() -> Schema:
        return SchemaBuilder.map(STRING_SCHEMA, SchemaBuilder.array(INT32_SCHEMA)).optional().build()

    assert build() == build()
    assert hash(build()) == hash(build())
    assert len({build(), build()}) == 1
    assert build() != SchemaBuilder.map(STRING_SCHEMA, SchemaBuilder.array(INT32_SCHEMA)).build()


def test_schema_is_immutable() -> None:
    with pytest.raises(AttributeError):
        INT32_SCHEMA.optional = True  # type: ignore[misc]


def test_builder_rejects_setting_a_property_twice() -> None:
    with pytest.raises(DataError, match="name has already been set"):
        SchemaBuilder.int32().name("a").name("b")


def test_builder_rejects_duplicate_field_and_fields_on_non_struct() -> None:
    with pytest.raises(DataError, match="duplication"):
        SchemaBuilder.struct().field("a", INT32_SCHEMA).field("a", INT32_SCHEMA)
    with pytest.raises(DataError, match="Cannot create fields on type INT32"):
        SchemaBuilder.int32().field("a", INT32_SCHEMA)


def test_builder_validates_default_value() -> None:
    with pytest.raises(DataError, match="Invalid default value"):
        SchemaBuilder.int32().default_value("x")
    assert SchemaBuilder.int32().default_value(5).build().default_value == 5


def test_fields_on_non_struct_raises_like_kafka() -> None:
    with pytest.raises(DataError, match="non-struct"):
        _ = INT32_SCHEMA.fields


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (INT32_SCHEMA, "1"),
        (INT32_SCHEMA, True),
        (INT32_SCHEMA, 2**31),
        (Schema.INT8_SCHEMA, 128),
        (Schema.FLOAT64_SCHEMA, "1.0"),
        (Schema.BOOLEAN_SCHEMA, 1),
        (STRING_SCHEMA, b"x"),
        (SchemaBuilder.array(INT32_SCHEMA).build(), [1, "2"]),
        (SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).build(), {1: 1}),
    ],
)
def test_validate_value_rejects_wrong_types_and_ranges(schema: Schema, value: object) -> None:
    with pytest.raises(DataError):
        validate_value(schema, value)


def test_validate_value_messages_follow_kafka() -> None:
    with pytest.raises(DataError, match=r"Invalid value: null used for required field: \"f\", schema type: INT32"):
        validate_value(INT32_SCHEMA, None, "f")
    with pytest.raises(DataError, match="Invalid Java object for schema with type STRING"):
        validate_value(STRING_SCHEMA, 1)


def test_validate_value_accepts_null_for_optional_and_matching_struct() -> None:
    validate_value(OPTIONAL_STRING_SCHEMA, None)
    schema = SchemaBuilder.struct().field("a", INT32_SCHEMA).build()
    validate_value(schema, Struct(schema).put("a", 1))
    other = SchemaBuilder.struct().field("b", INT32_SCHEMA).build()
    with pytest.raises(DataError, match="Struct schemas do not match"):
        validate_value(schema, Struct(other).put("b", 1))


def test_require_accessors_return_what_exists_and_name_what_does_not() -> None:
    struct = SchemaBuilder.struct().field("a", SchemaBuilder.int32().build()).build()
    array = SchemaBuilder.array(SchemaBuilder.string().build()).build()
    mapping = SchemaBuilder.map(SchemaBuilder.string().build(), SchemaBuilder.int64().build()).build()
    assert struct.require_field("a").name == "a"
    assert array.require_value_schema().type is Type.STRING
    assert (mapping.require_key_schema().type, mapping.require_value_schema().type) == (Type.STRING, Type.INT64)
    with pytest.raises(DataError, match="b is not a valid field name"):
        struct.require_field("b")
    with pytest.raises(DataError, match="Cannot get the key schema of a ARRAY schema"):
        array.require_key_schema()
    with pytest.raises(DataError, match="Cannot get the value schema of a STRUCT schema"):
        struct.require_value_schema()

"""Connect schemas: ``Type``, ``Field``, ``Schema``, ``SchemaBuilder`` and ``validate_value``.

A port of Kafka's ``Schema``/``ConnectSchema``/``SchemaBuilder``/``Field`` so that converters, SMTs and
connectors share one immutable, hashable description of the data they move.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import enum
from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.errors import DataError

if TYPE_CHECKING:
    import builtins
    from collections.abc import Mapping

__all__ = [
    "BOOLEAN_SCHEMA",
    "BYTES_SCHEMA",
    "FLOAT32_SCHEMA",
    "FLOAT64_SCHEMA",
    "INT8_SCHEMA",
    "INT16_SCHEMA",
    "INT32_SCHEMA",
    "INT64_SCHEMA",
    "OPTIONAL_BOOLEAN_SCHEMA",
    "OPTIONAL_BYTES_SCHEMA",
    "OPTIONAL_FLOAT32_SCHEMA",
    "OPTIONAL_FLOAT64_SCHEMA",
    "OPTIONAL_INT8_SCHEMA",
    "OPTIONAL_INT16_SCHEMA",
    "OPTIONAL_INT32_SCHEMA",
    "OPTIONAL_INT64_SCHEMA",
    "OPTIONAL_STRING_SCHEMA",
    "STRING_SCHEMA",
    "Field",
    "Schema",
    "SchemaBuilder",
    "Type",
    "non_optional",
    "validate_value",
]


class Type(enum.Enum):
    """Schema type (Kafka ``Schema.Type``); the value is Kafka's ``Type.getName()`` (e.g. ``"float32"``)."""

    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOLEAN = "boolean"
    STRING = "string"
    BYTES = "bytes"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"

    @property
    def is_primitive(self) -> bool:
        """True for every type except ARRAY, MAP and STRUCT (Kafka ``Type.isPrimitive``)."""
        return self not in (Type.ARRAY, Type.MAP, Type.STRUCT)

    def __str__(self) -> str:
        # Java prints the enum constant name in messages ("schema type: INT32").
        return self.name


class Field:
    """A named, positioned member of a STRUCT schema (Kafka ``Field``); immutable."""

    __slots__ = ("index", "name", "schema")

    name: str
    index: int
    schema: Schema

    def __init__(self, name: str, index: int, schema: Schema) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "schema", schema)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Field is immutable")

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Field):
            return NotImplemented
        return self.name == other.name and self.index == other.index and self.schema == other.schema

    def __hash__(self) -> int:
        return hash((self.name, self.index, self.schema))

    def __repr__(self) -> str:
        return f"Field{{name={self.name}, index={self.index}, schema={self.schema!r}}}"


_INT_RANGES: dict[Type, tuple[int, int]] = {
    Type.INT8: (-(2**7), 2**7 - 1),
    Type.INT16: (-(2**15), 2**15 - 1),
    Type.INT32: (-(2**31), 2**31 - 1),
    Type.INT64: (-(2**63), 2**63 - 1),
}

_DECIMAL_NAME = "org.apache.kafka.connect.data.Decimal"
_DATE_NAME = "org.apache.kafka.connect.data.Date"
_TIME_NAME = "org.apache.kafka.connect.data.Time"
_TIMESTAMP_NAME = "org.apache.kafka.connect.data.Timestamp"


class Schema:
    """An immutable, hashable schema (Kafka ``ConnectSchema``); build one with ``SchemaBuilder``.

    Equality is by content, like Kafka's, so schemas can key caches. ``fields`` returns the internal list:
    treat it as read-only.
    """

    __slots__ = (
        "_fast",
        "_fields",
        "_fields_by_name",
        "_hash",
        "default_value",
        "doc",
        "key_schema",
        "name",
        "optional",
        "parameters",
        "type",
        "value_schema",
        "version",
    )

    INT8_SCHEMA: ClassVar[Schema]
    INT16_SCHEMA: ClassVar[Schema]
    INT32_SCHEMA: ClassVar[Schema]
    INT64_SCHEMA: ClassVar[Schema]
    FLOAT32_SCHEMA: ClassVar[Schema]
    FLOAT64_SCHEMA: ClassVar[Schema]
    BOOLEAN_SCHEMA: ClassVar[Schema]
    STRING_SCHEMA: ClassVar[Schema]
    BYTES_SCHEMA: ClassVar[Schema]
    OPTIONAL_INT8_SCHEMA: ClassVar[Schema]
    OPTIONAL_INT16_SCHEMA: ClassVar[Schema]
    OPTIONAL_INT32_SCHEMA: ClassVar[Schema]
    OPTIONAL_INT64_SCHEMA: ClassVar[Schema]
    OPTIONAL_FLOAT32_SCHEMA: ClassVar[Schema]
    OPTIONAL_FLOAT64_SCHEMA: ClassVar[Schema]
    OPTIONAL_BOOLEAN_SCHEMA: ClassVar[Schema]
    OPTIONAL_STRING_SCHEMA: ClassVar[Schema]
    OPTIONAL_BYTES_SCHEMA: ClassVar[Schema]

    type: Type
    optional: bool
    default_value: Any
    name: str | None
    version: int | None
    doc: str | None
    parameters: dict[str, str] | None
    key_schema: Schema | None
    value_schema: Schema | None
    _fields: list[Field] | None
    _fields_by_name: dict[str, Field] | None
    _hash: int | None
    _fast: tuple[builtins.type, int | None, int | None] | None

    def __init__(  # noqa: PLR0917 - Kafka's positional signature
        self,
        type: Type,  # Kafka's name
        optional: bool = False,
        default_value: Any = None,
        name: str | None = None,
        version: int | None = None,
        doc: str | None = None,
        parameters: Mapping[str, str] | None = None,
        fields: list[Field] | None = None,
        key_schema: Schema | None = None,
        value_schema: Schema | None = None,
    ) -> None:
        """Create a schema; prefer ``SchemaBuilder``. Validates the default value like Kafka's constructor."""
        s = object.__setattr__
        s(self, "type", type)
        s(self, "optional", bool(optional))
        s(self, "default_value", default_value)
        s(self, "name", name)
        s(self, "version", version)
        s(self, "doc", doc)
        s(self, "parameters", dict(parameters) if parameters is not None else None)
        if type is Type.STRUCT:
            flds = list(fields) if fields is not None else []
            s(self, "_fields", flds)
            s(self, "_fields_by_name", {f.name: f for f in flds})
        else:
            s(self, "_fields", None)
            s(self, "_fields_by_name", None)
        s(self, "key_schema", key_schema if type is Type.MAP else None)
        s(self, "value_schema", value_schema if type in (Type.MAP, Type.ARRAY) else None)
        s(self, "_hash", None)
        # (exact Python type, min, max) of an unnamed primitive: the per-record validation needs nothing more
        exact = _EXACT_TYPES.get(type) if name is None else None
        bounds = _INT_RANGES.get(type, (None, None))
        s(self, "_fast", (exact, bounds[0], bounds[1]) if exact is not None else None)
        if default_value is not None:
            validate_value(self, default_value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Schema is immutable")

    @property
    def plain_value_check(self) -> tuple[builtins.type, int | None, int | None] | None:
        """(exact Python type, min, max) a value of this unnamed primitive schema needs at most to be valid.

        None for named, container and struct schemas. For compiled plans that check values inline and call
        ``validate_value`` only for anything else.
        """
        return self._fast

    @property
    def fields(self) -> list[Field]:
        """The struct's fields in order; raises ``DataError`` on non-struct schemas (like Kafka)."""
        if self._fields is None:
            raise DataError("Cannot list fields on non-struct type")
        return self._fields

    def field(self, name: str) -> Field | None:
        """The struct field called ``name`` or None; raises ``DataError`` on non-struct schemas."""
        if self._fields_by_name is None:
            raise DataError("Cannot look up fields on non-struct type")
        return self._fields_by_name.get(name)

    def require_field(self, name: str) -> Field:
        """``field(name)`` where the field must exist: DataError naming it otherwise (Kafka's ``lookupField``)."""
        found = self.field(name)
        if found is None:
            raise DataError(f"{name} is not a valid field name")
        return found

    def require_key_schema(self) -> Schema:
        """The key schema of a MAP; DataError for any other type (code that has checked the type reads it typed)."""
        if self.key_schema is None:
            raise DataError(f"Cannot get the key schema of a {self.type.name} schema")
        return self.key_schema

    def require_value_schema(self) -> Schema:
        """The element schema of an ARRAY or the value schema of a MAP; DataError for any other type."""
        if self.value_schema is None:
            raise DataError(f"Cannot get the value schema of a {self.type.name} schema")
        return self.value_schema

    def schema(self) -> Schema:
        """This schema (Kafka's ``Schema.schema()``, kept so builder-or-schema code ports unchanged)."""
        return self

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Schema):
            return NotImplemented
        return (
            self.type is other.type
            and self.optional == other.optional
            and self.name == other.name
            and self.version == other.version
            and self.doc == other.doc
            and self._fields == other._fields
            and self.key_schema == other.key_schema
            and self.value_schema == other.value_schema
            and self.parameters == other.parameters
            and _default_equals(self.default_value, other.default_value)
        )

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash(
                (
                    self.type,
                    self.optional,
                    self.name,
                    self.version,
                    self.doc,
                    tuple(self._fields) if self._fields is not None else None,
                    self.key_schema,
                    self.value_schema,
                )
            )
            object.__setattr__(self, "_hash", h)
        return h

    def __repr__(self) -> str:
        if self.name is not None:
            return f"Schema{{{self.name}:{self.type}}}"
        return f"Schema{{{self.type}}}"


def _default_equals(a: Any, b: Any) -> bool:
    # bool == int in Python; Kafka compares Boolean and Integer as different objects.
    if type(a) is not type(b):
        return False
    return bool(a == b)


class SchemaBuilder:
    """Fluent builder for ``Schema`` (Kafka ``SchemaBuilder``); each property may be set only once."""

    __slots__ = (
        "_default_value",
        "_doc",
        "_fields",
        "_key_schema",
        "_name",
        "_optional",
        "_parameters",
        "_type",
        "_value_schema",
        "_version",
    )

    def __init__(self, type: Type) -> None:  # Kafka's name
        """Start a builder for ``type``; prefer the named constructors (``SchemaBuilder.int32()``)."""
        self._type = type
        self._optional: bool | None = None
        self._default_value: Any = None
        self._name: str | None = None
        self._version: int | None = None
        self._doc: str | None = None
        self._parameters: dict[str, str] | None = None
        self._fields: dict[str, Field] | None = {} if type is Type.STRUCT else None
        self._key_schema: Schema | None = None
        self._value_schema: Schema | None = None

    # -- named constructors -------------------------------------------------------------------
    @classmethod
    def type(cls, type: Type) -> SchemaBuilder:  # Kafka's name
        """A builder for any ``Type`` (Kafka ``SchemaBuilder.type``)."""
        return cls(type)

    @classmethod
    def int8(cls) -> SchemaBuilder:
        """An INT8 builder."""
        return cls(Type.INT8)

    @classmethod
    def int16(cls) -> SchemaBuilder:
        """An INT16 builder."""
        return cls(Type.INT16)

    @classmethod
    def int32(cls) -> SchemaBuilder:
        """An INT32 builder."""
        return cls(Type.INT32)

    @classmethod
    def int64(cls) -> SchemaBuilder:
        """An INT64 builder."""
        return cls(Type.INT64)

    @classmethod
    def float32(cls) -> SchemaBuilder:
        """A FLOAT32 builder."""
        return cls(Type.FLOAT32)

    @classmethod
    def float64(cls) -> SchemaBuilder:
        """A FLOAT64 builder."""
        return cls(Type.FLOAT64)

    @classmethod
    def bool(cls) -> SchemaBuilder:
        """A BOOLEAN builder (Kafka names it ``bool()``)."""
        return cls(Type.BOOLEAN)

    boolean = bool

    @classmethod
    def string(cls) -> SchemaBuilder:
        """A STRING builder."""
        return cls(Type.STRING)

    @classmethod
    def bytes(cls) -> SchemaBuilder:
        """A BYTES builder."""
        return cls(Type.BYTES)

    @classmethod
    def struct(cls) -> SchemaBuilder:
        """A STRUCT builder; add fields with ``.field(name, schema)``."""
        return cls(Type.STRUCT)

    @classmethod
    def array(cls, value_schema: Schema | SchemaBuilder) -> SchemaBuilder:
        """An ARRAY builder of ``value_schema`` elements."""
        if value_schema is None:
            raise DataError("valueSchema cannot be null.")
        builder = cls(Type.ARRAY)
        builder._value_schema = _as_schema(value_schema)
        return builder

    @classmethod
    def map(cls, key_schema: Schema | SchemaBuilder, value_schema: Schema | SchemaBuilder) -> SchemaBuilder:
        """A MAP builder from ``key_schema`` to ``value_schema``."""
        if key_schema is None:
            raise DataError("keySchema cannot be null.")
        if value_schema is None:
            raise DataError("valueSchema cannot be null.")
        builder = cls(Type.MAP)
        builder._key_schema = _as_schema(key_schema)
        builder._value_schema = _as_schema(value_schema)
        return builder

    # -- properties ---------------------------------------------------------------------------
    def _check_can_set(self, field_name: str, current: Any, new: Any) -> None:
        if current is not None and current != new:
            raise DataError(f"Invalid SchemaBuilder call: {field_name} has already been set.")

    def optional(self) -> SchemaBuilder:
        """Allow null values."""
        self._check_can_set("optional", self._optional, True)
        self._optional = True
        return self

    def required(self) -> SchemaBuilder:
        """Forbid null values (the default)."""
        self._check_can_set("optional", self._optional, False)
        self._optional = False
        return self

    def default_value(self, value: Any) -> SchemaBuilder:
        """Set the default, validated against the schema built so far."""
        self._check_can_set("default", self._default_value, value)
        try:
            validate_value(self.build(), value)
        except DataError as e:
            raise DataError(f"Invalid default value: {e}") from e
        self._default_value = value
        return self

    def name(self, name: str) -> SchemaBuilder:
        """Set the schema name (also how logical types are recognised)."""
        self._check_can_set("name", self._name, name)
        self._name = name
        return self

    def version(self, version: int) -> SchemaBuilder:
        """Set the schema version."""
        self._check_can_set("version", self._version, version)
        self._version = version
        return self

    def doc(self, doc: str) -> SchemaBuilder:
        """Set the documentation string."""
        self._check_can_set("doc", self._doc, doc)
        self._doc = doc
        return self

    def parameter(self, key: str, value: str) -> SchemaBuilder:
        """Add one string parameter (insertion order is kept, as Kafka's LinkedHashMap does)."""
        if self._parameters is None:
            self._parameters = {}
        self._parameters[key] = value
        return self

    def parameters(self, params: Mapping[str, str]) -> SchemaBuilder:
        """Add several string parameters."""
        if self._parameters is None:
            self._parameters = {}
        self._parameters.update(params)
        return self

    def field(self, field_name: str, field_schema: Schema | SchemaBuilder) -> SchemaBuilder:
        """Append a struct field; names must be unique."""
        if self._type is not Type.STRUCT or self._fields is None:
            raise DataError(f"Cannot create fields on type {self._type}")
        if not field_name:
            raise DataError("fieldName cannot be null.")
        if field_schema is None:
            raise DataError("fieldSchema for field " + field_name + " cannot be null.")
        if field_name in self._fields:
            raise DataError(f"Cannot create field because of field name duplication {field_name}")
        self._fields[field_name] = Field(field_name, len(self._fields), _as_schema(field_schema))
        return self

    # -- read access, so a builder can stand where Kafka code passes a Schema ------------------
    @property
    def fields(self) -> list[Field]:
        """Fields added so far (STRUCT only)."""
        if self._fields is None:
            raise DataError("Cannot list fields on non-struct type")
        return list(self._fields.values())

    def is_optional(self) -> builtins.bool:
        """Whether ``optional()`` was called."""
        return bool(self._optional)

    def build(self) -> Schema:
        """Create the immutable ``Schema``."""
        return Schema(
            self._type,
            optional=bool(self._optional),
            default_value=self._default_value,
            name=self._name,
            version=self._version,
            doc=self._doc,
            parameters=self._parameters,
            fields=list(self._fields.values()) if self._fields is not None else None,
            key_schema=self._key_schema,
            value_schema=self._value_schema,
        )

    def schema(self) -> Schema:
        """Alias of ``build()`` (Kafka's ``SchemaBuilder.schema()``)."""
        return self.build()


def _as_schema(schema: Schema | SchemaBuilder) -> Schema:
    return schema.build() if isinstance(schema, SchemaBuilder) else schema


# -- validation -----------------------------------------------------------------------------------
def _expected_ok(schema: Schema, value: Any) -> bool:  # one return per type is clearest
    name = schema.name
    if name is not None:
        if name == _DECIMAL_NAME:
            return isinstance(value, _decimal.Decimal)
        if name == _DATE_NAME:
            return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
        if name == _TIME_NAME:
            return isinstance(value, _dt.time)
        if name == _TIMESTAMP_NAME:
            return isinstance(value, _dt.datetime)
    t = schema.type
    if t in _INT_RANGES:
        return isinstance(value, int) and not isinstance(value, bool)
    if t is Type.FLOAT32 or t is Type.FLOAT64:
        return isinstance(value, float)
    if t is Type.BOOLEAN:
        return isinstance(value, bool)
    if t is Type.STRING:
        return isinstance(value, str)
    if t is Type.BYTES:
        return isinstance(value, (bytes, bytearray, memoryview))
    if t is Type.ARRAY:
        return isinstance(value, list)
    if t is Type.MAP:
        return isinstance(value, dict)
    return isinstance(value, _struct_class())


_STRUCT_CLASS: list[type] = []


def _struct_class() -> type:
    # struct.py imports this module, so Struct is looked up lazily once.
    if not _STRUCT_CLASS:
        from connect_core.api.struct import Struct

        _STRUCT_CLASS.append(Struct)
    return _STRUCT_CLASS[0]


# Exact Python type of an unnamed primitive value that needs no more than a range check (the per-record hot path:
# every SMT copies each field through ``Struct.put``). Anything else takes the full check below.
_EXACT_TYPES: dict[Type, type] = {
    Type.INT8: int, Type.INT16: int, Type.INT32: int, Type.INT64: int, Type.FLOAT32: float, Type.FLOAT64: float,
    Type.BOOLEAN: bool, Type.STRING: str, Type.BYTES: bytes,
}


def _validate(schema: Schema, value: Any, location: str) -> None:
    fast, kind = schema._fast, type(value)  # kind: `type(value) is` would narrow value to object
    if fast is not None and fast[0] is kind and (fast[1] is None or fast[1] <= value <= fast[2]):
        return
    if value is None:
        if not schema.optional:
            raise DataError(f"Invalid value: null used for required {location}, schema type: {schema.type}")
        return
    if not _expected_ok(schema, value):
        named = f' "{schema.name}"' if schema.name is not None else ""
        raise DataError(f"Invalid Java object for schema{named} with type {schema.type}: {type(value)} for {location}")
    t = schema.type
    rng = _INT_RANGES.get(t)
    if rng is not None and type(value) is int and not rng[0] <= value <= rng[1]:
        raise DataError(f"Invalid value {value} for {location}: out of range for schema type {t}")
    if t is Type.STRUCT:
        if value.schema != schema:
            raise DataError("Struct schemas do not match.")
        value.validate()
    elif t is Type.ARRAY:
        entry_location = f"element of array {location}"
        element_schema = _not_null(schema.value_schema, entry_location)
        for entry in value:
            _validate(element_schema, entry, entry_location)
    elif t is Type.MAP:
        key_location = f"key of map {location}"
        value_location = f"value of map {location}"
        key_schema = _not_null(schema.key_schema, key_location)
        value_schema = _not_null(schema.value_schema, value_location)
        for k, v in value.items():
            _validate(key_schema, k, key_location)
            _validate(value_schema, v, value_location)


def _not_null(schema: Schema | None, location: str) -> Schema:
    if schema is None:
        raise DataError(f"No schema defined for {location}")
    return schema


def infer_type(value: Any) -> Type | None:
    """Kafka's ``ConnectSchema.schemaType(value.getClass())`` (subclasses included): the type of a schemaless value.

    None when the value has no Connect type (callers raise Kafka's "does not have corresponding schema type").
    """
    if isinstance(value, bool):
        return Type.BOOLEAN
    if isinstance(value, int):
        return Type.INT64
    if isinstance(value, float):
        return Type.FLOAT64
    if isinstance(value, str):
        return Type.STRING
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Type.BYTES
    if isinstance(value, (list, tuple)):
        return Type.ARRAY
    if isinstance(value, dict):
        return Type.MAP
    from connect_core.api.struct import Struct  # struct imports this module

    return Type.STRUCT if isinstance(value, Struct) else None


def non_optional(schema: Schema) -> Schema:
    """The same schema, required (Confluent's ``nonOptional``): the registry data mappings turn optional schemas
    into unions with null and map the required branch."""
    if not schema.optional:
        return schema
    return Schema(schema.type, False, schema.default_value, schema.name, schema.version, schema.doc,
                  schema.parameters, schema.fields if schema.type is Type.STRUCT else None,
                  schema.key_schema, schema.value_schema)


def validate_value(schema: Schema, value: Any, field_name: str | None = None) -> None:
    """Check ``value`` against ``schema`` and raise ``DataError`` if it does not fit (Kafka ``validateValue``).

    Args:
        schema: the schema to check against.
        value: the Python value (int, float, bool, str, bytes, list, dict, Struct or a logical type's value).
        field_name: names the field in error messages, as Kafka's ``validateValue(field, schema, value)``.
    """
    fast, kind = schema._fast, type(value)  # kind: `type(value) is` would narrow value to object
    if fast is not None and fast[0] is kind and (fast[1] is None or fast[1] <= value <= fast[2]):
        return  # the hot path: no location text is built unless something is wrong
    location = "value" if field_name is None else f'field: "{field_name}"'
    _validate(schema, value, location)


INT8_SCHEMA = Schema(Type.INT8)
INT16_SCHEMA = Schema(Type.INT16)
INT32_SCHEMA = Schema(Type.INT32)
INT64_SCHEMA = Schema(Type.INT64)
FLOAT32_SCHEMA = Schema(Type.FLOAT32)
FLOAT64_SCHEMA = Schema(Type.FLOAT64)
BOOLEAN_SCHEMA = Schema(Type.BOOLEAN)
STRING_SCHEMA = Schema(Type.STRING)
BYTES_SCHEMA = Schema(Type.BYTES)
OPTIONAL_INT8_SCHEMA = Schema(Type.INT8, optional=True)
OPTIONAL_INT16_SCHEMA = Schema(Type.INT16, optional=True)
OPTIONAL_INT32_SCHEMA = Schema(Type.INT32, optional=True)
OPTIONAL_INT64_SCHEMA = Schema(Type.INT64, optional=True)
OPTIONAL_FLOAT32_SCHEMA = Schema(Type.FLOAT32, optional=True)
OPTIONAL_FLOAT64_SCHEMA = Schema(Type.FLOAT64, optional=True)
OPTIONAL_BOOLEAN_SCHEMA = Schema(Type.BOOLEAN, optional=True)
OPTIONAL_STRING_SCHEMA = Schema(Type.STRING, optional=True)
OPTIONAL_BYTES_SCHEMA = Schema(Type.BYTES, optional=True)

for _const_name in [n for n in __all__ if n.endswith("_SCHEMA")]:
    setattr(Schema, _const_name, globals()[_const_name])
del _const_name

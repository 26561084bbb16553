"""Helpers shared by the built-in SMTs (Kafka's ``transforms/util`` package).

``require_*`` mirror Kafka's ``Requirements`` so every SMT fails with the same message; the schema helpers mirror
``SchemaUtil``; :class:`SchemaCache` is the LRU that keeps derived schemas off the per-record hot path.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connect_core.api.config import config_error, config_field
from connect_core.api.errors import DataError
from connect_core.api.record import SinkRecord, SourceRecord
from connect_core.api.schema import validate_value
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from connect_core.api.header import Headers
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Field, Schema, SchemaBuilder

#: Kafka's transforms keep at most this many derived schemas (``new LRUCache<>(16)``).
__all__ = [
    "REPLACE_NULL_WITH_DEFAULT_CONFIG",
    "REPLACE_NULL_WITH_DEFAULT_DEFAULT",
    "REPLACE_NULL_WITH_DEFAULT_DOC",
    "SCHEMA_CACHE_SIZE",
    "SchemaCache",
    "attach_variants",
    "class_name",
    "copy_schema_basics",
    "field_value",
    "java_split",
    "key_record",
    "non_empty_list",
    "non_empty_string",
    "non_null",
    "replace_null_field",
    "require_map",
    "require_map_or_null",
    "require_sink_record",
    "require_struct",
    "require_struct_or_null",
    "value_record",
    "values_copier",
]

SCHEMA_CACHE_SIZE = 16

_JAVA_CLASS_NAMES: dict[type, str] = {
    str: "java.lang.String",
    bool: "java.lang.Boolean",
    int: "java.lang.Long",
    float: "java.lang.Double",
    bytes: "[B",
    list: "java.util.ArrayList",
    dict: "java.util.HashMap",
    Struct: "org.apache.kafka.connect.data.Struct",
    SourceRecord: "org.apache.kafka.connect.source.SourceRecord",
    SinkRecord: "org.apache.kafka.connect.sink.SinkRecord",
}


def class_name(value: Any) -> str:
    """Name a value's type the way Kafka's messages do (``null`` or a Java-ish class name)."""
    if value is None:
        return "null"
    return _JAVA_CLASS_NAMES.get(type(value), type(value).__name__)


def require_map(value: Any, purpose: str) -> dict[str, Any]:
    """Return ``value`` if it is a map, else raise Kafka's ``requireMap`` DataError naming ``purpose``."""
    if not isinstance(value, dict):
        raise DataError(f"Only Map objects supported in absence of schema for [{purpose}], found: {class_name(value)}")
    return value


def require_map_or_null(value: Any, purpose: str) -> dict[str, Any] | None:
    """Like :func:`require_map` but lets ``None`` (a tombstone) through."""
    return None if value is None else require_map(value, purpose)


def require_struct(value: Any, purpose: str) -> Struct:
    """Return ``value`` if it is a Struct, else raise Kafka's ``requireStruct`` DataError naming ``purpose``."""
    if not isinstance(value, Struct):
        raise DataError(f"Only Struct objects supported for [{purpose}], found: {class_name(value)}")
    return value


def require_struct_or_null(value: Any, purpose: str) -> Struct | None:
    """Like :func:`require_struct` but lets ``None`` (a tombstone) through."""
    return None if value is None else require_struct(value, purpose)


def require_sink_record(record: ConnectRecord, purpose: str) -> SinkRecord:
    """Return ``record`` if it is a SinkRecord (e.g. offsets exist only there), else raise a DataError."""
    if not isinstance(record, SinkRecord):
        raise DataError(f"Only SinkRecord supported for [{purpose}], found: {class_name(record)}")
    return record


def copy_schema_basics(source: Schema, builder: SchemaBuilder) -> SchemaBuilder:
    """Copy name, version, doc and parameters onto ``builder`` (Kafka's ``SchemaUtil.copySchemaBasics``)."""
    if source.name is not None:
        builder.name(source.name)
    if source.version is not None:
        builder.version(source.version)
    if source.doc is not None:
        builder.doc(source.doc)
    if source.parameters:
        builder.parameters(dict(source.parameters))
    return builder


def field_value(struct: Struct, name: str, replace_null_with_default: bool) -> Any:
    """Read a struct field honouring ``replace.null.with.default`` (KIP-1040)."""
    return struct.get(name) if replace_null_with_default else struct.get_without_default(name)


#: One target field of a :func:`struct_copier` plan: target field, source index, source default, copied as is,
#: rewritten by the caller's function.
_CopyStep = tuple["Field", int, Any, bool, bool]
StructCopier = Callable[..., Struct]


def struct_copier(
    source: Schema, target: Schema, source_name: Callable[[str], str | None], rewrite: frozenset[str] = frozenset()
) -> StructCopier:
    """A copy plan from ``source`` to ``target`` structs, built once per schema pair (SMTs cache it).

    ``source_name(target_field_name)`` names the source field a target field takes its value from (None: left
    unset). ``copy(struct, replace_null, rewrite_value=None)`` then does exactly what
    ``out.put(field, field_value(struct, name, replace_null))`` in ``target`` field order does, with
    ``rewrite_value(value, field_schema)`` applied first to the fields named in ``rewrite``: a value read from a
    field of the very same schema object is stored without re-validating it (except a null for a field that does
    not accept one, which goes through ``put`` for Kafka's error); any other value is ``put``.
    """
    steps: list[_CopyStep] = []
    for field, origin in _field_origins(source, target, source_name):
        rewritten = field.name in rewrite
        steps.append((field, origin.index, origin.schema.default_value, origin.schema is field.schema and
                      not rewritten, rewritten))
    return _compile_copier(target, steps)


def _field_origins(source: Schema, target: Schema,
                   source_name: Callable[[str], str | None]) -> list[tuple[Field, Field]]:
    """(target field, the source field its value comes from) in target field order; a target field whose
    ``source_name`` is None is left out, a source name ``source`` does not have is Kafka's DataError."""
    pairs = []
    for field in target.fields:
        name = source_name(field.name)
        if name is None:
            continue
        origin = source.field(name)
        if origin is None:
            raise DataError(f"{name} is not a valid field name")
        pairs.append((field, origin))
    return pairs


def _compile_copier(target: Schema, steps: list[_CopyStep]) -> StructCopier:
    """Generate the copy function of a plan: straight-line code, one local per field, no per-field calls.

    Values copied as is land in the new struct's value list directly; a null for a field that does not take one,
    a value from a field of another schema, and rewritten values go through ``Struct.put`` (Kafka's validation and
    errors), in target field order like the loop this replaces.
    """
    env: dict[str, Any] = {"make": Struct.from_validated, "target": target}
    lines = ["def copy(struct, replace_null, rewrite_value=None):", "    vals = struct.values()"]
    slots = ["None"] * len(target.fields)
    checks: list[str] = []
    for k, (field, index, default, as_is, rewritten) in enumerate(steps):
        x = f"x{k}"
        env[f"F{k}"], env[f"S{k}"] = field, field.schema
        lines.append(f"    {x} = vals[{index}]")
        if default is not None:
            env[f"D{k}"] = default
            lines.append(f"    if {x} is None and replace_null:")
            lines.append(f"        {x} = D{k}")
        slots[field.index] = x
        if rewritten:
            checks.append(f"    out.put(F{k}, rewrite_value({x}, S{k}) if rewrite_value is not None else {x})")
        elif not as_is:
            checks.append(f"    out.put(F{k}, {x})")
        elif not field.schema.optional:
            checks.append(f"    if {x} is None:")
            checks.append(f"        out.put(F{k}, {x})")
    lines.append(f"    out = make(target, [{', '.join(slots)}])")
    lines.extend(checks)
    lines.append("    return out")
    namespace = dict(env)
    exec(compile("\n".join(lines), f"<struct copier {target.name or 'struct'}>", "exec"), namespace)
    copy: StructCopier = namespace["copy"]
    return copy


#: One step of a fused SMT chain (``TransformationChain``): the new struct's values from the input struct's values
#: and the record, or None where the exact ``apply`` must decide (a value it would validate, an error to raise).
ValuesStep = Callable[[list[Any], Any], "list[Any] | None"]


def values_copier(
    source: Schema, target: Schema, source_name: Callable[[str], str | None], *, replace_null: bool,
    rewrite: frozenset[str] = frozenset(), rewrite_value: Callable[[Any, Schema], Any] | None = None,
    inserts: list[tuple[Field, str | None, Any]] | None = None,
) -> ValuesStep:
    """The value-list form of :func:`struct_copier` for a fused chain: ``step(values, record) -> values | None``.

    Does what ``struct_copier``'s copy (with ``replace_null`` and ``rewrite_value`` bound) followed by ``put`` of
    each insert does, on plain value lists: no ``Struct``, no ``put``. ``inserts`` are ``(target field, record
    attribute or None, constant)``: the record's attribute (e.g. ``"topic"``) or the constant, which is validated
    here once. Wherever the exact copy would validate a value (``put``) and the value is not certainly valid (the
    exact class of an unnamed primitive, a null for an optional field), the step returns None: the caller then
    runs the SMT's own ``apply``, which stores it or raises Kafka's error.
    """
    env: dict[str, Any] = {"rewrite_value": rewrite_value}
    lines = ["def step(vals, record):"]
    slots = ["None"] * len(target.fields)

    def check(x: str, schema: Schema) -> None:
        lines.extend(_certainly_valid_lines(x, schema, env))

    for field, origin in _field_origins(source, target, source_name):
        k = field.index
        x = f"x{k}"
        slots[field.index] = x
        lines.append(f"    {x} = vals[{origin.index}]")
        if origin.schema.default_value is not None and replace_null:
            env[f"D{k}"] = origin.schema.default_value
            lines.append(f"    if {x} is None:")
            lines.append(f"        {x} = D{k}")
        if field.name in rewrite:
            env[f"S{k}"] = field.schema
            lines.append(f"    {x} = rewrite_value({x}, S{k})")
            check(x, field.schema)
        elif origin.schema is not field.schema:
            check(x, field.schema)
        elif not field.schema.optional:
            lines.append(f"    if {x} is None:")
            lines.append("        return None")
    for k, (field, attribute, constant) in enumerate(inserts or []):
        x = f"i{k}"
        slots[field.index] = x
        if attribute is None:
            validate_value(field.schema, constant, field.name)
            env[f"I{k}"] = constant
            lines.append(f"    {x} = I{k}")
        else:
            lines.append(f"    {x} = record.{attribute}")
            check(x, field.schema)
    lines.append(f"    return [{', '.join(slots)}]")
    namespace = dict(env)
    exec(compile("\n".join(lines), f"<values copier {target.name or 'struct'}>", "exec"), namespace)
    step: ValuesStep = namespace["step"]
    return step


def _certainly_valid_lines(x: str, schema: Schema, env: dict[str, Any]) -> list[str]:
    """Generated lines returning None unless ``x`` certainly passes ``validate_value(schema, x)`` (``put``'s check):
    a null for an optional field, or the exact class (and range) of an unnamed primitive."""
    lines = [f"    if {x} is None:", "        pass" if schema.optional else "        return None"]
    fast = schema.plain_value_check
    if fast is None:
        return [*lines, "    else:", "        return None"]
    name = f"E{len(env)}"
    env[name] = fast[0]
    bounds = f" or not ({fast[1]} <= {x} <= {fast[2]})" if fast[1] is not None else ""
    return [*lines, f"    elif {x}.__class__ is not {name}{bounds}:", "        return None"]


def key_record(
    record: ConnectRecord, schema: Schema | None, key: Any, headers: Headers | None = None
) -> ConnectRecord:
    """Copy ``record`` with a new key side and ``headers`` (default: the record's own, shared because no SMT
    mutates them in place)."""
    return record.new_record(
        record.topic, record.kafka_partition, schema, key, record.value_schema, record.value, record.timestamp,
        record.headers if headers is None else headers,
    )


def value_record(
    record: ConnectRecord, schema: Schema | None, value: Any, headers: Headers | None = None
) -> ConnectRecord:
    """Copy ``record`` with a new value side and ``headers`` (default: the record's own, shared because no SMT
    mutates them in place)."""
    return record.new_record(
        record.topic, record.kafka_partition, record.key_schema, record.key, schema, value, record.timestamp,
        record.headers if headers is None else headers,
    )


class SchemaCache:
    """LRU of derived schemas keyed by source schema (Kafka's ``SynchronizedCache(LRUCache(16))``).

    A one-entry identity check runs first: converters hand out the same Schema object record after record, so
    the common case costs one ``is`` comparison instead of hashing a whole schema.
    """

    __slots__ = ("_entries", "_last_key", "_last_value", "_max_size")

    def __init__(self, max_size: int = SCHEMA_CACHE_SIZE) -> None:
        """Create an empty cache holding at most ``max_size`` schemas."""
        self._entries: OrderedDict[Schema, Any] = OrderedDict()
        self._max_size = max_size
        self._last_key: Schema | None = None
        self._last_value: Any = None

    def get(self, schema: Schema) -> Any:
        """Return the cached value for ``schema`` or None."""
        if schema is self._last_key:
            return self._last_value
        value = self._entries.get(schema)
        if value is not None:
            self._entries.move_to_end(schema)
            self._last_key, self._last_value = schema, value
        return value

    def get_or_build(self, schema: Schema, build: Callable[[Schema], Any]) -> Any:
        """Return the cached value for ``schema``, computing it with ``build(schema)`` and caching it on a miss."""
        if schema is self._last_key:  # the per-record case, without the get() call
            return self._last_value
        value = self.get(schema)
        if value is None:
            value = build(schema)
            self.put(schema, value)
        return value

    def put(self, schema: Schema, value: Any) -> None:
        """Store ``value`` for ``schema``, evicting the least recently used entry past the size limit."""
        self._entries[schema] = value
        self._entries.move_to_end(schema)
        if len(self._entries) > self._max_size:
            self._entries.popitem(last=False)
        self._last_key, self._last_value = schema, value

    def __len__(self) -> int:
        """Number of cached schemas."""
        return len(self._entries)


# -- config helpers shared by the SMT config models ------------------------------------------------------------
REPLACE_NULL_WITH_DEFAULT_CONFIG = "replace.null.with.default"
REPLACE_NULL_WITH_DEFAULT_DEFAULT = True
REPLACE_NULL_WITH_DEFAULT_DOC = (
    "Whether to replace fields that have a default value and that are null to the default value. "
    "When set to true, the default value is used, otherwise null is used."
)


def replace_null_field() -> Any:
    """The ``replace.null.with.default`` config field most field-level SMTs share since Kafka 3.9 (KIP-1040)."""
    return config_field(
        REPLACE_NULL_WITH_DEFAULT_DEFAULT, alias=REPLACE_NULL_WITH_DEFAULT_CONFIG, type="BOOLEAN",
        description=REPLACE_NULL_WITH_DEFAULT_DOC,
    )


def non_empty_list(key: str, value: list[str] | None) -> None:
    """Kafka's ``NonEmptyListValidator``."""
    if not value:
        raise config_error(key, value if value is not None else [], "Empty list")


def non_empty_string(key: str, value: str | None) -> None:
    """Kafka's ``ConfigDef.NonEmptyString`` (null passes, "" does not)."""
    if value is not None and value == "":
        raise config_error(key, value, "String must be non-empty")


def non_null(key: str, value: Any) -> None:
    """Kafka's ``ConfigDef.NonNullValidator``."""
    if value is None:
        raise config_error(key, value, "entry must be non null")


def java_split(text: str, sep: str) -> list[str]:
    """Java's ``String.split(sep)``: trailing empty strings are dropped."""
    parts = text.split(sep)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if parts == [""] and text != "":
        return []
    return parts


def attach_variants(outer: type, key_cls: type, value_cls: type) -> None:
    """Expose ``key_cls``/``value_cls`` as ``outer.Key``/``outer.Value``, named like Kafka's nested classes.

    Python cannot subclass a class inside its own body, so the variants are defined after it and attached here.
    """
    for attr, cls in (("Key", key_cls), ("Value", value_cls)):
        cls.__name__ = attr
        cls.__qualname__ = f"{outer.__qualname__}.{attr}"
        setattr(outer, attr, cls)

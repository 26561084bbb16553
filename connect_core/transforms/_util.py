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
    "ValuesFunction",
    "ValuesStep",
    "attach_variants",
    "class_name",
    "compile_values_chain",
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


class ValuesStep:
    """One SMT's share of a fused chain (``TransformationChain``), built once per input schema: where each value of
    the ``target`` struct comes from. :func:`compile_values_chain` generates one function for a chain's steps.

    Describes what ``struct_copier``'s copy (with ``replace_null`` and ``rewrite_value`` bound) followed by ``put`` of
    each insert does. ``inserts`` are ``(target field, from the record's topic, constant)``: the topic or the
    constant, which is validated here once. ``rewrite_fast = (cls, result)``: ``rewrite_value`` of a value of exactly
    class ``cls`` is ``result`` whatever the schema (MaskField's strings), taken without the call. Wherever the exact
    copy would validate a value (``put``), the generated code does the same check (``validate_value``, inline for
    the exact class of an unnamed primitive); where it fails, or a null sits in a required field copied as is, the
    function raises or returns None and the caller runs the SMTs' own ``apply``, which raises Kafka's error.
    """

    __slots__ = ("inserts", "moves", "rewrite_fast", "rewrite_value", "target")

    def __init__(
        self, source: Schema, target: Schema, source_name: Callable[[str], str | None], *, replace_null: bool,
        rewrite: frozenset[str] = frozenset(), rewrite_value: Callable[[Any, Schema], Any] | None = None,
        rewrite_fast: tuple[type, Any] | None = None, inserts: list[tuple[Field, bool, Any]] | None = None,
    ) -> None:
        """Plan the step from ``source`` to ``target`` structs (``source_name`` as in :func:`struct_copier`)."""
        self.target = target
        #: (target field, source index, the source's default when nulls take it, rewritten, same field schema)
        self.moves = [(field, origin.index, origin.schema.default_value if replace_null else None,
                       field.name in rewrite, origin.schema is field.schema)
                      for field, origin in _field_origins(source, target, source_name)]
        for field, from_topic, constant in inserts or []:
            if not from_topic:
                validate_value(field.schema, constant, field.name)
        self.inserts = list(inserts or [])
        self.rewrite_value, self.rewrite_fast = rewrite_value, rewrite_fast

    def emit(self, inputs: list[str], lines: list[str], env: dict[str, Any], tag: str, known: set[str]) -> list[str]:
        """Append this step's lines, reading the input values from the names ``inputs`` (by source index); returns
        the names holding the target's values (by target index). ``tag`` keeps its names apart from other steps';
        ``known``: names known not to be null (their null checks are left out)."""
        outputs = ["None"] * len(self.target.fields)
        rewrite = f"{tag}rw"
        env[rewrite] = self.rewrite_value
        if self.rewrite_fast is not None:
            env[f"{tag}RC"], env[f"{tag}RK"] = self.rewrite_fast
        for field, index, default, rewritten, same in self.moves:
            k = field.index
            x, y = inputs[index], f"{tag}{k}"
            if default is not None and x not in known:
                env[f"{tag}D{k}"] = default
                lines.append(f"    {y} = {tag}D{k} if {x} is None else {x}")
                x = y
            if rewritten:
                env[f"{tag}S{k}"] = field.schema
                call = f"{rewrite}({x}, {tag}S{k})"
                fast = self.rewrite_fast
                if fast is not None and _is_plain_value(fast[1], field.schema):  # no check after the fast result
                    lines.extend([f"    if {x}.__class__ is {tag}RC:", f"        {y} = {tag}RK", "    else:",
                                  f"        {y} = {call}"])
                    lines.extend(_validation_lines(y, field, env, set(), "        "))
                else:
                    if fast is not None:
                        call = f"{tag}RK if {x}.__class__ is {tag}RC else {call}"
                    lines.append(f"    {y} = {call}")
                    lines.extend(_validation_lines(y, field, env, known))
                x = y
            elif not same:
                lines.extend(_validation_lines(x, field, env, known))
            elif not field.schema.optional and x not in known:
                lines.extend([f"    if {x} is None:", "        return None"])
                known.add(x)
            outputs[k] = x
        for k, (field, from_topic, constant) in enumerate(self.inserts):
            if from_topic:
                outputs[field.index] = "topic"
                lines.extend(_validation_lines("topic", field, env, known))
            else:
                env[f"{tag}I{k}"] = constant
                outputs[field.index] = f"{tag}I{k}"
        return outputs


#: A fused chain's function (``TransformationChain``): the last step's ``Struct`` from the input struct's values
#: and the record's topic; None (or an error) where the SMTs' own ``apply`` must decide.
ValuesFunction = Callable[[list[Any], Any], "Struct | None"]


def compile_values_chain(source: Schema, steps: list[ValuesStep]) -> ValuesFunction:
    """One generated function for a chain of steps (the first reads structs of ``source``): straight-line code, one
    local per value, one list and one ``Struct`` of the last step's target schema (``Struct.from_validated``
    inlined), none in between."""
    env: dict[str, Any] = {"new": object.__new__, "Struct": Struct, "OUT": steps[-1].target}
    names = [f"v{i}" for i in range(len(source.fields))]
    known: set[str] = set()
    lines = ["def fused(vals, topic):"]
    lines.append(f"    {''.join(name + ', ' for name in names)}= vals" if names else "    if vals: return None")
    for n, step in enumerate(steps):
        names = step.emit(names, lines, env, f"s{n}_", known)
    lines.extend(["    out = new(Struct)", "    out.schema = OUT", f"    out._values = [{', '.join(names)}]",
                  "    out._text = None", "    return out"])
    namespace = dict(env)
    exec(compile("\n".join(lines), f"<fused chain {steps[-1].target.name or 'struct'}>", "exec"), namespace)
    fused: ValuesFunction = namespace["fused"]
    return fused


def _is_plain_value(value: Any, schema: Schema) -> bool:
    """Whether ``value`` is valid for ``schema`` by class alone: a non-null value of the exact class of an unnamed
    primitive without a range (strings, bytes, booleans, doubles; integers take the check)."""
    fast = schema.plain_value_check
    return fast is not None and value.__class__ is fast[0] and fast[1] is None


def _validation_lines(x: str, field: Field, env: dict[str, Any], known: set[str], indent: str = "    ") -> list[str]:
    """Generated lines doing what ``put(field, x)`` checks (``validate_value``, which raises Kafka's error; the
    fused chain's caller then runs the SMTs' own ``apply``): inline for the exact class (and range) of an unnamed
    primitive, the call for anything else. ``x`` joins ``known`` (names known not to be null) for a required
    field."""
    schema, n = field.schema, len(env)
    env[f"V{n}"], env[f"S{n}"], env[f"N{n}"] = validate_value, schema, field.name
    call = f"V{n}(S{n}, {x}, N{n})"
    if not schema.optional:
        known.add(x)
    fast = schema.plain_value_check
    if fast is None:
        return [f"{indent}{call}"]
    env[f"E{n}"] = fast[0]
    bounds = f" or not ({fast[1]} <= {x} <= {fast[2]})" if fast[1] is not None else ""
    return [f"{indent}if {x}.__class__ is not E{n}{bounds}:", f"{indent}    {call}"]


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

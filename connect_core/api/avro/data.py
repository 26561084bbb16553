"""``AvroData``: Connect schemas and values <-> Avro, as Confluent's ``io.confluent.connect.avro.AvroData`` maps them.

Connect metadata rides in schema properties (``connect.name``, ``connect.version``, ``connect.doc``,
``connect.parameters``, ``connect.default``, ``connect.type`` for int8/int16); optional schemas are unions with
null (null first, or second when the schema has a default); Decimal is ``bytes`` with ``logicalType: decimal``,
``scale`` and ``precision`` (``connect.decimal.precision``, 64 by default); Date/Time/Timestamp are the millis
logical types; maps with non-string keys are arrays of ``io.confluent.connect.avro.MapEntry`` records; Avro enums
become strings with ``io.confluent.connect.avro.Enum`` parameters, other unions ``io.confluent.connect.avro.Union``
structs, fixed becomes bytes.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from connect_core.api.avro.binary import parse_schema
from connect_core.api.errors import DataError
from connect_core.api.logical import LOGICAL_NAMES, Date, Decimal, Time, Timestamp, from_logical, to_logical
from connect_core.api.schema import STRING_SCHEMA, Schema, SchemaBuilder, Type, non_optional
from connect_core.api.struct import Struct

__all__ = ["AvroData"]

NAMESPACE = "io.confluent.connect.avro"
DEFAULT_SCHEMA_NAME = "ConnectDefault"
DEFAULT_SCHEMA_FULL_NAME = NAMESPACE + "." + DEFAULT_SCHEMA_NAME
MAP_ENTRY_TYPE_NAME = "MapEntry"
CONNECT_NAME_PROP = "connect.name"
CONNECT_DOC_PROP = "connect.doc"
CONNECT_VERSION_PROP = "connect.version"
CONNECT_DEFAULT_VALUE_PROP = "connect.default"
CONNECT_PARAMETERS_PROP = "connect.parameters"
CONNECT_INTERNAL_TYPE_NAME = "connect.internal.type"
CONNECT_TYPE_PROP = "connect.type"
AVRO_RECORD_DOC_PROP = NAMESPACE + ".record.doc"
AVRO_ENUM_DOC_PREFIX_PROP = NAMESPACE + ".enum.doc."
AVRO_FIELD_DOC_PREFIX_PROP = NAMESPACE + ".field.doc."
AVRO_FIELD_DEFAULT_FLAG_PROP = NAMESPACE + ".field.default"
AVRO_ENUM_DEFAULT_PREFIX_PROP = NAMESPACE + ".enum.default."
AVRO_TYPE_UNION = NAMESPACE + ".Union"
AVRO_TYPE_ENUM = NAMESPACE + ".Enum"
CONNECT_AVRO_DECIMAL_PRECISION_PROP = "connect.decimal.precision"
CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT = 64
_SIMPLE = {Type.INT32: "int", Type.INT64: "long", Type.FLOAT32: "float", Type.FLOAT64: "double",
           Type.BOOLEAN: "boolean", Type.STRING: "string", Type.BYTES: "bytes"}
_LOGICAL = {Date.LOGICAL_NAME: "date", Time.LOGICAL_NAME: "time-millis", Timestamp.LOGICAL_NAME: "timestamp-millis"}
_UNION_FIELD_TYPE_NAMES = {"int": "int", "long": "long", "float": "float", "double": "double", "boolean": "boolean",
                           "string": "string", "bytes": "bytes", "array": "array", "map": "map"}


def _split_name(full: str) -> tuple[str | None, str]:
    namespace, dot, name = full.rpartition(".")
    return (namespace if dot else None), name


class _FromConnect:
    """State of one Connect -> Avro schema conversion: named records already written (Avro refers by name)."""

    def __init__(self) -> None:
        self.defined: dict[str, Schema] = {}
        self.default_names = 0


class AvroData:
    """Converts between Connect and Avro with Confluent's conventions; caches schema conversions (LRU)."""

    def __init__(self, cache_size: int = 1000, *, connect_meta_data: bool = True,
                 enhanced_schema_support: bool = False) -> None:
        """``schemas.cache.config``, ``connect.meta.data`` and ``enhanced.avro.schema.support``."""
        self.cache_size = cache_size
        self.connect_meta_data = connect_meta_data
        self.enhanced = enhanced_schema_support
        self._from_cache: OrderedDict[Schema, tuple[Any, dict[str, Any]]] = OrderedDict()
        self._to_cache: OrderedDict[tuple[str, int | None], Schema] = OrderedDict()

    # -- Connect -> Avro schema -------------------------------------------------------------------------
    def from_connect_schema(self, schema: Schema) -> tuple[Any, dict[str, Any]]:
        """(Avro JSON, parsed schema) for a Connect schema, cached."""
        cached = self._from_cache.get(schema)
        if cached is not None:
            self._from_cache.move_to_end(schema)
            return cached
        avro_json = self._schema(schema, _FromConnect(), ignore_optional=False)
        result = (avro_json, parse_schema(avro_json))
        self._put(self._from_cache, schema, result)
        return result

    def _put(self, cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        cache[key] = value
        if len(cache) > self.cache_size:
            cache.popitem(last=False)

    def _schema(self, schema: Schema, ctx: _FromConnect, *, ignore_optional: bool) -> Any:  # noqa: C901, PLR0912, PLR0915
        namespace, name = NAMESPACE, DEFAULT_SCHEMA_NAME
        if schema.name is not None:
            ns, name = _split_name(schema.name)
            namespace = ns  # type: ignore[assignment]
        params = schema.parameters or {}
        connect_type: str | None = None
        base: Any
        t = schema.type
        if t is Type.INT8 or t is Type.INT16:
            connect_type = t.value
            base = OrderedDict(type="int")
        elif t is Type.STRING and self.enhanced and AVRO_TYPE_ENUM in params:
            enum_ns, enum_name = _split_name(params[AVRO_TYPE_ENUM])
            base = OrderedDict(type="enum", name=enum_name)
            if enum_ns:
                base["namespace"] = enum_ns
            if AVRO_ENUM_DOC_PREFIX_PROP + name in params:
                base["doc"] = params[AVRO_ENUM_DOC_PREFIX_PROP + name]
            base["symbols"] = [v for k, v in params.items() if k.startswith(AVRO_TYPE_ENUM + ".")]
            if AVRO_ENUM_DEFAULT_PREFIX_PROP + name in params:
                base["default"] = params[AVRO_ENUM_DEFAULT_PREFIX_PROP + name]
        elif t in _SIMPLE:
            base = OrderedDict(type=_SIMPLE[t])
            if t is Type.BYTES and schema.name == Decimal.LOGICAL_NAME:
                base["scale"] = int(params[Decimal.SCALE_FIELD])
                base["precision"] = int(params.get(CONNECT_AVRO_DECIMAL_PRECISION_PROP,
                                                   CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT))
        elif t is Type.ARRAY:
            items = self._schema(schema.require_value_schema(), ctx, ignore_optional=False)
            base = OrderedDict(type="array", items=items)
        elif t is Type.MAP:
            key_schema = schema.require_key_schema()
            if key_schema.type is Type.STRING and not key_schema.optional:
                values = self._schema(schema.require_value_schema(), ctx, ignore_optional=False)
                base = OrderedDict(type="map", values=values)
            else:
                entry: OrderedDict[str, Any] = OrderedDict(
                    type="record", name=MAP_ENTRY_TYPE_NAME if schema.name is None else name)
                entry["namespace"] = namespace
                entry["fields"] = [self._field("key", key_schema, None, ctx), self._field("value",
                                   schema.require_value_schema(), None, ctx)]
                if schema.name is not None:
                    entry[CONNECT_INTERNAL_TYPE_NAME] = MAP_ENTRY_TYPE_NAME
                base = OrderedDict(type="array", items=self._named(entry, ctx, None))
        elif t is Type.STRUCT:
            if schema.name == AVRO_TYPE_UNION:
                members: list[Any] = ["null"] if schema.optional else []
                members += [self._schema(non_optional(f.schema), ctx, ignore_optional=True) for f in schema.fields]
                return members
            if schema.optional and not ignore_optional:
                return ["null", self._schema(non_optional(schema), ctx, ignore_optional=False)]
            if schema.name is None:
                ctx.default_names += 1
                if ctx.default_names > 1:
                    name = f"{DEFAULT_SCHEMA_NAME}{ctx.default_names}"
            full = f"{namespace}.{name}" if namespace else name
            if full in ctx.defined:
                return full
            ctx.defined[full] = schema
            base = OrderedDict(type="record", name=name)
            if namespace:
                base["namespace"] = namespace
            if AVRO_RECORD_DOC_PROP in params:
                base["doc"] = params[AVRO_RECORD_DOC_PROP]
            base["fields"] = [self._field(f.name, f.schema, params.get(AVRO_FIELD_DOC_PREFIX_PROP + f.name), ctx)
                              for f in schema.fields]
        else:
            raise DataError(f"Unknown schema type: {t}")
        self._annotate(schema, base, connect_type)
        if len(base) == 1:
            base = base["type"]  # Avro prints a primitive without properties as its bare name
        if not ignore_optional and schema.optional:
            return [base, "null"] if schema.default_value is not None else ["null", base]
        return base

    def _named(self, record: dict[str, Any], ctx: _FromConnect, schema: Schema | None) -> Any:
        full = f"{record.get('namespace')}.{record['name']}" if record.get("namespace") else record["name"]
        if full in ctx.defined:
            return full
        ctx.defined[full] = schema  # type: ignore[assignment]
        return record

    def _annotate(self, schema: Schema, base: dict[str, Any], connect_type: str | None) -> None:
        params = schema.parameters or {}
        if self.connect_meta_data:
            if schema.doc is not None:
                base[CONNECT_DOC_PROP] = schema.doc
            if schema.version is not None:
                base[CONNECT_VERSION_PROP] = schema.version
            shown = {k: v for k, v in params.items() if k != AVRO_FIELD_DEFAULT_FLAG_PROP}
            if shown:
                base[CONNECT_PARAMETERS_PROP] = shown
            if schema.default_value is not None and AVRO_FIELD_DEFAULT_FLAG_PROP not in params:
                base[CONNECT_DEFAULT_VALUE_PROP] = _default_json(schema, schema.default_value)
            if schema.name is not None:
                base[CONNECT_NAME_PROP] = schema.name
            if connect_type is not None:
                base[CONNECT_TYPE_PROP] = connect_type
        if schema.name == Decimal.LOGICAL_NAME:
            base["logicalType"] = "decimal"
        elif schema.name in _LOGICAL:
            base["logicalType"] = _LOGICAL[schema.name]
        for key, value in params.items():
            if key.startswith("avro"):
                base[key] = value

    def _field(self, name: str, schema: Schema, doc: str | None, ctx: _FromConnect) -> dict[str, Any]:
        field: dict[str, Any] = OrderedDict(name=name, type=self._schema(schema, ctx, ignore_optional=False))
        if doc is not None:
            field["doc"] = doc
        if schema.default_value is not None:
            field["default"] = _default_json(schema, schema.default_value)
        elif schema.optional:
            field["default"] = None
        return field

    # -- Connect -> Avro value ----------------------------------------------------------------------------
    def from_connect_data(self, schema: Schema, avro: dict[str, Any], value: Any) -> Any:
        """The datum ``binary.encode`` writes for a Connect value (unions as ``(index, value)``)."""
        if avro["type"] == "union" and schema.name != AVRO_TYPE_UNION:
            types = avro["types"]
            if value is None:
                if not schema.optional:
                    raise DataError("Found null value for non-optional schema")
                return _null_branch(types), None
            index = next(i for i, member in enumerate(types) if member["type"] != "null")
            # the optional schema itself with the union's non-null branch (Confluent's
            # avroSchemaForUnderlyingTypeIfOptional): a struct value keeps its optional schema, which a non-optional
            # copy would not equal ("Mismatching struct schema" for Debezium's before/after)
            return index, self._present(schema, types[index], value)
        if value is None:
            if schema.optional:
                return None
            raise DataError("Found null value for non-optional schema")
        return self._present(schema, avro, value)

    def _present(self, schema: Schema, avro: dict[str, Any], value: Any) -> Any:
        """``from_connect_data`` of a non-null value whose Avro schema (``avro``) is not its optional union."""
        name = schema.name
        if name in LOGICAL_NAMES:
            return from_logical(schema, value)
        t = schema.type
        if t is Type.ARRAY:
            items = avro["items"]
            return [self.from_connect_data(schema.require_value_schema(), items, v) for v in value]
        if t is Type.MAP:
            if avro["type"] == "map":
                values = avro["values"]
                return {k: self.from_connect_data(schema.require_value_schema(), values, v) for k, v in value.items()}
            entry = avro["items"]
            key_avro, value_avro = entry["fields"][0]["type"], entry["fields"][1]["type"]
            return [[self.from_connect_data(schema.require_key_schema(), key_avro, k),
                     self.from_connect_data(schema.require_value_schema(), value_avro, v)] for k, v in value.items()]
        if t is Type.STRUCT:
            if not isinstance(value, Struct) or value.schema != schema:
                raise DataError("Mismatching struct schema")
            if name == AVRO_TYPE_UNION:
                offset = 1 if schema.optional else 0
                for field in schema.fields:
                    member = value.get(field)
                    if member is not None:
                        index = field.index + offset
                        return index, self.from_connect_data(field.schema, avro["types"][index], member)
                return _null_branch(avro["types"]), None
            return [self.from_connect_data(field.schema, avro_field["type"], value.get(field))
                    for field, avro_field in zip(schema.fields, avro["fields"], strict=True)]
        if t is Type.BYTES:
            return bytes(value)
        if t is Type.FLOAT32 or t is Type.FLOAT64:
            if not isinstance(value, (float, int)) or isinstance(value, bool):
                raise DataError(f"Invalid type for {t}: {type(value).__name__}")
            return float(value)
        return value

    # -- Avro -> Connect schema ---------------------------------------------------------------------------
    def to_connect_schema(self, avro_text: str, version: int | None = None) -> tuple[Schema, dict[str, Any]]:
        """(Connect schema, parsed Avro schema) of a registry schema text, cached per (text, version)."""
        key = (avro_text, version)
        parsed = parse_schema(avro_text)
        cached = self._to_cache.get(key)
        if cached is None:
            cached = self._to_connect(parsed, force_optional=False, field_default=_NO_DEFAULT, version=version)
            self._put(self._to_cache, key, cached)
        return cached, parsed

    def _to_connect(self, avro: dict[str, Any], *, force_optional: bool, field_default: Any,  # noqa: C901, PLR0912, PLR0915
                    version: int | None = None, doc: str | None = None) -> Schema:
        kind = avro["type"]
        connect_type = avro.get(CONNECT_TYPE_PROP)
        logical = avro.get("logicalType")
        builder: SchemaBuilder
        if kind == "boolean":
            builder = SchemaBuilder.bool()
        elif kind in ("bytes", "fixed"):
            if logical == "decimal":
                scale = avro.get("scale", 0)
                if not isinstance(scale, int):
                    raise DataError("scale must be specified and must be a number.")
                builder = Decimal.builder(scale)
                precision = avro.get("precision")
                if precision is not None and precision != CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT:
                    builder.parameter(CONNECT_AVRO_DECIMAL_PRECISION_PROP, str(precision))
            else:
                builder = SchemaBuilder.bytes()
        elif kind == "double":
            builder = SchemaBuilder.float64()
        elif kind == "float":
            builder = SchemaBuilder.float32()
        elif kind == "int":
            if logical == "date":
                builder = Date.builder()
            elif logical == "time-millis":
                builder = Time.builder()
            elif connect_type in ("int8", "int16"):
                builder = SchemaBuilder.type(Type(connect_type))
            elif connect_type is not None and logical is None:
                raise DataError("Connect type annotation for Avro int field is null")
            else:
                builder = SchemaBuilder.int32()
        elif kind == "long":
            builder = Timestamp.builder() if logical == "timestamp-millis" else SchemaBuilder.int64()
        elif kind == "string":
            builder = SchemaBuilder.string()
        elif kind == "array":
            items = avro["items"]
            if _is_map_entry(items):
                fields = {f["name"]: f for f in items["fields"]}
                if len(fields) != 2 or "key" not in fields or "value" not in fields:
                    raise DataError("Found map encoded as array of key-value pairs, but array elements do not match "
                                    "the expected format.")
                builder = SchemaBuilder.map(
                    self._to_connect(fields["key"]["type"], force_optional=False, field_default=_NO_DEFAULT),
                    self._to_connect(fields["value"]["type"], force_optional=False, field_default=_NO_DEFAULT))
            else:
                builder = SchemaBuilder.array(self._to_connect(items, force_optional=False, field_default=_NO_DEFAULT))
        elif kind == "map":
            builder = SchemaBuilder.map(STRING_SCHEMA, self._to_connect(avro["values"], force_optional=False,
                                                                        field_default=_NO_DEFAULT))
        elif kind == "record":
            builder = SchemaBuilder.struct()
            if self.connect_meta_data and avro.get("doc") is not None:
                builder.parameter(AVRO_RECORD_DOC_PROP, avro["doc"])
            for field in avro["fields"]:
                if self.connect_meta_data and field.get("doc") is not None:
                    builder.parameter(AVRO_FIELD_DOC_PREFIX_PROP + field["name"], field["doc"])
                default = field["default"] if "default" in field else _NO_DEFAULT
                builder.field(field["name"], self._to_connect(field["type"], force_optional=False,
                                                              field_default=default, doc=field.get("doc")))
        elif kind == "enum":
            builder = SchemaBuilder.string()
            short = avro["fullname"].rpartition(".")[2]
            if self.connect_meta_data:
                if avro.get("doc") is not None:
                    builder.parameter(AVRO_ENUM_DOC_PREFIX_PROP + short, avro["doc"])
                if avro.get("default") is not None:
                    builder.parameter(AVRO_ENUM_DEFAULT_PREFIX_PROP + short, avro["default"])
            builder.parameter(AVRO_TYPE_ENUM, avro["fullname"])
            for symbol in avro["symbols"]:
                builder.parameter(f"{AVRO_TYPE_ENUM}.{symbol}", symbol)
        elif kind == "union":
            members = avro["types"]
            if len(members) == 2 and any(m["type"] == "null" for m in members):
                other = next(m for m in members if m["type"] != "null")
                # as Confluent: the field's own default is not carried over, only the member's connect.default
                return self._to_connect(other, force_optional=True, field_default=_NO_DEFAULT, doc=doc)
            builder = SchemaBuilder.struct().name(AVRO_TYPE_UNION)
            seen: set[str] = set()
            for member in members:
                if member["type"] == "null":
                    builder.optional()
                    continue
                field_name = self._union_field_name(member)
                if field_name in seen:
                    raise DataError("Multiple union schemas map to the Connect union field name")
                seen.add(field_name)
                builder.field(field_name, self._to_connect(member, force_optional=True, field_default=_NO_DEFAULT))
            field_default = _NO_DEFAULT
        elif kind == "null":
            raise DataError("Standalone null schemas are not supported by this converter")
        else:
            raise DataError(f"Couldn't translate unsupported schema type {kind}.")
        self._metadata(builder, avro, version)
        connect_default = avro.get(CONNECT_DEFAULT_VALUE_PROP, _NO_DEFAULT)
        default = field_default
        if default is _NO_DEFAULT:
            default = connect_default
        elif connect_default is _NO_DEFAULT:
            builder.parameter(AVRO_FIELD_DEFAULT_FLAG_PROP, "true")
        name = avro.get(CONNECT_NAME_PROP)
        if name is None and kind in ("record", "enum"):
            name = avro["fullname"]
        if name is not None and name != DEFAULT_SCHEMA_FULL_NAME and builder._name is None:
            builder.name(name)
        if default is not _NO_DEFAULT and default is not None:
            builder.default_value(self._default_from_avro(builder.build(), avro, default))
        if force_optional:
            builder.optional()
        return builder.build()

    def _metadata(self, builder: SchemaBuilder, avro: dict[str, Any], version: int | None) -> None:
        if self.connect_meta_data and avro.get(CONNECT_DOC_PROP) is not None:
            builder.doc(avro[CONNECT_DOC_PROP])
        connect_version = avro.get(CONNECT_VERSION_PROP)
        if connect_version is not None and not isinstance(connect_version, int):
            raise DataError(f"Invalid Connect version found: {connect_version}")
        resolved = connect_version if connect_version is not None else version
        if resolved is not None and resolved >= 0:
            if builder._version is not None and builder._version != resolved:
                raise DataError(f"Mismatched versions: version already added to SchemaBuilder ({builder._version}) "
                                f"differs from version in source schema ({resolved})")
            builder.version(resolved)
        parameters = avro.get(CONNECT_PARAMETERS_PROP)
        if self.connect_meta_data and parameters is not None:
            if not isinstance(parameters, dict):
                raise DataError(f"Expected JSON object for schema parameters but found: {parameters}")
            for key, value in parameters.items():
                if not isinstance(value, str):
                    raise DataError(f"Expected schema parameter values to be strings but found: {value}")
                builder.parameter(key, value)
        for key, value in avro.items():
            if key.startswith("avro"):
                builder.parameter(key, value if isinstance(value, str) else json.dumps(value))

    def _union_field_name(self, avro: dict[str, Any]) -> str:
        if avro["type"] in ("record", "enum"):
            return avro["fullname"] if self.enhanced else avro["fullname"].rpartition(".")[2]
        return _UNION_FIELD_TYPE_NAMES.get(avro["type"], avro["type"])

    def _default_from_avro(self, schema: Schema, avro: dict[str, Any], value: Any) -> Any:
        """A JSON default (Avro field default or ``connect.default``) as the Connect value."""
        if value is None:
            return None
        kind = avro["type"]
        result: Any
        if kind in ("int", "long"):
            result = int(value)
        elif kind in ("float", "double"):
            result = float(value)
        elif kind == "boolean":
            result = bool(value)
        elif kind in ("string", "enum"):
            result = str(value)
        elif kind in ("bytes", "fixed"):
            result = value.encode("latin-1") if isinstance(value, str) else bytes(value)
        elif kind == "array":
            if _is_map_entry(avro["items"]) and schema.type is Type.MAP:
                return {self._default_from_avro(schema.require_key_schema(), avro["items"]["fields"][0]["type"], k):
                        self._default_from_avro(schema.require_value_schema(), avro["items"]["fields"][1]["type"], v)
                        for k, v in value}
            return [self._default_from_avro(schema.require_value_schema(), avro["items"], v) for v in value]
        elif kind == "map":
            values_schema = schema.require_value_schema()
            return {k: self._default_from_avro(values_schema, avro["values"], v) for k, v in value.items()}
        elif kind == "record":
            struct = Struct(schema)
            for avro_field in avro["fields"]:
                field = schema.require_field(avro_field["name"])
                struct.put(field, self._default_from_avro(field.schema, avro_field["type"],
                                                          value.get(avro_field["name"])))
            return struct
        elif kind == "union":
            first = avro["types"][0]
            if first["type"] == "null":
                return None
            return self._default_from_avro(schema.require_field(self._union_field_name(first)).schema, first, value)
        else:
            return None
        return to_logical(schema, result)

    # -- Avro -> Connect value ----------------------------------------------------------------------------
    def to_connect_data(self, schema: Schema, avro: dict[str, Any], datum: Any) -> Any:
        """The Connect value of a decoded datum (``binary.decode`` output) under its converted schema."""
        if avro["type"] == "union":
            index, member = datum
            branch = avro["types"][index]
            if schema.name == AVRO_TYPE_UNION and schema.type is Type.STRUCT:
                if member is None:
                    return None
                field = schema.require_field(self._union_field_name(branch))
                return Struct(schema).put(field, self.to_connect_data(field.schema, branch, member))
            return self.to_connect_data(schema, branch, member)
        if datum is None:
            if not schema.optional:
                raise DataError("Found null value for non-optional schema")
            return None
        t = schema.type
        if t is Type.STRUCT:
            struct = Struct(schema)
            for avro_field in avro["fields"]:
                field = schema.require_field(avro_field["name"])
                struct.put(field, self.to_connect_data(field.schema, avro_field["type"], datum[avro_field["name"]]))
            return struct
        if t is Type.ARRAY:
            return [self.to_connect_data(schema.require_value_schema(), avro["items"], v) for v in datum]
        if t is Type.MAP:
            if avro["type"] == "map":
                values_schema = schema.require_value_schema()
                return {k: self.to_connect_data(values_schema, avro["values"], v) for k, v in datum.items()}
            key_avro, value_avro = avro["items"]["fields"][0]["type"], avro["items"]["fields"][1]["type"]
            return {self.to_connect_data(schema.require_key_schema(), key_avro, e["key"]):
                    self.to_connect_data(schema.require_value_schema(), value_avro, e["value"]) for e in datum}
        if t is Type.INT8 or t is Type.INT16:
            bits = 8 if t is Type.INT8 else 16
            datum &= (1 << bits) - 1  # Java's narrowing (byteValue/shortValue)
            datum = datum - (1 << bits) if datum >> (bits - 1) else datum
        return to_logical(schema, datum)


class _NoDefault:
    __slots__ = ()


_NO_DEFAULT: Any = _NoDefault()



def _null_branch(types: list[dict[str, Any]]) -> int:
    for index, member in enumerate(types):
        if member["type"] == "null":
            return index
    raise DataError("Found null value for non-optional schema")


def _is_map_entry(avro: dict[str, Any]) -> bool:
    if avro["type"] != "record":
        return False
    return avro["fullname"] == f"{NAMESPACE}.{MAP_ENTRY_TYPE_NAME}" or \
        avro.get(CONNECT_INTERNAL_TYPE_NAME) == MAP_ENTRY_TYPE_NAME



def _default_json(schema: Schema, value: Any) -> Any:
    """A Connect default as Avro's JSON default (bytes as ISO-8859-1 text, non-string maps as pairs)."""
    if value is None:
        return None
    value = from_logical(schema, value)  # a Decimal's bytes go on to the BYTES rule
    t = schema.type
    if t is Type.BYTES:
        return bytes(value).decode("latin-1")
    if t is Type.ARRAY:
        return [_default_json(schema.require_value_schema(), v) for v in value]
    if t is Type.MAP:
        if schema.require_key_schema().type is Type.STRING and not schema.require_key_schema().optional:
            return {k: _default_json(schema.require_value_schema(), v) for k, v in value.items()}
        keys, values = schema.require_key_schema(), schema.require_value_schema()
        return [[_default_json(keys, k), _default_json(values, v)] for k, v in value.items()]
    if t is Type.STRUCT:
        return {f.name: _default_json(f.schema, value.get(f)) for f in schema.fields}
    return value

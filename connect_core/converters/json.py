"""``JsonConverter``: byte-compatible with Kafka's ``org.apache.kafka.connect.json.JsonConverter``.

Writing walks schema and value once and emits Jackson's exact text (key order, ``1.0E10`` doubles, base64
bytes, ``[[k,v]]`` maps); reading parses with ``decimal.Decimal`` floats, as Kafka reads BigDecimal first, and
then applies Jackson's lenient node coercions so values match what a Java worker would see.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import decimal as _decimal
import json as _json
import re
from collections import OrderedDict
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, TypeGuard

import orjson
from typing_extensions import override

from connect_core.api.config import parse_config
from connect_core.api.converter import DataHeaderConverter
from connect_core.api.errors import DataError
from connect_core.api.jackson_json import ASTRAL_LEAD, BACKSLASH, astral_escaped, has_astral, jackson_json
from connect_core.api.java_text import jackson_string, java_double_str, java_float_str, to_float32
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type, infer_type
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.api.struct import Struct, StructLists
from connect_core.converters._json_compiled import (
    compile_reader,
    compile_string_writer,
    compile_text_reader,
    compile_writer,
)
from connect_core.converters._json_schema import parse_schema, schema_json
from connect_core.converters._json_text_pattern import compile_text_pattern
from connect_core.converters.json_config import JsonConverterConfig

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from connect_core.api.header import Headers
    from connect_core.api.schema import Schema

__all__ = ["ENVELOPE_ERROR", "JsonConverter"]

ENVELOPE_ERROR = (
    'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional '
    "fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter "
    "configuration."
)
_READ_ERROR = "Converting byte[] to Kafka Connect data failed due to serialization error: "
_CONTENT_ERROR = "Failed to parse schema in converter config due to serialization error: "
_NULL_REQUIRED = "Conversion error: null value for field that is required and has no default value"
_NO_SCHEMA = object()  # no string envelope remembered yet (never a schema, never None)
_dumps = orjson.dumps
_astral = ASTRAL_LEAD.search
_INT_BITS = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}


def _double_text(value: float) -> str:
    text = java_double_str(value)
    return text if text[-1].isdigit() else f'"{text}"'  # Jackson quotes NaN/Infinity


# Exact Python type -> JSON text, for the write plan's fast path (other values take the generic writer)
_PRIMITIVE_TEXT: dict[Type, tuple[type, Any]] = {
    Type.STRING: (str, jackson_string),
    Type.INT8: (int, str), Type.INT16: (int, str), Type.INT32: (int, str), Type.INT64: (int, str),
    Type.FLOAT64: (float, _double_text),
    Type.BOOLEAN: (bool, lambda value: "true" if value else "false"),
}


def _b64(data: bytes | bytearray | memoryview) -> str:
    return '"' + base64.b64encode(data).decode("ascii") + '"'


def _wrap(value: int, bits: int) -> int:
    """Java's narrowing cast of an integer (two's complement wrap)."""
    mask = (1 << bits) - 1
    value &= mask
    return value - (1 << bits) if value >> (bits - 1) else value


def _node_type(node: Any) -> str:
    """Jackson's ``JsonNodeType`` name of a parsed JSON value (for error messages)."""
    if node is None:
        return "NULL"
    if isinstance(node, bool):
        return "BOOLEAN"
    if isinstance(node, (int, float, _decimal.Decimal)):
        return "NUMBER"
    if isinstance(node, str):
        return "STRING"
    return "ARRAY" if isinstance(node, list) else "OBJECT"


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_DATE = _dt.date(1970, 1, 1)
_ONE_MS = _dt.timedelta(milliseconds=1)
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class _NeedsExactParse(Exception):
    """A payload parsed by orjson holds a float where only an exact (``BigDecimal``) parse gives Kafka's value."""


def _require_exact_unless_double(schema: Schema, node: Any) -> None:
    """An orjson float (the exact parse makes Decimals) is only read as is by a plain FLOAT32/FLOAT64 schema."""
    if node.__class__ is float and (schema.name is not None or schema.type not in (Type.FLOAT64, Type.FLOAT32)):
        raise _NeedsExactParse


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


def _java_decimal_str(value: _decimal.Decimal) -> str:
    # BigDecimal.toString and Python's Decimal str follow the same rules; Java has no negative zero.
    return str(abs(value)) if value.is_zero() else str(value)


class JsonConverter(DataHeaderConverter):
    """Kafka's JSON converter, usable as key/value ``Converter`` and as ``HeaderConverter``."""

    config_model: ClassVar[type[JsonConverterConfig]] = JsonConverterConfig

    def __init__(self) -> None:
        """Create with Kafka's defaults; ``configure`` may change them."""
        self._apply(JsonConverterConfig())

    def _apply(self, config: JsonConverterConfig) -> None:
        self.config = config
        self._schemas_enable = config.schemas_enable
        self._numeric = config.decimal_format == "NUMERIC"
        self._replace_null = config.replace_null_with_default
        self._cache_size = config.schemas_cache_size
        self._schema_cache: OrderedDict[Schema, str] = OrderedDict()
        # id(schema) -> (schema, plan): the write plan of a struct schema, built once (records share schemas)
        self._plans: dict[int, tuple[Schema, list[tuple[str, int, Any, Any]]]] = {}
        self._last_schema: Schema | None = None
        self._last_envelope: tuple[bytes, Schema | None, Any] = (b"", None, None)
        self._read_plans: dict[int, tuple[Schema, list[tuple[str, int, Any]]]] = {}
        self._last_schema_text = "null"
        self._last_prefix: bytes | None = b'{"schema":null,"payload":'
        # id(schema) -> (schema, compiled function or None): generated per struct schema (_json_compiled.py)
        self._writers: dict[int, tuple[Schema, Any]] = {}
        self._list_writers: dict[int, tuple[Schema, Any]] = {}  # the same, writing StructLists' lists
        self._readers: dict[int, tuple[Schema, Any]] = {}
        # keep_json_text: the last envelope's text reader (_json_compiled.compile_text_reader), None when not kept
        self._keep_text = False
        self._lazy_text = False
        self._text_readers: dict[int, tuple[Schema, Any]] = {}
        self._last_text_read: Any = None
        # lazy text: the last envelope's payload pattern (_json_text_pattern.compile_text_pattern), tried first
        self._text_patterns: dict[int, tuple[Schema, Any]] = {}
        self._last_text_match: Any = None
        self._last_writer: tuple[Schema | None, Any] = (None, None)
        # the last unnamed STRING schema written in an envelope and its envelope's bytes up to the payload
        self._string_schema: object = _NO_SCHEMA
        self._string_prefix = b""
        self._read_cache: OrderedDict[str, Schema | None] = OrderedDict()
        # schema.content (KIP-1054): with schemas.enable, every value is a bare payload of this schema
        self._fixed: tuple[Schema, Any] | None = None
        content = self.schema_of_content(config.schema_content)
        if content is not None and self._schemas_enable:
            read = None
            if content.type is Type.STRUCT:
                read = self._compiled(self._readers, content, self._compile_reader)
            if read is None:
                def read(node: Any, schema: Schema = content) -> Any:
                    return self._to_connect(schema, node)
            self._fixed = (content, read)

    def schema_of_content(self, text: str | None) -> Schema | None:
        """The schema a ``schema.content`` text names (Kafka's ``configure``): None for no text, blank or JSON null.

        Raises:
            DataError: Kafka's message for text that is not JSON, or JSON that is no Connect schema.
        """
        if not text or not text.strip(" \t\n\r"):
            return None
        try:
            node = _json.loads(text, parse_float=_decimal.Decimal, parse_constant=_reject_constant)
        except ValueError as e:
            raise DataError(_CONTENT_ERROR) from e
        return self.as_connect_schema(node)

    @override
    def configure(self, configs: dict[str, Any], is_key: bool | None = None) -> None:
        """Apply config; ``is_key`` sets ``converter.type`` as Kafka does (None = header converter)."""
        props = dict(configs)
        if "converter.type" not in props:
            props["converter.type"] = "header" if is_key is None else ("key" if is_key else "value")
        self._apply(parse_config(JsonConverterConfig, props))

    # -- writing ----------------------------------------------------------------------------------
    @override
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        """Serialise to JSON (with the schema envelope when ``schemas.enable``); None+None is a tombstone."""
        if schema is self._string_schema and value.__class__ is str:
            # A string in a remembered string envelope (a FileStreamSource line): compile_string_writer's checks and
            # the envelope inline, without the general path's branches and writer call
            try:
                text = _dumps(value)
            except orjson.JSONEncodeError:
                pass  # lone surrogates and the like: the exact path decides
            else:
                if (BACKSLASH not in text or b"\\u" not in text) and (text.isascii() or _astral(text) is None):
                    return self._string_prefix + text + b"}"
        if schema is None:
            if value is None:
                return None
            payload = jackson_json(value)  # the schemaless fast path (None: only the exact writer can tell)
            if payload is not None:
                return payload if not self._schemas_enable else b'{"schema":null,"payload":' + payload + b"}"
        elif value is not None:
            last, write = self._last_writer
            if last is schema and write is not None:  # the common case inline: consecutive records share a schema
                try:
                    payload = write(value)
                except Exception:  # the exact path raises the same error, for the first bad field in order
                    payload = None
            else:
                payload = self._compiled_payload(schema, value)
            if payload is not None:
                if not self._schemas_enable:
                    return payload
                if schema is not self._last_schema:
                    self.as_json_schema(schema)
                prefix = self._last_prefix
                if prefix is not None:
                    return prefix + payload + b"}"
        return self._from_connect_exact(schema, value)

    def from_connect_values(self, topic: str, schema: Schema | None, values: Sequence[Any]) -> list[bytes | None]:
        """Each value's bytes, equal to ``from_connect_data(topic, schema, value)`` of each in order without headers
        (it reads neither the topic nor the headers; the same value gives the same bytes); raises what the first
        failing value raises. A batch of strings in an unnamed string envelope (a FileStreamSource poll) is written
        in one pass: when the batch's text is printable ASCII without a backslash, orjson's text of every value
        passes ``from_connect_data``'s checks, so none is made; without a quote either, each value's text is the
        value in quotes, so orjson is not called. Otherwise a value whose orjson text escapes no control character
        is that text, its characters outside the BMP (if any) escaped on the bytes; only the rest takes
        ``from_connect_data``."""
        one = self.from_connect_data
        if type(self).from_connect_data is not JsonConverter.from_connect_data or not values:
            return [one(topic, schema, value) for value in values]
        if isinstance(values, StructLists):  # a CDC run's structs as lists: written from them, no struct made
            return self._from_struct_lists(topic, schema, values)
        if schema is not self._string_schema:
            first = one(topic, schema, values[0])  # remembers the envelope of an unnamed string schema
            if schema is not self._string_schema:
                return [first, *[one(topic, schema, value) for value in values[1:]]]
        prefix, dumps = self._string_prefix, _dumps
        try:
            text = "".join(values)
        except TypeError:  # not all str
            text = None
        if text is not None and text.isascii():
            ascii_text = text.encode("ascii")
            if len(ascii_text.translate(None, _ESCAPED_ASCII)) == len(ascii_text):
                # printable ASCII without a backslash (one C pass, cheaper than ``isprintable``): no escape but \" in
                # orjson's text of any value, and without a quote none at all: the text is the value in quotes
                if _QUOTE not in ascii_text:  # (str.__add__ from C: a str subclass's own __radd__ is not asked)
                    head = prefix.decode("utf-8") + '"'
                    return [(quoted + '"}').encode("utf-8") for quoted in map(head.__add__, values)]
                return [prefix + dumps(value) + b"}" for value in values]
        out: list[bytes | None] = []
        append = out.append
        for value in values:  # from_connect_data's string path, inline
            if value.__class__ is str:
                try:
                    dumped = dumps(value)
                except orjson.JSONEncodeError:
                    pass
                else:
                    if BACKSLASH not in dumped or b"\\u" not in dumped:  # no control character escaped
                        if dumped.isascii() or not has_astral(dumped):
                            append(prefix + dumped + b"}")
                        else:  # characters outside the BMP as Jackson's surrogate pairs, fixed on the bytes
                            append(prefix + astral_escaped(dumped) + b"}")
                        continue
            append(one(topic, schema, value))
        return out

    def _from_struct_lists(self, topic: str, schema: Schema | None, values: StructLists) -> list[bytes | None]:
        """``from_connect_values`` of values given as lists: each list written by the schema's compiled lists plan
        (no ``Struct`` made), inside its envelope when ``schemas.enable``; a list the plan cannot write exactly (and
        every list when there is no plan) is written as ``from_connect_data`` writes the struct it stands for."""
        one = self.from_connect_data
        write = (self._compiled(self._list_writers, schema, self._compile_list_writer)
                 if schema is values.schema else None)
        prefix: bytes | None = b""
        if self._schemas_enable and schema is not None:
            self.as_json_schema(schema)
            prefix = self._last_prefix
        if write is None or prefix is None:
            return [one(topic, schema, value) for value in values]
        lists = values.lists
        try:  # every list at once: the common case, no list the plan declines
            payloads: list[bytes | None] = list(map(write, lists))
        except Exception:  # a null or a list the plan raised on: each list on its own below
            payloads = [None] * len(lists)
        if None not in payloads:
            return payloads if not prefix else [prefix + payload + b"}" for payload in payloads]  # type: ignore[operator]
        out: list[bytes | None] = []
        append = out.append
        for index, written in enumerate(payloads):
            payload = written
            if payload is None and (fields := lists[index]) is not None:
                try:
                    payload = write(fields)
                except Exception:  # the exact path raises the same error, for the first bad field in order
                    payload = None
            if payload is None:
                append(one(topic, schema, values[index]))
            elif prefix:
                append(prefix + payload + b"}")
            else:
                append(payload)
        return out

    def _from_connect_exact(self, schema: Schema | None, value: Any) -> bytes:
        """The exact writer: walks schema and value, emitting Jackson's text (the reference for compiled plans)."""
        out: list[str] = []
        if self._schemas_enable:
            out.append('{"schema":')
            out.append(self.as_json_schema(schema))
            out.append(',"payload":')
            self._write(schema, value, out)
            out.append("}")
        else:
            self._write(schema, value, out)
        return "".join(out).encode("utf-8")


    def as_json_schema(self, schema: Schema | None) -> str:
        """Kafka's JSON text for ``schema`` (cached per schema, like Kafka's LRU of ``schemas.cache.size``)."""
        if schema is None:
            return "null"
        if schema is self._last_schema:  # consecutive records of one source share their schema object
            return self._last_schema_text
        cache = self._schema_cache
        text = cache.get(schema)
        if text is None:
            text = schema_json(schema, self._encode_default)
            cache[schema] = text
            if len(cache) > self._cache_size:
                cache.popitem(last=False)
        self._last_schema, self._last_schema_text = schema, text
        try:
            self._last_prefix = ('{"schema":' + text + ',"payload":').encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates in a name: the exact path raises as before
            self._last_prefix = None
        if self._last_prefix is not None and self._schemas_enable and schema.type is Type.STRING \
                and schema.name is None:  # compile_string_writer's schemas: from_connect_data's string path
            self._string_schema, self._string_prefix = schema, self._last_prefix
        return text

    def _compiled_payload(self, schema: Schema, value: Any) -> bytes | None:
        """Jackson's exact payload text through the schema's compiled writer and orjson, or None (the exact path).

        Errors are never raised here: whatever the plan cannot write exactly goes the exact way, which raises.
        """
        last, write = self._last_writer
        if last is not schema:
            write = self._compiled(self._writers, schema, self._compile_writer)
            self._last_writer = (schema, write)
        if write is None:
            return None
        try:
            return write(value)
        except Exception:  # the exact path raises the same error, for the first bad field in order
            return None

    def _compile_writer(self, schema: Schema) -> Any:
        if schema.type is Type.STRUCT:
            return compile_writer(schema, self._encode_default, self._replace_null, self._numeric)
        if schema.type is Type.STRING and schema.name is None:
            return compile_string_writer()
        return None

    def _compile_list_writer(self, schema: Schema) -> Any:
        if schema.type is Type.STRUCT:
            return compile_writer(schema, self._encode_default, self._replace_null, self._numeric, lists=True)
        return None

    def _compile_reader(self, schema: Schema) -> Any:
        return compile_reader(schema, self._to_connect, self._field_reader)

    def _compiled(self, cache: dict[int, tuple[Schema, Any]], schema: Schema, build: Any) -> Any:
        """The compiled function of ``schema`` from ``cache`` (by identity), built on first use."""
        cached = cache.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        function = build(schema)
        if len(cache) >= self._cache_size:
            cache.clear()
        cache[id(schema)] = (schema, function)
        return function

    def _encode_default(self, schema: Schema, value: Any) -> str:
        out: list[str] = []
        self._write(schema, value, out)
        return "".join(out)

    def _write(self, schema: Schema | None, value: Any, out: list[str]) -> None:  # noqa: C901, PLR0912
        if value is None:
            if schema is None:
                out.append("null")
                return
            if schema.default_value is not None and self._replace_null:
                value = schema.default_value
            elif schema.optional:
                out.append("null")
                return
            else:
                raise DataError(_NULL_REQUIRED)
        if schema is None:
            t = _infer_type(value)
        else:
            t = schema.type
            if schema.name is not None and self._write_logical(schema, value, out):
                return
        if t is Type.STRING:
            if not isinstance(value, str):
                raise DataError(f"Invalid type for {t}: {type(value)}")
            out.append(jackson_string(value))
        elif t in _INT_BITS:
            if not isinstance(value, int) or isinstance(value, bool):
                raise DataError(f"Invalid type for {t}: {type(value)}")
            out.append(str(value))
        elif t is Type.FLOAT64 or t is Type.FLOAT32:
            if not isinstance(value, (float, int)) or isinstance(value, bool):
                raise DataError(f"Invalid type for {t}: {type(value)}")
            text = java_double_str(float(value)) if t is Type.FLOAT64 else java_float_str(float(value))
            out.append(text if text[-1].isdigit() else f'"{text}"')  # Jackson quotes NaN/Infinity
        elif t is Type.BOOLEAN:
            if not isinstance(value, bool):
                raise DataError(f"Invalid type for {t}: {type(value)}")
            out.append("true" if value else "false")
        elif t is Type.BYTES:
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise DataError(f"Invalid type for {t}: {type(value)}")
            out.append(_b64(value))
        elif t is Type.ARRAY:
            self._write_array(schema, value, out)
        elif t is Type.MAP:
            self._write_map(schema, value, out)
        else:
            self._write_struct(schema, value, out)

    def _write_logical(self, schema: Schema, value: Any, out: list[str]) -> bool:
        name = schema.name
        try:
            if name == Decimal.LOGICAL_NAME:
                if not isinstance(value, _decimal.Decimal):
                    raise DataError(f"Invalid type for Decimal, expected BigDecimal but was {type(value)}")
                if self._numeric:
                    out.append(_java_decimal_str(value))
                else:
                    out.append(_b64(Decimal.from_logical(schema, value)))
            elif name == Date.LOGICAL_NAME:
                if not isinstance(value, _dt.date):
                    raise DataError(f"Invalid type for Date, expected Date but was {type(value)}")
                out.append(str(Date.from_logical(schema, value)))
            elif name == Time.LOGICAL_NAME:
                if not isinstance(value, _dt.time):
                    raise DataError(f"Invalid type for Time, expected Date but was {type(value)}")
                out.append(str(Time.from_logical(schema, value)))
            elif name == Timestamp.LOGICAL_NAME:
                if not isinstance(value, _dt.datetime):
                    raise DataError(f"Invalid type for Timestamp, expected Date but was {type(value)}")
                out.append(str(Timestamp.from_logical(schema, value)))
            else:
                return False
        except (AttributeError, TypeError) as e:
            raise DataError(f"Invalid value for {name}: {e}") from e
        return True

    def _write_array(self, schema: Schema | None, value: Any, out: list[str]) -> None:
        if not isinstance(value, (list, tuple)):
            raise DataError(f"Invalid type for {Type.ARRAY}: {type(value)}")
        element_schema = schema.value_schema if schema is not None else None
        out.append("[")
        first = True
        for element in value:
            if not first:
                out.append(",")
            first = False
            self._write(element_schema, element, out)
        out.append("]")

    def _write_map(self, schema: Schema | None, value: Any, out: list[str]) -> None:
        if not isinstance(value, dict):
            raise DataError(f"Invalid type for {Type.MAP}: {type(value)}")
        if schema is None:
            key_schema = value_schema = None
            object_mode = all(isinstance(k, str) for k in value)
        else:
            key_schema, value_schema = schema.key_schema, schema.value_schema
            object_mode = key_schema is not None and key_schema.type is Type.STRING
        first = True
        out.append("{" if object_mode else "[")
        for k, v in value.items():
            if not first:
                out.append(",")
            first = False
            if object_mode:
                key_out: list[str] = []
                self._write(key_schema, k, key_out)
                key_text = "".join(key_out)
                out.append(key_text if key_text.startswith('"') else jackson_string(key_text))
                out.append(":")
            else:
                out.append("[")
                self._write(key_schema, k, out)
                out.append(",")
            self._write(value_schema, v, out)
            if not object_mode:
                out.append("]")
        out.append("}" if object_mode else "]")

    def _write_struct(self, schema: Schema | None, value: Any, out: list[str]) -> None:
        if not isinstance(value, Struct):
            raise DataError(f"Invalid type for {Type.STRUCT}: {type(value)}")
        if schema is None or (value.schema is not schema and value.schema != schema):
            raise DataError("Mismatching schema.")
        values = value.values()
        replace_null = self._replace_null
        for prefix, index, default, write in self._plan(schema):
            out.append(prefix)
            field_value = values[index]
            if field_value is None and replace_null:
                field_value = default
            write(field_value, out)
        out.append("}" if schema.fields else "{}")

    def _plan(self, schema: Schema) -> list[tuple[str, int, Any, Any]]:
        """Per field: the text before its value, its position, its default and a writer chosen once by type."""
        cached = self._plans.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        plan = [
            (("{" if i == 0 else ",") + jackson_string(field.name) + ":", field.index, field.schema.default_value,
             self._field_writer(field.schema))
            for i, field in enumerate(schema.fields)
        ]
        if len(self._plans) >= self._cache_size:
            self._plans.clear()
        self._plans[id(schema)] = (schema, plan)
        return plan

    def _field_writer(self, schema: Schema) -> Any:
        """A writer for the common exact-type values of a plain primitive schema; anything else goes generic."""
        generic = self._write

        def fallback(value: Any, out: list[str]) -> None:
            generic(schema, value, out)

        if schema.name is not None:
            return self._logical_writer(schema, fallback)
        text_of = _PRIMITIVE_TEXT.get(schema.type)
        if text_of is None:
            return fallback
        exact, render = text_of

        def write(value: Any, out: list[str]) -> None:
            if value.__class__ is exact:
                out.append(render(value))
            else:
                generic(schema, value, out)

        return write

    def _logical_writer(self, schema: Schema, fallback: Any) -> Any:
        """Timestamp/Date/Time/Decimal values of the exact Python type, written without re-dispatching."""
        inline = _inline_logical_writer(schema, fallback, self._numeric)
        if inline is not None:
            return inline
        write_logical = self._write_logical
        if schema.name in (Timestamp.LOGICAL_NAME, Date.LOGICAL_NAME, Time.LOGICAL_NAME, Decimal.LOGICAL_NAME):
            expected = {Timestamp.LOGICAL_NAME: _dt.datetime, Date.LOGICAL_NAME: _dt.date,
                        Time.LOGICAL_NAME: _dt.time, Decimal.LOGICAL_NAME: _decimal.Decimal}[schema.name]

            def write(value: Any, out: list[str]) -> None:
                if value.__class__ is not expected or not write_logical(schema, value, out):
                    fallback(value, out)
            return write
        return fallback

    # -- reading ----------------------------------------------------------------------------------
    @override
    def to_connect_data(self, topic: str, value: bytes | None, headers: Headers | None = None) -> SchemaAndValue:
        """Parse bytes written by any Kafka JSON converter; None bytes give ``SchemaAndValue.NULL``."""
        if value is None:
            return SchemaAndValue.NULL
        if self._schemas_enable:
            if self._fixed is not None:
                return self._read_fixed(value)
            prefix, schema, read = self._last_envelope
            # Same schema text as the previous record (an empty prefix removes nothing): parse only the payload
            # (verified byte for byte), with orjson; a payload it refuses, or whose floats need BigDecimal's
            # exactness, takes the full path. ``removeprefix`` checks and cuts in one call, cheaper than
            # ``startswith`` and a slice (its argument parsing); a shorter result is the prefix's match, whatever
            # the bytes-like type.
            payload = value.removeprefix(prefix)
            if len(payload) != len(value) and value[-1] == _CLOSE_BRACE:
                try:
                    return _new_tuple(SchemaAndValue, (schema, read(_loads(payload[:-1]))))
                except (orjson.JSONDecodeError, _NeedsExactParse):
                    pass
        else:
            try:  # schemaless values read floats as doubles anyway: orjson's correctly rounded ones are the same
                return SchemaAndValue(None, _schemaless(orjson.loads(value)))
            except orjson.JSONDecodeError:
                pass  # refused (huge ints, lone surrogates, ...): the exact parse decides
        try:
            node = _json.loads(value, parse_float=_decimal.Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as e:
            raise DataError(_READ_ERROR) from e
        if self._schemas_enable:
            if not isinstance(node, dict) or len(node) != 2 or "schema" not in node or "payload" not in node:
                raise DataError(ENVELOPE_ERROR)
            schema = self._read_schema(node["schema"])
            payload = node["payload"]
            self._remember_envelope(value, schema)
        else:
            schema, payload = None, node
        return SchemaAndValue(schema, self._to_connect(schema, payload))

    def _read_fixed(self, value: bytes) -> SchemaAndValue:
        """A bare payload of the ``schema.content`` schema (Kafka ignores any envelope: it is read as the payload)."""
        schema, read = self._fixed  # type: ignore[misc]
        try:
            return _new_tuple(SchemaAndValue, (schema, read(_loads(value))))
        except (orjson.JSONDecodeError, _NeedsExactParse):
            pass  # refused by orjson, or floats that need BigDecimal's exactness: the exact parse decides
        try:
            node = _json.loads(value, parse_float=_decimal.Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as e:
            raise DataError(_READ_ERROR) from e
        return SchemaAndValue(schema, self._to_connect(schema, node))

    def keep_json_text(self, *, lazy: bool = False) -> None:
        """Keep on each struct ``to_connect_values`` reads the payload's bytes (``Struct``'s ``_text``) where writing
        the struct as schemaless JSON gives exactly those bytes: for a task that writes values so (``SinkTask``'s
        ``wants_json_text``), which then writes the text without walking the struct. With ``lazy`` (no SMT reads
        the values), such a struct is a ``TextStruct``: its values are read only if something reads them."""
        self._keep_text = True
        self._lazy_text = lazy
        self._text_readers = {}  # compiled for the other kind of struct, if any
        self._text_patterns = {}
        self._last_envelope = (b"", None, None)  # the next envelope is remembered again, with its text reader

    def to_connect_values(self, values: Iterable[bytes | None]) -> list[tuple[Schema | None, Any]]:
        """Each value's ``(schema, value)``, equal to ``to_connect_data`` of each in order (which reads neither the
        topic nor the headers); raises what the first failing value raises. A batch of one envelope (a sink's
        records of one topic) reads its payloads in one loop: one method call, not one per record; a list
        of plain string lines in the remembered string envelope (FileStreamSource's records) by C passes over the
        batch (:func:`_quoted_payloads`)."""
        one = self.to_connect_data
        if not self._schemas_enable or self._fixed is not None \
                or type(self).to_connect_data is not JsonConverter.to_connect_data:
            return [one("", value) for value in values]
        prefix, schema, read = self._last_envelope
        text_read, text_match = self._last_text_read, self._last_text_match
        as_is = _reads_as_is(schema)
        if as_is and values.__class__ is list:
            strings = _quoted_payloads(values, prefix)
            if strings is not None:
                return list(zip(repeat(schema), strings))
        out: list[tuple[Schema | None, Any]] = []
        append, loads, null, brace = out.append, _loads, SchemaAndValue.NULL, _CLOSE_BRACE
        for value in values:
            if value is None:
                append(null)
                continue
            # to_connect_data's payload path, inline (see there)
            payload = value.removeprefix(prefix)
            if len(payload) != len(value) and value[-1] == brace:
                try:
                    if text_read is None:
                        node = loads(payload[:-1])
                        append((schema, node if as_is and node.__class__ is str else read(node)))
                    else:
                        raw = payload[:-1]
                        # lazy text: a payload the pattern keeps is not parsed (its values only if read)
                        struct = None if text_match is None else text_match(raw)
                        append((schema, text_read(loads(raw), raw) if struct is None else struct))
                    continue
                except (orjson.JSONDecodeError, _NeedsExactParse):
                    pass
            append(one("", value))
            prefix, schema, read = self._last_envelope  # the exact read may have remembered another envelope
            text_read, text_match = self._last_text_read, self._last_text_match
            as_is = _reads_as_is(schema)
        return out

    def _remember_envelope(self, value: bytes, schema: Schema | None) -> None:
        """Keep the bytes up to the payload of a schema-first envelope, so the next record can skip the schema.

        Any JSON whitespace around the keys counts (producers other than Kafka's converter write
        ``{"schema": {...}, "payload": ...}``); the prefix is kept only when the rest of the record is one JSON value
        and its ``}``, so ``schema`` is the schema of every record that starts with the same bytes.
        """
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return
        head = _ENVELOPE_HEAD.match(text)
        if head is None:
            return
        try:
            _, end = _RAW_DECODER.raw_decode(text, head.end())
        except ValueError:
            return
        key = _PAYLOAD_HEAD.match(text, end)
        if key is None or value[-1] != _CLOSE_BRACE:
            return
        prefix = text[: key.end()].encode("utf-8")
        # The rest must be the payload alone (not e.g. a second "schema" key after it, which wins the full parse)
        try:
            _loads(value[len(prefix):-1])
        except orjson.JSONDecodeError:
            try:  # refused by orjson (huge ints, ...): the exact parser decides where the payload ends
                _, payload_end = _RAW_DECODER.raw_decode(text, key.end())
            except ValueError:
                return
            if text[payload_end:].lstrip(" \t\n\r") != "}":
                return
        read = text_read = text_match = None
        if schema is not None and schema.type is Type.STRUCT:
            read = self._compiled(self._readers, schema, self._compile_reader)
            if read is not None and self._keep_text:
                text_read = self._compiled(self._text_readers, schema,
                                           lambda schema, read=read: compile_text_reader(schema, read,
                                                                                         lazy=self._lazy_text))
            if text_read is not None and self._lazy_text:
                text_match = self._compiled(self._text_patterns, schema,
                                            lambda schema, read=read: compile_text_pattern(schema, read))
        self._last_text_read, self._last_text_match = text_read, text_match
        if read is None and _reads_as_is(schema):
            to_connect = self._to_connect

            def read(node: Any, schema: Schema = schema) -> Any:  # a string payload is itself
                return node if node.__class__ is str else to_connect(schema, node)
        if read is None:
            def read(node: Any, schema: Schema | None = schema) -> Any:
                return self._to_connect(schema, node)
        self._last_envelope = (prefix, schema, read)

    def as_connect_schema(self, node: Any) -> Schema | None:
        """Kafka's ``asConnectSchema`` for a parsed JSON schema object."""
        return parse_schema(node, self._to_connect)

    def _read_schema(self, node: Any) -> Schema | None:
        if node is None:
            return None
        key = repr(node)
        cache = self._read_cache
        if key in cache:
            return cache[key]
        schema = parse_schema(node, self._to_connect)
        cache[key] = schema
        if len(cache) > self._cache_size:
            cache.popitem(last=False)
        return schema

    def _to_connect(self, schema: Schema | None, node: Any) -> Any:  # noqa: C901
        if schema is None:
            return _schemaless(node)
        if node is None:
            if schema.default_value is not None and self._replace_null:
                return schema.default_value
            if schema.optional:
                return None
            raise DataError(f"Invalid null value for required {schema.type} field")
        t = schema.type
        _require_exact_unless_double(schema, node)
        if schema.name is not None:
            logical = _read_logical(schema, node)
            if logical is not _NOT_LOGICAL:
                return logical
        bits = _INT_BITS.get(t)
        if bits is not None:
            if isinstance(node, bool) or not isinstance(node, (int, _decimal.Decimal)):
                return 0
            return _wrap(_wrap(int(node), 64 if bits == 64 else 32), bits)
        if t is Type.FLOAT64 or t is Type.FLOAT32:
            if isinstance(node, bool) or not isinstance(node, (int, float, _decimal.Decimal)):
                return 0.0
            f = float(node) + 0.0  # BigDecimal has no negative zero: Kafka reads -0.0 as 0.0
            return f if t is Type.FLOAT64 else to_float32(f)
        if t is Type.BOOLEAN:
            return node if isinstance(node, bool) else False
        if t is Type.STRING:
            return node if isinstance(node, str) else None
        if t is Type.BYTES:
            return _decode_bytes(node, "Invalid bytes field")
        if t is Type.ARRAY:
            element_schema = schema.value_schema
            return [self._to_connect(element_schema, e) for e in node] if isinstance(node, list) else []
        if t is Type.MAP:
            return self._read_map(schema, node)
        return self._read_struct(schema, node)

    def _read_map(self, schema: Schema, node: Any) -> dict[Any, Any]:
        key_schema, value_schema = schema.key_schema, schema.value_schema
        if key_schema is None or key_schema.type is Type.STRING:
            if not isinstance(node, dict):
                raise DataError(
                    f"Maps with string fields should be encoded as JSON objects, but found {_node_type(node)}"
                )
            return {k: self._to_connect(value_schema, v) for k, v in node.items()}
        if not isinstance(node, list):
            raise DataError(
                f"Maps with non-string fields should be encoded as JSON array of tuples, but found {_node_type(node)}"
            )
        result: dict[Any, Any] = {}
        for entry in node:
            if not isinstance(entry, list):
                raise DataError(f"Found invalid map entry instead of array tuple: {_node_type(entry)}")
            if len(entry) != 2:
                raise DataError(f"Found invalid map entry, expected length 2 but found :{len(entry)}")
            result[self._to_connect(key_schema, entry[0])] = self._to_connect(value_schema, entry[1])
        return result

    def _read_struct(self, schema: Schema, node: Any) -> Struct:
        if not isinstance(node, dict):
            raise DataError(f"Structs should be encoded as JSON objects, but found {_node_type(node)}")
        read = self._compiled(self._readers, schema, self._compile_reader)
        if read is not None:
            return read(node)
        struct = Struct(schema)
        values = struct.values()  # a fresh struct, filled without re-validating what the schema already types
        get = node.get
        for name, index, read_field in self._read_plan(schema):
            values[index] = read_field(get(name))
        return struct

    def _read_plan(self, schema: Schema) -> list[tuple[str, int, Any]]:
        """Per field: its name, position and a reader chosen once by type (exact JSON types read inline)."""
        cached = self._read_plans.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        plan = [(field.name, field.index, self._field_reader(field.schema)) for field in schema.fields]
        if len(self._read_plans) >= self._cache_size:
            self._read_plans.clear()
        self._read_plans[id(schema)] = (schema, plan)
        return plan

    def _field_reader(self, schema: Schema) -> Any:
        generic = self._to_connect
        t = schema.type
        if schema.name is None and (t is Type.STRING or t is Type.BOOLEAN):
            exact = str if t is Type.STRING else bool

            def read_exact(node: Any) -> Any:
                return node if node.__class__ is exact else generic(schema, node)
            return read_exact
        if schema.name is None and t in _INT_BITS:
            low, high = -(1 << (_INT_BITS[t] - 1)), (1 << (_INT_BITS[t] - 1)) - 1

            def read_int(node: Any) -> Any:
                return node if node.__class__ is int and low <= node <= high else generic(schema, node)
            return read_int
        if schema.name is not None:
            return _logical_reader(schema, generic)
        return lambda node: generic(schema, node)


def _logical_reader(schema: Schema, generic: Any) -> Any:
    """Timestamp, Date and (base64) Decimal fields read inline from the JSON type Kafka writes for them."""
    name = schema.name
    to_datetime, to_date = _dt.timedelta, _dt.timedelta
    if name == Timestamp.LOGICAL_NAME and schema.type is Type.INT64:
        def read_timestamp(node: Any) -> Any:
            if node.__class__ is int and _INT64_MIN <= node <= _INT64_MAX:
                return _EPOCH + to_datetime(milliseconds=node)
            return generic(schema, node)
        return read_timestamp
    if name == Date.LOGICAL_NAME and schema.type is Type.INT32:
        def read_date(node: Any) -> Any:
            if node.__class__ is int and _INT32_MIN <= node <= _INT32_MAX:
                return _EPOCH_DATE + to_date(days=node)
            return generic(schema, node)
        return read_date
    if name == Decimal.LOGICAL_NAME and schema.type is Type.BYTES:
        try:
            exponent = f"E{-Decimal.scale(schema)}"
        except DataError:
            return lambda node: generic(schema, node)
        # strict a2b_base64 accepts a subset of what b64decode(validate=True) does, with the same bytes (unit-tested)
        a2b, from_bytes, make = binascii.a2b_base64, int.from_bytes, _decimal.Decimal

        def read_decimal(node: Any) -> Any:
            if node.__class__ is str:
                try:
                    unscaled = from_bytes(a2b(node, strict_mode=True), "big", signed=True)
                except (binascii.Error, ValueError):
                    return generic(schema, node)
                return make(f"{unscaled}{exponent}")
            return generic(schema, node)
        return read_decimal
    return lambda node: generic(schema, node)


def _inline_logical_writer(schema: Schema, fallback: Any, numeric: bool) -> Any:
    """Timestamp, Date and base64 Decimal values written inline (same text as ``_write_logical``), or None."""
    name = schema.name
    if name == Timestamp.LOGICAL_NAME:
        def write_timestamp(value: Any, out: list[str]) -> None:
            if value.__class__ is not _dt.datetime:
                fallback(value, out)
                return
            if value.tzinfo is None:  # naive datetimes are UTC (Timestamp.from_logical)
                value = value.replace(tzinfo=_dt.UTC)
            out.append(str((value - _EPOCH) // _ONE_MS))
        return write_timestamp
    if name == Date.LOGICAL_NAME:
        def write_date(value: Any, out: list[str]) -> None:
            if value.__class__ is _dt.date:
                out.append(str((value - _EPOCH_DATE).days))
            else:
                fallback(value, out)
        return write_date
    if name == Decimal.LOGICAL_NAME and not numeric:
        try:
            scale = Decimal.scale(schema)
        except DataError:
            return None

        def write_decimal(value: Any, out: list[str]) -> None:
            if value.__class__ is not _decimal.Decimal or value.as_tuple().exponent != -scale:
                fallback(value, out)  # wrong type, non-finite or mismatching scale: the generic error
                return
            unscaled = int(value.scaleb(scale, _EXACT))
            length = ((unscaled if unscaled >= 0 else ~unscaled).bit_length() + 8) // 8
            out.append(_b64(unscaled.to_bytes(length, "big", signed=True)))
        return write_decimal
    return None


_CLOSE_BRACE = ord("}")
_CONTROLS = bytes(range(0x20))  # what a JSON string cannot hold unescaped
# the ASCII bytes a JSON string writes escaped (controls, backslash) or that ``isprintable`` refuses (DEL)
_ESCAPED_ASCII = _CONTROLS + b"\\\x7f"
_QUOTE = ord('"')
_LF = ord("\n")
_LINES_A_PASS = 1000  # string lines read per pass (_quoted_payloads): a usual batch; a larger one in parts of this
_loads = orjson.loads
_new_tuple = tuple.__new__  # SchemaAndValue without its generated __new__ (per-record hot path)
_EXACT = _decimal.Context(prec=_decimal.MAX_PREC, Emax=_decimal.MAX_EMAX, Emin=_decimal.MIN_EMIN)
_NOT_LOGICAL = object()
# JSON's whitespace (what Python's json and Jackson skip), around the envelope's keys
_ENVELOPE_HEAD = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"schema"[ \t\n\r]*:[ \t\n\r]*')
_PAYLOAD_HEAD = re.compile(r'[ \t\n\r]*,[ \t\n\r]*"payload"[ \t\n\r]*:[ \t\n\r]*')
_RAW_DECODER = _json.JSONDecoder()


def _quoted_payloads(values: list[Any], prefix: bytes) -> list[str] | None:
    """The payload of each of ``values`` when every one is ``prefix``, a JSON string without escapes, control
    characters or invalid UTF-8 (a FileStreamSource line) and ``}``: such a string is its UTF-8 bytes in quotes, so
    the batch is read by a few C passes over ``_LINES_A_PASS`` values at a time (the copies they make stay small)
    instead of ``orjson.loads`` a value; None otherwise (an empty batch, a ``None`` or another type among them, any
    other value): read them one by one."""
    head = prefix + b'"'
    if not prefix or not values or _LF in prefix:
        return None
    between, cut = b'"}\n' + head, itemgetter(slice(len(head), -2))
    out: list[str] = []
    for start in range(0, len(values), _LINES_A_PASS):
        part = values[start:start + _LINES_A_PASS]
        try:
            lines = list(map(cut, part))  # each one's payload text, when it is one
            text = b"\n".join(lines)
            batch = b"\n".join(part)
        except TypeError:  # a None or a str among them
            return None
        # Only the line feeds between the lines are controls, so no line holds one; then the part written again
        # from the lines is the part itself exactly when every value is the head, its line and '"}'.
        if b'"' in text or b"\\" in text or len(text.translate(None, _CONTROLS)) != len(text) - len(part) + 1 \
                or head + between.join(lines) + b'"}' != batch:
            return None
        try:
            out += text.decode("utf-8").split("\n")  # strict: invalid UTF-8 and encoded surrogates are refused
        except UnicodeDecodeError:
            return None
    return out


def _reads_as_is(schema: Schema | None) -> TypeGuard[Schema]:
    """Whether a string payload node is the value itself under this envelope schema (a plain string schema)."""
    return schema is not None and schema.name is None and schema.type is Type.STRING


def _decode_bytes(node: Any, message: str) -> bytes:
    if not isinstance(node, str):
        raise DataError(message)
    try:
        return base64.b64decode(node, validate=True)
    except (binascii.Error, ValueError) as e:
        raise DataError(message) from e


def _read_logical(schema: Schema, node: Any) -> Any:
    name = schema.name
    if name == Decimal.LOGICAL_NAME:
        if isinstance(node, _decimal.Decimal):
            return node
        if isinstance(node, int) and not isinstance(node, bool):
            return _decimal.Decimal(node)
        if isinstance(node, str):
            return Decimal.to_logical(schema, _decode_bytes(node, "Invalid bytes for Decimal field"))
        raise DataError(
            f"Invalid type for Decimal, underlying representation should be numeric or bytes but was {_node_type(node)}"
        )
    if name in (Date.LOGICAL_NAME, Time.LOGICAL_NAME):
        if isinstance(node, bool) or not isinstance(node, int) or not -(2**31) <= node < 2**31:
            what = "Date" if name == Date.LOGICAL_NAME else "Time"
            raise DataError(
                f"Invalid type for {what}, underlying representation should be integer but was {_node_type(node)}"
            )
        return Date.to_logical(schema, node) if name == Date.LOGICAL_NAME else Time.to_logical(schema, node)
    if name == Timestamp.LOGICAL_NAME:
        if isinstance(node, bool) or not isinstance(node, int):
            raise DataError(
                "Invalid type for Timestamp, underlying representation should be integral but was " + _node_type(node)
            )
        return Timestamp.to_logical(schema, _wrap(node, 64))
    return _NOT_LOGICAL


def _schemaless(node: Any) -> Any:
    if node is None or isinstance(node, (bool, str)):
        return node
    if isinstance(node, int):
        return _wrap(node, 64)
    if isinstance(node, (float, _decimal.Decimal)):  # floats come from orjson, correctly rounded like float()
        return float(node) + 0.0
    if isinstance(node, list):
        return [_schemaless(e) for e in node]
    return {k: _schemaless(v) for k, v in node.items()}


def _infer_type(value: Any) -> Type:
    t = infer_type(value)
    if t is None:
        raise DataError(f"Java class class {_java_class(value)} does not have corresponding schema type.")
    return t


def _java_class(value: Any) -> str:
    """The Java class Kafka would name for a Python value in messages."""
    if isinstance(value, _decimal.Decimal):
        return "java.math.BigDecimal"
    if isinstance(value, (_dt.date, _dt.time)):
        return "java.util.Date"
    return f"{type(value).__module__}.{type(value).__qualname__}"

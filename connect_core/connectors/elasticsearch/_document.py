"""SinkRecord -> one bulk action (Confluent ``DataConverter.convertRecord``): index name, id, version, body.

Idempotency comes from here: the id is the record key or ``topic+partition+offset``, and when the key is the id
the Kafka offset is the external version, so a replayed (older or equal) write is rejected by the cluster
instead of overwriting newer data.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import logging
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from connect_core.api.data_json import to_json_data
from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SinkRecord
    from connect_core.api.schema import Schema
    from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig

__all__ = ["BulkAction", "DocumentBuilder", "index_name"]

log = logging.getLogger(__name__)

MAX_INDEX_NAME_LENGTH = 255
TIMESTAMP_FIELD = "@timestamp"
_KEY_TYPES = frozenset({Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.STRING})


class BulkAction(NamedTuple):
    """One bulk operation: its NDJSON lines plus what result handling needs to know."""

    record: SinkRecord
    index_name: str  # not `index`: that would shadow tuple.index
    doc_id: str | None
    versioned: bool
    lines: bytes


def index_name(topic: str) -> str:
    """Confluent's topic -> index rule: lower-case, at most 255 chars, no leading ``-``/``_``, no ``.``/``..``."""
    name = topic.lower()[:MAX_INDEX_NAME_LENGTH]
    if name.startswith(("-", "_")):
        name = name[1:]
    if name in (".", ".."):
        name = name.replace(".", "dot")
    return name


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)  # Confluent maps Decimal to double
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()


def _finite_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return float(value)
    raise TypeError(f"{type(value).__name__} {value!r} is left to the json module")


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS


def _fast_dumps(obj: Any) -> bytes:
    """``_dumps`` with orjson, for objects of str keys, strings, ints, bools, None, finite floats and finite
    Decimals only (the caller checked its floats): for those the JSON values are the same (orjson may spell a float
    in a shorter exponent form, ``1e16`` for ``1e+16``). Anything orjson refuses goes to ``_dumps``."""
    try:
        return orjson.dumps(obj, default=_finite_default, option=_ORJSON_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return _dumps(obj)


# Field types whose Python values (no logical name) to_json_data returns as they are, all of them JSON scalars.
_AS_IS = frozenset({Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.FLOAT32, Type.FLOAT64, Type.BOOLEAN,
                    Type.STRING})
_FLOATS = frozenset({Type.FLOAT32, Type.FLOAT64})
_SCALAR_LOGICAL = frozenset({Decimal.LOGICAL_NAME, Timestamp.LOGICAL_NAME, Date.LOGICAL_NAME, Time.LOGICAL_NAME})
_INF = float("inf")


class _StructPlan(NamedTuple):
    """A struct value schema compiled for documents: per field (name, position, field schema, kind)."""

    fields: tuple[tuple[str, int, Schema, int], ...]
    flat: bool  # every field is a scalar: the document may be written with orjson


_KIND_AS_IS, _KIND_FLOAT, _KIND_CONVERT = 0, 1, 2


def _record_string(record: SinkRecord) -> str:
    return f"record from topic={record.topic} partition={record.kafka_partition} offset={record.kafka_offset}"


_STRING_KEYS = frozenset({None, Type.STRING})
_INT_KEYS = frozenset({None, Type.INT8, Type.INT16, Type.INT32, Type.INT64})


def _id_text(key: Any, key_schema: Schema | None) -> bytes | None:
    """The JSON text of ``_doc_id``'s id for a str or int key, or None where ``build`` decides (a null, empty or
    other key, a key schema of another type, a string orjson refuses)."""
    key_type = None if key_schema is None else key_schema.type
    if key.__class__ is str:
        if not key or key_type not in _STRING_KEYS:
            return None
    elif key.__class__ is not int or key_type not in _INT_KEYS:
        return None
    try:
        return orjson.dumps(str(key))
    except (orjson.JSONEncodeError, ValueError):  # a lone surrogate; an int past str()'s digit limit
        return None


class DocumentBuilder:
    """Builds bulk actions for one config; caches the resource name per topic."""

    def __init__(self, config: ElasticsearchSinkConfig) -> None:
        """Keep the config; nothing is sent from here."""
        self._config = config
        self._names: dict[str, str] = {}
        self._retry_on_conflict = min(config.max_in_flight_requests, 5)
        self._plans: dict[Schema, _StructPlan] = {}
        self._writers: dict[int, tuple[Schema, Callable[[list[Any]], bytes | None] | None]] = {}  # by id(schema)
        # build_lines' templates: an INSERT into an index (no data stream), ids topic+partition+offset or the key
        self._templated = (not config.is_data_stream and config.write_method == "INSERT"
                           and not config.use_autogenerated_ids)
        self._heads: dict[tuple[str, int | None], bytes | None] = {}

    def resource_name(self, topic: str) -> str:
        """The index, or ``<type>-<dataset>-<namespace>`` data stream, that ``topic`` is written to."""
        name = self._names.get(topic)
        if name is None:
            c = self._config
            if c.is_data_stream:
                namespace = c.data_stream_namespace.replace("${topic}", topic.lower())[:100]
                name = f"{c.data_stream_type.lower()}-{c.data_stream_dataset}-{namespace}"
            else:
                name = index_name(topic)
            self._names[topic] = name
        return name

    def build(self, record: SinkRecord) -> BulkAction | None:
        """The action for ``record``, or None when it is skipped (ignored tombstone, delete without key)."""
        c = self._config
        if record.value is None:
            if c.behavior_on_null_values == "IGNORE":
                return None
            if c.behavior_on_null_values == "FAIL":
                raise DataError(
                    f"{_record_string(record)} has a null value (to ignore future records like this change the "
                    "configuration property 'behavior.on.null.values' from 'FAIL' to 'IGNORE')"
                )
            if record.key is None:
                return None  # nothing identifies a document to delete
        ignore_key = c.ignore_key(record.topic)
        index = self.resource_name(record.topic)
        doc_id = None if c.use_autogenerated_ids else self._doc_id(record, ignore_key)
        versioned = not ignore_key and not c.is_data_stream and (record.value is None or c.write_method == "INSERT")
        meta: dict[str, Any] = {"_index": index}
        if doc_id is not None:
            meta["_id"] = doc_id
        if versioned:
            meta["version_type"] = "external"
            meta["version"] = self._version(record)
        if record.value is None:
            return BulkAction(record, index, doc_id, versioned, _fast_dumps({"delete": meta}) + b"\n")
        text = self._compiled_document(record)
        if c.write_method == "UPSERT":
            meta["retry_on_conflict"] = self._retry_on_conflict
            op = "update"
            if text is not None:
                text = b'{"doc":' + text + b',"doc_as_upsert":true}'
        else:
            op = "create" if c.is_data_stream else "index"
        if text is None:
            document, plain = self._document(record)
            body = {"doc": document, "doc_as_upsert": True} if op == "update" else document
            text = _fast_dumps(body) if plain else _dumps(body)
        return BulkAction(record, index, doc_id, versioned, _fast_dumps({op: meta}) + b"\n" + text + b"\n")

    def build_lines(
        self, records: list[SinkRecord], convert: Callable[[SinkRecord], BulkAction | None],
    ) -> tuple[list[SinkRecord], list[bytes], dict[str, SinkRecord]]:
        """The batch's kept records, their action lines (``BulkAction.lines``) and each index's first record.

        Where ``build`` would write ``{"index":{"_index":I,"_id":"T+P+O"}}`` (``key.ignore``) or
        ``{"index":{"_index":I,"_id":K,"version_type":"external","version":O}}`` (a str or int key, no external
        version header) and the generated writer's text (INSERT, an index, a struct value the writer takes), the
        line is a head per topic (and partition) with the id, offset and text filled in, without ``build``'s
        per-record meta dict, ``orjson.dumps`` of it and ``BulkAction``; every other record goes through
        ``convert`` (``build``, or a caller's wrapper of it that may drop a record: None). The lines are
        ``build``'s bytes, so a caller may ``build`` a kept record again.
        """
        kept: list[SinkRecord] = []
        lines: list[bytes] = []
        firsts: dict[str, SinkRecord] = {}
        keep, add = kept.append, lines.append
        topic: str | None = None
        partition: int | None = -1
        schema: Schema | None = None
        head = b""
        write: Callable[[list[Any]], bytes | None] | None = None
        keyed = False
        index = ""
        for record in records:
            value = record.value
            if value.__class__ is Struct and self._templated:
                if record.value_schema is not schema or record.kafka_partition != partition or record.topic != topic:
                    topic, partition, schema = record.topic, record.kafka_partition, record.value_schema
                    head, write, keyed, index = self._template(topic, partition, schema)
                if write is not None:
                    text = write(value.values())
                    if text is None:
                        line = None
                    elif not keyed:
                        line = b'%b%d"}}\n%b\n' % (head, record.kafka_offset, text)
                    else:
                        ident = _id_text(record.key, record.key_schema)
                        line = None if ident is None else (
                            b'%b%b,"version_type":"external","version":%d}}\n%b\n'
                            % (head, ident, record.kafka_offset, text))
                    if line is not None:
                        if index not in firsts:
                            firsts[index] = record
                        keep(record)
                        add(line)
                        continue
            action = convert(record)
            if action is not None:
                keep(action.record)
                add(action.lines)
                firsts.setdefault(action.index_name, action.record)
        return kept, lines, firsts

    def _template(
        self, topic: str, partition: int | None, schema: Schema | None,
    ) -> tuple[bytes, Callable[[list[Any]], bytes | None] | None, bool, str]:
        """``build_lines``' head of the action line, the value writer, whether the id is the key (the offset the
        external version) and the index for records of ``topic``, ``partition`` and value ``schema`` (the writer
        None: not templated, ``build`` writes them)."""
        c = self._config
        index = self.resource_name(topic)
        keyed = not c.ignore_key(topic)
        if schema is None or c.ignore_schema(topic) or (keyed and c.external_version_header):
            return b"", None, keyed, index
        cached = self._writers.get(id(schema))
        if cached is None or cached[0] is not schema:
            cached = self._writers[id(schema)] = (schema, _compile_writer(schema))
        key = (topic, None if keyed else partition)
        if key not in self._heads:
            # build's meta line cut before the id (keyed) or the offset's digits (topic+partition+offset ids).
            line = _fast_dumps({"index": {"_index": index, "_id": "" if keyed else f"{topic}+{partition}+"}})
            tail = b'""}}' if keyed else b'+"}}'
            self._heads[key] = line[:len(line) - len(tail) + (0 if keyed else 1)] if line.endswith(tail) else None
        head = self._heads[key]
        return (b"", None, keyed, index) if head is None else (head, cached[1], keyed, index)

    def _compiled_document(self, record: SinkRecord) -> bytes | None:
        """The document's text through the value schema's generated writer (``_compile_writer``), or None where
        that writer does not apply (data streams, schemaless or ignored schemas, a value it declines)."""
        value, schema = record.value, record.value_schema
        if value.__class__ is not Struct or schema is None or self._config.is_data_stream \
                or self._config.ignore_schema(record.topic):
            return None
        cached = self._writers.get(id(schema))
        if cached is None or cached[0] is not schema:  # keyed by identity; the schema is kept alive with it
            cached = self._writers[id(schema)] = (schema, _compile_writer(schema))
        write = cached[1]
        return None if write is None else write(value.values())

    def _doc_id(self, record: SinkRecord, ignore_key: bool) -> str:
        if ignore_key:
            return f"{record.topic}+{record.kafka_partition}+{record.kafka_offset}"
        key = record.key
        if key is None:
            raise DataError("Key is used as document id and can not be null.")
        if record.key_schema is not None:
            key_type = record.key_schema.type
        elif isinstance(key, str):
            key_type = Type.STRING
        elif isinstance(key, int) and not isinstance(key, bool):
            key_type = Type.INT64
        else:
            raise DataError(f"{type(key).__name__} is not supported as the document id.")
        if key_type not in _KEY_TYPES:
            raise DataError(f"{key_type.name} is not supported as the document id.")
        text = str(key)
        if not text:
            raise DataError("Key is used as document id and can not be empty.")
        return text

    def _version(self, record: SinkRecord) -> int:
        header_name = self._config.external_version_header
        if not header_name:
            return record.kafka_offset
        header = record.headers.last_with_name(header_name)
        raw = None if header is None else header.value
        if isinstance(raw, (bytes, bytearray)):
            raw = raw.decode("utf-8", "replace")
        try:
            return int(str(raw).strip())
        except ValueError:
            raise DataError(f"Error converting to long: {raw}") from None

    def _document(self, record: SinkRecord) -> tuple[Any, bool]:
        """The document, and whether it holds only scalars with finite floats (``_fast_dumps`` may write it)."""
        c = self._config
        schema, value = record.value_schema, record.value
        plain = False
        if c.ignore_schema(record.topic) or schema is None:
            # Confluent converts schemaless values with the plain JsonConverter, untouched.
            document = to_json_data(schema, value)
        elif schema.type is Type.STRUCT and value.__class__ is Struct and schema.name not in _SCALAR_LOGICAL:
            document, plain = self._struct_document(schema, value)
        else:
            document = to_json_data(
                schema,
                value,
                decimal_format="NUMERIC",
                string_maps_as_objects=c.compact_map_entries,
                map_entry="object",
            )
        if c.is_data_stream:
            if not isinstance(document, dict):
                raise DataError(f"Top level payload contains data of Json type {type(document).__name__}. "
                                "Required Json object.")
            stamp = next((document[f] for f in c.data_stream_timestamp_field if f in document), None)
            if not c.data_stream_timestamp_field:
                stamp = record.timestamp
            if stamp is not None:
                document[TIMESTAMP_FIELD] = stamp if not c.data_stream_timestamp_field else str(stamp)
        return document, plain

    def _struct_document(self, schema: Schema, struct: Struct) -> tuple[dict[str, Any], bool]:
        """``to_json_data(schema, struct, decimal_format="NUMERIC", ...)`` through a plan compiled per schema:
        scalar fields are taken as they are, everything else (nulls, logical and nested values) field by field
        through ``to_json_data``."""
        plan = self._plans.get(schema)
        if plan is None:
            plan = self._plans[schema] = _compile(schema)
        c = self._config
        values = struct.values()
        plain = plan.flat
        document: dict[str, Any] = {}
        for name, index, field_schema, kind in plan.fields:
            value = values[index]
            if value is None or kind == _KIND_CONVERT:
                value = to_json_data(field_schema, value, decimal_format="NUMERIC",
                                     string_maps_as_objects=c.compact_map_entries, map_entry="object")
            if kind == _KIND_FLOAT and value.__class__ is float and not -_INF < value < _INF:
                plain = False  # NaN and infinities: the json module's spelling (``_dumps``)
            document[name] = value
        return document, plain


def _compile(schema: Schema) -> _StructPlan:
    fields = []
    flat = True
    for field in schema.fields:
        field_schema = field.schema
        if field_schema.name is None and field_schema.type in _AS_IS:
            kind = _KIND_FLOAT if field_schema.type in _FLOATS else _KIND_AS_IS
        elif field_schema.name == Decimal.LOGICAL_NAME:
            kind = _KIND_AS_IS  # NUMERIC: the Decimal itself (finite ones become floats in _fast_dumps)
        else:
            kind = _KIND_CONVERT
            if field_schema.name not in _SCALAR_LOGICAL and field_schema.type in (Type.ARRAY, Type.MAP, Type.STRUCT):
                flat = False
        fields.append((field.name, field.index, field_schema, kind))
    return _StructPlan(tuple(fields), flat)


_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)  # naive datetimes are UTC in Connect (``Timestamp.from_logical``)
_EPOCH_UTC = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_INT_TYPES = frozenset({Type.INT8, Type.INT16, Type.INT32, Type.INT64})


def _compile_writer(schema: Schema) -> Callable[[list[Any]], bytes | None] | None:
    """A generated writer of the document text of a struct of ``schema`` from its field values (None: a schema
    with a nested, array, map, bytes or unknown field, which ``_struct_document`` handles).

    Each field's exact Python type is checked and converted as ``to_json_data(..., decimal_format="NUMERIC")`` +
    ``_fast_dumps`` would (a finite Decimal becomes a float, dates and timestamps their epoch numbers), then one
    ``orjson.dumps`` writes the dict in field order. Anything else (a null that takes a default or is an error,
    a wrong type, a non-finite float or Decimal, an int beyond 64 bits, a lone surrogate) returns None and the
    caller takes the per-field path, which writes the same text or raises the same error.

    """
    if schema.type is not Type.STRUCT or not schema.fields or schema.name in _SCALAR_LOGICAL:
        return None
    ns: dict[str, Any] = {"_dumps": orjson.dumps, "_Dec": decimal.Decimal, "_INF": _INF, "_date": _dt.date,
                          "_datetime": _dt.datetime, "_EPOCH": _EPOCH_NAIVE, "_EPOCH_UTC": _EPOCH_UTC,
                          "_MS": _dt.timedelta(milliseconds=1), "_date_of": Date.from_logical,
                          "_ts_of": Timestamp.from_logical, "_time_of": Time.from_logical}
    positions = sorted(field.index for field in schema.fields)
    if positions != list(range(len(positions))):
        return None
    # One unpacking of the values (a list of another length raises, caught below: the per-field path).
    body = ["def write(v):", " try:", "  " + "".join(f"a{i}, " for i in positions) + "= v"]
    items = []
    for field in schema.fields:
        fs, a, s = field.schema, f"a{field.index}", f"_s{field.index}"
        ns[s] = fs
        convert = _convert_lines(fs, a, s)
        if convert is None:
            return None
        if fs.optional and fs.default_value is None:
            body += [f"  if {a} is not None:", *(f"   {line}" for line in convert)]
        elif fs.name is None or fs.name == Decimal.LOGICAL_NAME:
            body += [f"  {line}" for line in convert]  # its exact type check turns a null away too
        else:
            body += [f"  if {a} is None: return None", *(f"  {line}" for line in convert)]
        items.append(f"{field.name!r}: {a}")
    body += ["  return _dumps({" + ", ".join(items) + "})", " except Exception:", "  return None"]
    exec(compile("\n".join(body), f"<elasticsearch document {schema.name or 'struct'}>", "exec"), ns)
    write: Callable[[list[Any]], bytes | None] = ns["write"]
    return write


def _convert_lines(fs: Schema, a: str, s: str) -> list[str] | None:
    """Lines that check the non-null value ``a`` of field schema ``s`` and turn it into what orjson writes."""
    name = fs.name
    if name == Decimal.LOGICAL_NAME:
        return [f"if type({a}) is not _Dec or not {a}.is_finite(): return None", f"{a} = float({a})"]
    if name == Date.LOGICAL_NAME:
        return [f"{a} = {a}.toordinal() - {_EPOCH_ORDINAL} if type({a}) is _date else _date_of({s}, {a})"]
    if name == Timestamp.LOGICAL_NAME:
        return [f"{a} = ({a} - (_EPOCH if {a}.tzinfo is None else _EPOCH_UTC)) // _MS if type({a}) is _datetime "
                f"else _ts_of({s}, {a})"]
    if name == Time.LOGICAL_NAME:
        return [f"{a} = _time_of({s}, {a})"]
    if name is not None:
        return None
    if fs.type in _INT_TYPES:
        return [f"if type({a}) is not int: return None"]
    if fs.type in _FLOATS:
        return [f"if type({a}) is not float or not -_INF < {a} < _INF: return None"]
    if fs.type is Type.BOOLEAN:
        return [f"if type({a}) is not bool: return None"]
    if fs.type is Type.STRING:
        return [f"if type({a}) is not str: return None"]
    return None

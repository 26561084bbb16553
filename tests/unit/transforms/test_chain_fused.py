"""The fused chain (one Struct and one record per chain) against the step-by-step chain, record by record."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from connect_core.api.header import Headers
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.record import ConnectRecord, SinkRecord, SourceRecord
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.chain import TransformationChain, _no_plan, build_chain

_KAFKA = "org.apache.kafka.connect.transforms."


def _schema(name: str = "rows") -> Schema:
    return (SchemaBuilder.struct().name(name)
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("qty", Schema.INT32_SCHEMA)
            .field("price", Decimal.builder(2).optional().build())
            .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("active", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("created_at", Timestamp.builder().optional().build())
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .field("tag", SchemaBuilder.string().optional().default_value("none").build())
            .field("level", SchemaBuilder.int16().default_value(3).build())
            .field("day", Date.builder().optional().build())
            .field("inner", INNER)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .field("blob", Schema.OPTIONAL_BYTES_SCHEMA)
            .build())


INNER = SchemaBuilder.struct().name("inner").optional().field("n", Schema.INT32_SCHEMA).build()


SCHEMA = _schema()
OTHER = _schema("other")  # another schema object of equal shape but another name


def _struct(schema: Schema, values: dict[str, Any]) -> Struct:
    struct = Struct(schema)
    for name, value in values.items():
        struct._values[schema.field(name).index] = value  # unvalidated on purpose: nulls in required fields
    return struct


ROW = {"id": 1, "name": "ann", "qty": 2, "price": decimal.Decimal("1.50"), "score": 0.5, "active": True,
       "created_at": dt.datetime(2024, 1, 2, tzinfo=dt.UTC), "note": "n", "tag": "t", "level": 1,
       "day": dt.date(2024, 1, 3), "inner": Struct(INNER).put("n", 5), "tags": ["a", "b"], "blob": b"\x00\xff"}

VALUES: list[tuple[Schema | None, Any]] = [
    (SCHEMA, _struct(SCHEMA, ROW)),
    (SCHEMA, _struct(SCHEMA, {**ROW, "note": None, "tag": None, "score": None, "price": None})),  # defaults
    (SCHEMA, _struct(SCHEMA, {**ROW, "level": None})),  # null with a default in a required field
    (SCHEMA, _struct(SCHEMA, {**ROW, "name": None})),  # null in a required field: Kafka's error
    (SCHEMA, _struct(SCHEMA, {**ROW, "qty": None})),
    (SCHEMA, _struct(SCHEMA, {**ROW, "name": "é\u0001\U0001f600"})),
    (SCHEMA, _struct(SCHEMA, {**ROW, "inner": None, "tags": None, "day": None, "blob": None, "created_at": None})),
    (SCHEMA, _struct(SCHEMA, {**ROW, "id": True, "qty": 2**40, "score": 1, "name": b"x"})),  # wrong types: errors
    (SCHEMA, _struct(SCHEMA, {**ROW, "tag": 5, "note": 1.5})),  # wrong types in optional fields
    (OTHER, _struct(OTHER, ROW)),
    (SCHEMA, None),  # tombstone
    (None, {"id": 1, "name": "x", "note": "y", "qty": 3}),  # schemaless
    (None, _struct(SCHEMA, ROW)),  # a struct without a value schema
    (SCHEMA, "not a struct"),
]

CHAINS: list[dict[str, str]] = [
    {  # the bench's chain (case 1b / 3b)
        "transforms": "insert,replace,mask",
        "transforms.insert.type": _KAFKA + "InsertField$Value",
        "transforms.insert.static.field": "source", "transforms.insert.static.value": "mariadb",
        "transforms.replace.type": _KAFKA + "ReplaceField$Value",
        "transforms.replace.exclude": "note", "transforms.replace.renames": "qty:quantity",
        "transforms.mask.type": _KAFKA + "MaskField$Value", "transforms.mask.fields": "name",
    },
    {
        "transforms": "insert,mask,replace",
        "transforms.insert.type": _KAFKA + "InsertField$Value", "transforms.insert.topic.field": "topic!",
        "transforms.insert.static.field": "s?", "transforms.insert.static.value": "v",
        "transforms.insert.replace.null.with.default": "false",
        "transforms.mask.type": _KAFKA + "MaskField$Value", "transforms.mask.fields": "qty,score,active,price,tag,x",
        "transforms.replace.type": _KAFKA + "ReplaceField$Value", "transforms.replace.include": "id,qty,tag,topic,s",
        "transforms.replace.renames": "id:key,tag:label", "transforms.replace.replace.null.with.default": "false",
    },
    {
        "transforms": "mask",
        "transforms.mask.type": _KAFKA + "MaskField$Value", "transforms.mask.fields": "qty,score,name,level",
        "transforms.mask.replacement": "12",
    },
    {
        "transforms": "mask",
        "transforms.mask.type": _KAFKA + "MaskField$Value", "transforms.mask.fields": "price,created_at,score",
        "transforms.mask.replacement": "7.5",
    },
    {
        "transforms": "mask",
        "transforms.mask.type": _KAFKA + "MaskField$Value", "transforms.mask.fields": "qty",
        "transforms.mask.replacement": "99999999999",  # past int32: wrapped as Java narrows it
    },
    {
        "transforms": "insert",
        "transforms.insert.type": _KAFKA + "InsertField$Value", "transforms.insert.topic.field": "id",
    },  # a field that exists already: Kafka's error
    {
        "transforms": "replace",
        "transforms.replace.type": _KAFKA + "ReplaceField$Value", "transforms.replace.renames": "nope:x,qty:id",
    },  # renamed onto an existing field name
    {
        "transforms": "mask",
        "transforms.mask.type": _KAFKA + "MaskField$Value", "transforms.mask.fields": "name,note,tag,tags,day,blob",
    },
    {
        "transforms": "mask",
        "transforms.mask.type": _KAFKA + "MaskField$Value", "transforms.mask.fields": "inner",
    },  # a struct cannot be masked: Kafka's error
    {
        "transforms": "mask,mask2",
        "transforms.mask.type": _KAFKA + "MaskField$Value", "transforms.mask.fields": "name,note",
        "transforms.mask.replacement": "***",
        "transforms.mask2.type": _KAFKA + "MaskField$Value", "transforms.mask2.fields": "name,id",
    },
    {
        "transforms": "insert,insert2,replace,insert3",
        "transforms.insert.type": _KAFKA + "InsertField$Value", "transforms.insert.topic.field": "t1",
        "transforms.insert2.type": _KAFKA + "InsertField$Value", "transforms.insert2.static.field": "s!",
        "transforms.insert2.static.value": "v",
        "transforms.replace.type": _KAFKA + "ReplaceField$Value", "transforms.replace.exclude": "inner,tags",
        "transforms.replace.renames": "t1:topic_name,s:static,tag:label",
        "transforms.insert3.type": _KAFKA + "InsertField$Value", "transforms.insert3.static.field": "s2",
        "transforms.insert3.static.value": "w",
    },
    {
        "transforms": "replace",
        "transforms.replace.type": _KAFKA + "ReplaceField$Value", "transforms.replace.include": "note,tag,level",
    },  # only optional or defaulted fields: nulls replaced by defaults (or not)
    {
        "transforms": "replace",
        "transforms.replace.type": _KAFKA + "ReplaceField$Value", "transforms.replace.include": "note,tag,level",
        "transforms.replace.replace.null.with.default": "false",
    },
    {
        "transforms": "insert,replace",  # not fused (timestamp field): the exact path only
        "transforms.insert.type": _KAFKA + "InsertField$Value", "transforms.insert.timestamp.field": "ts",
        "transforms.replace.type": _KAFKA + "ReplaceField$Value", "transforms.replace.exclude": "note",
    },
]


def _record(kind: str, schema: Schema | None, value: Any, topic: str | None = "rows") -> ConnectRecord:
    headers = Headers().add("h", "v", Schema.STRING_SCHEMA)
    if kind == "source":
        return SourceRecord({"table": "rows"}, {"incrementing": 7}, topic, 1, Schema.STRING_SCHEMA, "k", schema,
                            value, 1_700_000_000_000, headers)
    return SinkRecord(topic, 1, Schema.STRING_SCHEMA, "k", schema, value, 42, 1_700_000_000_000,
                      "CreateTime", headers)


def _outcome(chain: TransformationChain, record: ConnectRecord, *, fused: bool) -> Any:
    chain._fused = fused
    try:
        out = chain.apply(record)
    except Exception as error:  # the same error either way
        return ("error", type(error), str(error))
    if out is None:
        return None
    value = out.value
    typed = [(type(v), v) for v in value._values] if isinstance(value, Struct) else value
    return (type(out), out._fields(), id(out.value_schema), typed, out.headers is record.headers)


@pytest.mark.parametrize("props", CHAINS)
@pytest.mark.parametrize("kind", ["source", "sink"])
def test_fused_chain_gives_the_step_by_step_chains_record(props: dict[str, str], kind: str) -> None:
    chain = build_chain(props)
    for topic in ("rows", None):
        for schema, value in VALUES:
            record = _record(kind, schema, value, topic)
            before = list(value._values) if isinstance(value, Struct) else None
            exact = _outcome(chain, record, fused=False)
            assert _outcome(chain, record, fused=True) == exact, (schema, value, topic)
            assert _outcome(chain, record, fused=True) == exact  # the cached plan
            if before is not None:
                assert value._values == before  # the input struct is never written to


@pytest.mark.parametrize("props", CHAINS)
def test_transform_value_is_the_value_apply_gives_and_nothing_else_changes(props: dict[str, str]) -> None:
    chain = build_chain(props)
    for topic in ("rows", None):
        for schema, value in VALUES:
            record = _record("sink", schema, value, topic)
            struct = chain.transform_value(topic, schema, value)
            if struct is None:  # apply decides (and raises Kafka's error where there is one)
                continue
            chain._fused = False
            exact = chain.apply(record)
            chain._fused = True
            assert exact is not None
            assert struct.schema is exact.value_schema
            assert [(type(v), v) for v in struct._values] == [(type(v), v) for v in exact.value._values]
            assert exact._fields()[:4] + exact._fields()[6:] == record._fields()[:4] + record._fields()[6:]
            assert exact.headers is record.headers


def test_the_fused_function_takes_the_records_it_can_and_leaves_the_rest_to_apply() -> None:
    taken = {n: [build_chain(props).transform_value("rows", schema, value) is not None for schema, value in VALUES]
             for n, props in enumerate(CHAINS)}
    yes, no = True, False
    # the bench's chain: a null in a required field, a value masking cannot take (bytes), no struct: apply
    assert taken[0] == [yes, yes, yes, no, no, yes, yes, no, yes, yes, no, no, no, no]
    assert taken[1] == [yes, yes, no, no, no, yes, yes, no, no, yes, no, no, no, no]  # Decimal masks validated
    assert taken[3] == [no, no, no, no, no, no, yes, no, no, no, no, no, no, no]  # a Timestamp with "7.5": apply
    assert not any(taken[5]) and not any(taken[6])  # a field inserted or renamed twice: apply (Kafka's error)
    assert taken[7] == taken[8] == [no, no, no, no, no, no, yes, no, no, no, no, no, no, no]  # bytes, structs
    assert taken[11] == [yes] * 10 + [no] * 4  # only optional or defaulted fields kept
    assert not any(taken[len(CHAINS) - 1])  # a timestamp field is not fused
    assert build_chain(CHAINS[0]).transform_value("rows", None, VALUES[0][1]) is None  # no value schema
    assert build_chain({}).transform_value("rows", SCHEMA, VALUES[0][1]) is None  # not fused


def test_the_bench_chain_is_fused_and_predicates_or_key_smts_are_not() -> None:
    assert build_chain(CHAINS[0]).fused
    timestamped = build_chain(CHAINS[-1])  # InsertField with a timestamp field: its plan says no
    assert timestamped._plan(SCHEMA) is _no_plan
    guarded = {**CHAINS[0], "transforms.mask.predicate": "p", "predicates": "p",
               "predicates.p.type": _KAFKA + "predicates.TopicNameMatches", "predicates.p.pattern": "rows"}
    assert not build_chain(guarded).fused
    key = {**CHAINS[0], "transforms.mask.type": _KAFKA + "MaskField$Key"}
    assert not build_chain(key).fused
    assert not build_chain({}).fused


def test_the_fused_path_builds_one_struct_of_the_last_steps_schema() -> None:
    chain = build_chain(CHAINS[0])
    chain._steps = []  # the step-by-step path would return the record unchanged
    out = chain.apply(_record("source", SCHEMA, _struct(SCHEMA, ROW)))
    assert out is not None
    assert [f.name for f in out.value_schema.fields] == [
        "id", "name", "quantity", "price", "score", "active", "created_at", "tag", "level", "day", "inner", "tags",
        "blob", "source"]
    assert out.value.get("name") == "" and out.value.get("source") == "mariadb"
    assert out.source_partition == {"table": "rows"} and out.source_offset == {"incrementing": 7}


class _Text(str):
    """A str subclass: not the exact class the fused code checks for."""


ODD_VALUES = [None, True, 0, 2**31, 2**70, -1.5, float("nan"), "", _Text("t"), b"b", bytearray(b"b"), [], ["x", 1],
              {}, Struct(INNER).put("n", 1), decimal.Decimal("1.5"), dt.date(2024, 1, 1),
              dt.datetime(2024, 1, 1, tzinfo=dt.UTC)]


@pytest.mark.parametrize("props", CHAINS[:5] + CHAINS[7:-1])
def test_every_field_holding_every_odd_value_gives_the_step_by_step_outcome(props: dict[str, str]) -> None:
    chain = build_chain(props)
    for field in SCHEMA.fields:
        for odd in ODD_VALUES:
            record = _record("sink", SCHEMA, _struct(SCHEMA, {**ROW, field.name: odd}))
            assert _outcome(chain, record, fused=True) == _outcome(chain, record, fused=False), (field.name, odd)


def test_a_struct_without_fields_takes_the_fused_path_too() -> None:
    empty = SchemaBuilder.struct().build()
    chain = build_chain({**CHAINS[0], "transforms": "insert"})
    record = _record("sink", empty, Struct(empty))
    struct = chain.transform_value("rows", empty, Struct(empty))
    assert struct is not None and struct.values() == ["mariadb"]
    assert _outcome(chain, record, fused=True) == _outcome(chain, record, fused=False)
    odd = Struct.from_validated(empty, [1])  # a value list longer than the schema: apply decides
    assert chain.transform_value("rows", empty, odd) is None

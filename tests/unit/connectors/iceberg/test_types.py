"""Iceberg's type mapping (``SchemaUtils``) and partition transforms, on pyiceberg's types."""

from __future__ import annotations

import pytest

from connect_core.api.schema import SchemaBuilder

pytest.importorskip("pyiceberg")


def test_connect_schema_maps_as_icebergs_schema_utils() -> None:
    from connect_core.connectors.iceberg._types import partition_spec, record_schema

    schema = (SchemaBuilder.struct().field("i8", SchemaBuilder.int8().build())
              .field("l", SchemaBuilder.int64().optional().build())
              .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").build())
              .field("d", SchemaBuilder.bytes().name("org.apache.kafka.connect.data.Decimal").parameter("scale", "3")
                     .build())
              .field("day", SchemaBuilder.int32().name("org.apache.kafka.connect.data.Date").build())
              .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).build()).build())
    iceberg = record_schema(schema, None, False)
    assert [(f.name, str(f.field_type), f.required) for f in iceberg.fields] == [
        ("i8", "int", True), ("l", "long", False), ("ts", "timestamptz", True), ("d", "decimal(38, 3)", True),
        ("day", "date", True), ("tags", "list<string>", True)]
    assert all(not f.required for f in record_schema(schema, None, True).fields)  # schema-force-optional
    spec = partition_spec(iceberg, ["hour(ts)", "truncate(d, 10)", "i8", "years(day)"])
    assert [str(f.transform) for f in spec.fields] == ["hour", "truncate[10]", "identity", "year"]


def test_schemaless_values_are_inferred_as_iceberg_infers() -> None:
    from connect_core.connectors.iceberg._types import record_schema

    inferred = record_schema(None, {"a": 1, "b": 1.5, "c": "x", "d": True, "e": None, "f": [1], "g": {"h": 2}},
                             False)
    assert [(f.name, str(f.field_type), f.required) for f in inferred.fields] == [
        ("a", "long", False), ("b", "double", False), ("c", "string", False), ("d", "boolean", False),
        ("f", "list<long>", False), ("g", "struct<7: h: optional long>", False)]


@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_row_writer_agrees_with_to_row(seed: int) -> None:
    """Random Structs (nulls, defaults, values of other types than the column's, a column of another case, columns
    the record lacks) written by ``row_writer`` and by ``to_row``: the same rows, the same errors."""
    import datetime as dt
    import decimal
    import random

    from pyiceberg import types as t
    from pyiceberg.schema import Schema as IcebergSchema

    from connect_core.api.struct import Struct
    from connect_core.connectors.iceberg._types import record_schema, row_writer, to_row

    rng = random.Random(seed)
    connect = (SchemaBuilder.struct()
               .field("id", SchemaBuilder.int64().build())
               .field("name", SchemaBuilder.string().optional().build())
               .field("Qty", SchemaBuilder.int32().optional().default_value(7).build())
               .field("score", SchemaBuilder.float64().optional().build())
               .field("ok", SchemaBuilder.bool().optional().build())
               .field("at", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").optional().build())
               .field("price", SchemaBuilder.bytes().name("org.apache.kafka.connect.data.Decimal")
                      .parameter("scale", "2").optional().build())
               .field("day", SchemaBuilder.int32().name("org.apache.kafka.connect.data.Date").optional().build())
               .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).optional().build())
               .field("n", SchemaBuilder.string().optional().build()).build())
    derived = record_schema(connect, None, False)
    # a table that differs from the records: `qty` in lower case, `n` a long column, `extra` not in the records
    table = IcebergSchema(*[f if f.name not in ("Qty", "n") else f.model_copy(update={
        "name": f.name.lower(), "field_type": t.LongType() if f.name == "n" else f.field_type})
        for f in derived.fields], t.NestedField(99, "extra", t.StringType(), required=False))
    utc = dt.UTC
    pools = {
        "id": [1, 2**40, True, "3"], "name": ["a", "é", 5, None], "Qty": [None, 3, 4.5],
        "score": [0.5, 2, None, "1.5"], "ok": [True, False, "true", 0, None],
        "at": [dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=utc), dt.datetime(2026, 1, 2), 1_700_000_000_000, None],
        "price": [decimal.Decimal("1.50"), decimal.Decimal("2"), decimal.Decimal("1.005"), 3, None],
        "day": [dt.date(2026, 5, 1), dt.datetime(2026, 5, 1, 2, 3), 19000, "2026-05-02", None],
        "tags": [["x", "y"], [], None], "n": ["12", "x", 5, None]}
    for case_insensitive in (False, True):
        write = row_writer(connect, table, case_insensitive)
        for _ in range(300):
            values = [rng.choice(pools[f.name]) for f in connect.fields]
            struct = Struct.from_validated(connect, values)
            try:
                expected: object = to_row(struct, table, case_insensitive)
            except Exception as e:  # the same error either way
                expected = type(e)
            try:
                got: object = write(list(values))
            except Exception as e:
                got = type(e)
            assert got == expected, (seed, case_insensitive, values)
            if isinstance(expected, dict):
                assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]  # type: ignore[union-attr]


def test_schema_updates_as_icebergs_record_converter() -> None:
    """New nested fields under their struct, int32 -> int64 and float32 -> float64 widened, an optional field's
    required column made optional; a schemaless map's new keys (a null adds none)."""
    from pyiceberg import types as t
    from pyiceberg.schema import Schema as IcebergSchema

    from connect_core.api.schema import SchemaBuilder
    from connect_core.api.struct import Struct
    from connect_core.connectors.iceberg._types import schema_updates

    table = IcebergSchema(
        t.NestedField(1, "id", t.IntegerType(), required=True), t.NestedField(2, "price", t.FloatType(), required=True),
        t.NestedField(3, "addr", t.StructType(t.NestedField(4, "city", t.StringType(), required=True)), required=False))
    addr = (SchemaBuilder.struct().field("city", SchemaBuilder.string().optional().build())
            .field("zip", SchemaBuilder.string().optional().build()).build())
    schema = (SchemaBuilder.struct().field("id", SchemaBuilder.int64().build())
              .field("price", SchemaBuilder.float64().optional().build()).field("addr", addr).build())
    value = Struct(schema).put("id", 1).put("price", None).put("addr", Struct(addr).put("city", None).put("zip", "1"))
    updates = schema_updates(table, schema, value, False)
    assert [(path, str(kind)) for path, kind in updates.add] == [(("addr", "zip"), "string")]
    assert [(path, str(kind)) for path, kind in updates.widen] == [(("id",), "long"), (("price",), "double")]
    assert updates.optional == [("price",), ("addr", "city")]
    same = (SchemaBuilder.struct().field("id", SchemaBuilder.int32().build())
            .field("price", SchemaBuilder.float32().build()).build())
    assert not schema_updates(table, same, Struct(same).put("id", 1).put("price", 1.0), False)
    mapped = schema_updates(table, None, {"id": 1, "addr": {"city": "x", "zip": "2"}, "gone": None}, False)
    assert [(path, str(kind)) for path, kind in mapped.add] == [(("addr", "zip"), "string")]
    assert not mapped.widen and not mapped.optional

"""``_columns``: runs of values kept as their JSON text, read into the table's Arrow columns at once, give the very
table the row writer's dict rows give (random flat schemas of every type the converter keeps as text, optional
fields and nulls, the table's own columns: evolved, widened, case-folded, missing), and what the plans decline is
read by rows, the row writer's errors included; the sink stages the same rows either way."""

from __future__ import annotations

import datetime as dt
import decimal
import random
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.converters.json import JsonConverter

if TYPE_CHECKING:
    from pathlib import Path

    from connect_core.api.schema import Schema

pytest.importorskip("pyiceberg")

KINDS = ("int8", "int16", "int32", "int64", "float64", "boolean", "string", "decimal", "timestamp", "date")


def _field_schema(kind: str, optional: bool, rng: random.Random) -> Schema:
    builder = {"int8": SchemaBuilder.int8, "int16": SchemaBuilder.int16, "int32": SchemaBuilder.int32,
               "int64": SchemaBuilder.int64, "float64": SchemaBuilder.float64, "boolean": SchemaBuilder.bool,
               "string": SchemaBuilder.string}.get(kind)
    if builder is not None:
        b = builder()
    elif kind == "decimal":
        b = Decimal.builder(rng.choice([0, 2, 4]))
    elif kind == "timestamp":
        b = Timestamp.builder()
    else:
        b = Date.builder()
    return (b.optional() if optional else b).build()


def _value(fs: Schema, rng: random.Random) -> Any:
    if fs.optional and rng.random() < 0.2:
        return None
    name, kind = fs.name, fs.type.value
    if name == Decimal.LOGICAL_NAME:
        scale = Decimal.scale(fs)
        return decimal.Decimal(rng.choice([0, 1, -1, rng.randint(-10**12, 10**12), rng.randint(-10**25, 10**25)])
                               ).scaleb(-scale)
    if name == Timestamp.LOGICAL_NAME:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=rng.randint(-10**12, 10**12))
    if name == Date.LOGICAL_NAME:
        return dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(-20000, 60000))
    bounds = {"int8": 99, "int16": 9999, "int32": 10**9 - 1, "int64": 10**18 - 1}
    if kind in bounds:
        return rng.choice([0, bounds[kind], -bounds[kind], rng.randint(-bounds[kind], bounds[kind])])
    if kind == "float64":
        return rng.choice([0.0, 0.25, -1.5, 1234567.875, round(rng.uniform(-1e6, 1e6), rng.randint(0, 7))])
    if kind == "boolean":
        return rng.random() < 0.5
    return rng.choice(["", "a", "name-1", "lorem ipsum dolor sit amet"]) + str(rng.randint(0, 999))


def _schema(rng: random.Random, names: list[str] | None = None) -> Schema:
    builder = SchemaBuilder.struct().name("rows")
    for index, name in enumerate(names or [f"f{i}" for i in range(rng.randint(1, 12))]):
        builder.field(name, _field_schema(rng.choice(KINDS) if names is None else KINDS[index % len(KINDS)],
                                          rng.random() < 0.4, rng))
    return builder.build()


def _texts(schema: Schema, count: int, rng: random.Random) -> list[Struct]:
    """``count`` random structs of ``schema`` as the JSON converter reads them back from its own bytes, with lazy
    text (as for a task that ``wants_json_text``)."""
    structs = []
    for _ in range(count):
        struct = Struct(schema)
        for field in schema.fields:
            struct.put(field.name, _value(field.schema, rng))
        structs.append(struct)
    return _read_back(schema, structs)


def _read_back(schema: Schema, structs: list[Struct]) -> list[Struct]:
    """``structs`` written by the JSON converter with schemas and read back by one that keeps lazy text."""
    writer, reader = JsonConverter(), JsonConverter()
    writer.configure({"schemas.enable": "true"}, False)
    reader.configure({"schemas.enable": "true"}, False)
    reader.keep_json_text(lazy=True)
    data = [writer.from_connect_data("t", schema, struct) for struct in structs]
    reader.to_connect_data("t", data[0])  # the envelope remembered: the rest keep their text
    return [value for _, value in reader.to_connect_values(data)]


def _rows_table(values: list[Struct], iceberg: Any, fold: bool) -> Any:
    import pyarrow as pa
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    from connect_core.connectors.iceberg._types import row_writer

    write = row_writer(values[0].schema, iceberg, fold)
    return pa.Table.from_pylist([write(value.values()) for value in values],
                                schema=schema_to_pyarrow(iceberg, include_field_ids=False))


def _variant(connect: Schema, rng: random.Random, variant: str) -> Any:
    """The table's schema for records of ``connect``: as created from them, or as another writer left it."""
    from pyiceberg import types as t
    from pyiceberg.schema import Schema as IcebergSchema

    from connect_core.connectors.iceberg._types import record_schema

    created = record_schema(connect, None, False)
    if variant == "created":
        return created
    fields = list(created.fields)
    if variant == "evolved":  # a column the records lack, as another writer added it
        fields.append(t.NestedField(1000, "added", t.StringType(), required=False))
    elif variant == "widened":
        fields = [f.model_copy(update={"field_type": t.LongType()}) if isinstance(f.field_type, t.IntegerType)
                  else f for f in fields]
    elif variant == "naive":  # timestamps without a zone, as another engine may have made the table
        fields = [f.model_copy(update={"field_type": t.TimestampType()}) if isinstance(f.field_type, t.TimestamptzType)
                  else f for f in fields]
    elif variant == "folded":
        fields = [f.model_copy(update={"name": f.name.upper()}) for f in fields]
    elif variant == "fewer":
        rng.shuffle(fields)
        fields = fields[: max(1, len(fields) // 2)]
    return IcebergSchema(*fields)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("variant", ["created", "evolved", "widened", "naive", "folded", "fewer"])
def test_a_text_run_reads_as_the_row_writers_rows(seed: int, variant: str) -> None:
    from connect_core.connectors.iceberg._columns import columns_plan

    rng = random.Random(seed)
    connect = _schema(rng)
    iceberg = _variant(connect, rng, variant)
    values = _texts(connect, rng.randint(1, 300), rng)
    fold = variant == "folded"
    plan = columns_plan(connect, iceberg, fold)
    assert plan is not None
    kept = [value for value in values if value._text is not None]
    assert len(kept) >= len(values) * 0.8, "the converter keeps most texts: the fast path is what is compared"
    frame = plan.frame([value._text for value in kept])
    assert frame is not None
    expected = _rows_table(kept, iceberg, fold)
    assert frame.equals(expected), (frame.slice(0, 3).to_pylist(), expected.slice(0, 3).to_pylist())


def test_every_type_the_converter_keeps_as_text_has_a_plan() -> None:
    from connect_core.connectors.iceberg._columns import columns_plan

    rng = random.Random(1)
    connect = _schema(rng, [f"c{i}" for i in range(len(KINDS))])
    values = _texts(connect, 50, rng)
    plan = columns_plan(connect, _variant(connect, rng, "created"), False)
    assert plan is not None
    assert all(value._text is not None for value in values[1:])
    assert plan.frame([value._text for value in values[1:]]).equals(
        _rows_table(values[1:], _variant(connect, rng, "created"), False))


def test_pairs_the_row_writer_converts_otherwise_are_read_by_rows() -> None:
    """No plan for a nested or unkept field, a float column for a double, a decimal of another scale, a required
    column an optional field feeds or the record lacks."""
    from pyiceberg import types as t
    from pyiceberg.schema import Schema as IcebergSchema

    from connect_core.connectors.iceberg._columns import columns_plan

    double = SchemaBuilder.struct().field("x", SchemaBuilder.float64().build()).build()
    optional = SchemaBuilder.struct().field("x", SchemaBuilder.string().optional().build()).build()
    price = SchemaBuilder.struct().field("x", Decimal.builder(2).build()).build()
    nested = SchemaBuilder.struct().field("x", SchemaBuilder.struct().field("y", SchemaBuilder.int32().build())
                                          .build()).build()
    text = SchemaBuilder.struct().field("x", SchemaBuilder.string().build()).build()
    for connect, column in [(double, t.NestedField(1, "x", t.FloatType())),
                            (optional, t.NestedField(1, "x", t.StringType(), required=True)),
                            (price, t.NestedField(1, "x", t.DecimalType(38, 3))),
                            (nested, t.NestedField(1, "x", t.StructType(t.NestedField(2, "y", t.IntegerType())))),
                            (text, t.NestedField(1, "x", t.TimestamptzType())),
                            (text, t.NestedField(1, "z", t.StringType(), required=True))]:
        assert columns_plan(connect, IcebergSchema(column), False) is None, (connect, column)


def test_a_decimal_the_row_writer_refuses_declines_the_frame() -> None:
    """A decimal of more digits than ``quantize`` keeps in the context: the row writer's error, so no frame."""
    from connect_core.connectors.iceberg._columns import columns_plan
    from connect_core.connectors.iceberg._types import record_schema

    connect = SchemaBuilder.struct().field("x", Decimal.builder(0).build()).build()
    values = _texts_of(connect, [decimal.Decimal(7), decimal.Decimal(10**30)])
    plan = columns_plan(connect, record_schema(connect, None, False), False)
    assert plan is not None and values[1]._text is not None
    assert plan.frame([values[1]._text]) is None
    assert plan.frame([values[0]._text]) is not None


def _texts_of(schema: Schema, xs: list[Any]) -> list[Struct]:
    return _read_back(schema, [Struct(schema).put("x", x) for x in xs])


def _task(tmp_path: Path, table: str) -> Any:
    from connect_core.api.file_roots import FileRoots
    from connect_core.api.task import SinkTaskContext
    from connect_core.connectors.iceberg.sink_task import IcebergSinkTask

    props = {"name": "cols", "connector.class": "org.apache.iceberg.connect.IcebergSinkConnector", "topics": "t",
             "iceberg.tables": table, "iceberg.tables.auto-create-enabled": "true", "iceberg.catalog": "c",
             "iceberg.catalog.type": "jdbc", "iceberg.catalog.uri": f"jdbc:sqlite:{tmp_path}/c.db",
             "iceberg.catalog.warehouse": f"file://{tmp_path}/wh", "iceberg.control.commit.interval-ms": "0"}
    task = IcebergSinkTask()
    task.initialize(SinkTaskContext(props, file_roots=FileRoots([str(tmp_path)])))
    task.start(props)
    return task


def test_the_sink_stages_the_same_rows_from_texts_and_from_structs(tmp_path: Path) -> None:
    """Runs of two schemas, texts and plain structs interleaved, into one table each way: the same rows in the same
    order (a text run is read as a frame between the structs' rows)."""
    from connect_core.api.task import TopicPartition

    rng = random.Random(7)
    names = [f"c{i}" for i in range(len(KINDS))]
    first = _schema(rng, names)
    second = SchemaBuilder.struct().name("rows")  # the same fields, decimals of another scale: declined, by rows
    for field in first.fields:
        fs = field.schema
        if fs.name == Decimal.LOGICAL_NAME:
            fs = (Decimal.builder(Decimal.scale(fs) + 1).optional() if fs.optional
                  else Decimal.builder(Decimal.scale(fs) + 1)).build()
        second.field(field.name, fs)
    second = second.build()
    mixed: list[Any] = []
    for schema in (first, second, first):
        mixed += _texts(schema, 40, rng)
    plain = []
    for value in mixed:
        struct = Struct(value.schema)
        for field in value.schema.fields:
            struct.put(field, value.get(field))
        plain.append(struct)
    for i in range(0, len(mixed), 5):
        mixed[i] = plain[i]  # a struct without text now and then
    read = []
    for name, values in (("db.texts", mixed), ("db.plain", plain)):
        task = _task(tmp_path, name)
        records = [SinkRecord("t", 0, None, None, value.schema, value, offset) for offset, value in enumerate(values)]
        task.put(records)
        task.pre_commit({TopicPartition("t", 0): len(records)})
        read.append(task._catalog_now().load_table(name).scan().to_arrow())
        task.stop()
    assert read[0].num_rows == len(mixed)
    assert read[0].equals(read[1])


def test_a_text_the_row_writer_refuses_fails_put_with_its_records_error(tmp_path: Path) -> None:
    connect = SchemaBuilder.struct().field("x", Decimal.builder(0).build()).build()
    values = _texts_of(connect, [decimal.Decimal(1), decimal.Decimal(2), decimal.Decimal(10**30)])
    task = _task(tmp_path, "db.big")
    with pytest.raises(DataError, match="topic: t, partition, 0, offset: 2"):
        task.put([SinkRecord("t", 0, None, None, connect, value, offset) for offset, value in enumerate(values)])

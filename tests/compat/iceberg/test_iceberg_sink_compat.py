"""Our Iceberg sink against Apache Iceberg's own (``IcebergSinkConnector`` 1.10.1 on a Kafka Connect 4.3.1 worker)
on the same topic: JsonConverter records with schemas (Timestamp, Decimal, an optional field added midway), two
partitions, each sink writing its own auto-created, partitioned, schema-evolving table of one JDBC catalog
(PostgreSQL) with files on LocalStack's S3. Both tables are read by pyiceberg and by Iceberg's Java library
(``IcebergReadOracle.java``): rows, schema (field ids, types, required), partition spec and the snapshot summary keys
of Iceberg's coordinator must agree, except where docs/connectors/iceberg.md says our design differs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.api.record import SinkRecord
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.converters.json import JsonConverter
from tests.compat._oracle import require_tool
from tests.compat.iceberg.conftest import plugin_classpath

if TYPE_CHECKING:
    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")

HERE = Path(__file__).resolve().parent
COUNT = 200  # records; the last EVOLVED_FROM of them carry the added optional field
EVOLVED_FROM = 150
PARTITIONS = 2
PARTITION_BY = "day(ts),bucket(id, 4)"
T0 = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)


ADDRESS = (SchemaBuilder.struct().name("address").field("city", SchemaBuilder.string().build())
           .field("zip", SchemaBuilder.int32().optional().build()).build())


def _schema(evolved: bool) -> Schema:
    builder = (SchemaBuilder.struct().name("orders")
               .field("id", SchemaBuilder.int64().build())
               .field("name", SchemaBuilder.string().optional().build())
               .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").version(1).build())
               .field("amount", SchemaBuilder.bytes().name("org.apache.kafka.connect.data.Decimal").version(1)
                      .parameter("scale", "2").optional().build())
               .field("tags", SchemaBuilder.array(SchemaBuilder.string().build()).build())
               .field("attrs", SchemaBuilder.map(SchemaBuilder.string().build(),
                                                 SchemaBuilder.int64().optional().build()).optional().build())
               .field("address", ADDRESS))
    if evolved:
        builder = builder.field("note", SchemaBuilder.string().optional().build())
    return builder.build()


def _value(i: int) -> Struct:
    value = (Struct(_schema(i >= EVOLVED_FROM)).put("id", i).put("name", None if i % 7 == 0 else f"n{i}")
             .put("ts", T0 + dt.timedelta(hours=i)).put("amount", decimal.Decimal(i * 25 - 1000).scaleb(-2))
             .put("tags", [f"t{j}" for j in range(i % 3)]).put("attrs", None if i % 5 == 0 else {"n": i, "none": None})
             .put("address", Struct(ADDRESS).put("city", f"c{i % 4}").put("zip", None if i % 2 else 10000 + i)))
    if i >= EVOLVED_FROM:
        value.put("note", f"note {i}")
    return value


def _expected(ids: range = range(COUNT)) -> list[dict[str, Any]]:
    """Every row as both readers normalize it: timestamptz as epoch microseconds, decimals as plain strings."""
    rows = []
    for i in ids:
        value = _value(i)
        rows.append({"id": i, "name": value.get("name"),
                     "ts": int((value.get("ts") - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds()) * 10**6,
                     "amount": str(value.get("amount")), "tags": [f"t{j}" for j in range(i % 3)],
                     "attrs": None if i % 5 == 0 else {"n": i, "none": None},
                     "address": {"city": f"c{i % 4}", "zip": None if i % 2 else 10000 + i},
                     "note": f"note {i}" if i >= EVOLVED_FROM else None})
    return rows


def _produce(bootstrap: str, topic: str, ids: range = range(COUNT), *,
             after: list[int] | None = None) -> list[SinkRecord]:
    """The records as JsonConverter bytes on ``topic`` (partition ``i % 2``; created, or with ``after`` records on
    each partition already), and as our sink decodes the same bytes."""
    if after is None:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, False)
    producer = Producer({"bootstrap.servers": bootstrap})
    decoded: list[SinkRecord] = []
    offsets = list(after) if after is not None else [0] * PARTITIONS
    for i in ids:
        partition = i % PARTITIONS
        value = _value(i)
        data = converter.from_connect_data(topic, value.schema, value)
        producer.produce(topic, data, partition=partition)
        back = converter.to_connect_data(topic, data)
        decoded.append(SinkRecord(topic, partition, None, None, back.schema, back.value, offsets[partition]))
        offsets[partition] += 1
    assert producer.flush(30) == 0
    return decoded


def _run_ours(props: dict[str, str], records: list[SinkRecord]) -> None:
    """Our sink as invocations of 50 records each (a cold task per invocation), each committing its files."""
    from connect_core.api.task import SinkTaskContext
    from connect_core.api.task import TopicPartition as ConnectTopicPartition
    from connect_core.connectors.iceberg.sink_task import IcebergSinkTask

    for start in range(0, len(records), 50):
        batch = records[start:start + 50]
        task = IcebergSinkTask()
        task.initialize(SinkTaskContext(props))
        task.start(props)
        task.put(batch)
        task.pre_commit({ConnectTopicPartition(r.topic, r.kafka_partition or 0): r.kafka_offset + 1 for r in batch})
        task.stop()


def _load(props: dict[str, str], name: str) -> Any:
    from connect_core.connectors.iceberg.config import load_config
    from connect_core.connectors.iceberg.sink_task import open_catalog

    return open_catalog(load_config(props)).load_table(name)


def _total_records(props: dict[str, str], name: str) -> int:
    from pyiceberg.exceptions import NoSuchTableError

    try:
        snapshot = _load(props, name).current_snapshot()
    except NoSuchTableError:
        return 0
    return int(snapshot.summary.additional_properties.get("total-records", 0)) if snapshot else 0


def _java_read(props: dict[str, str], directory: Path, *tables: str) -> dict[str, dict[str, Any]]:
    """Iceberg's Java library reads ``tables`` (IcebergReadOracle.java): {table: {schema, spec, summary, rows}}."""
    catalog = {key.removeprefix("iceberg.catalog."): value for key, value in props.items()
               if key.startswith("iceberg.catalog.")}
    properties = directory / "catalog.properties"
    properties.write_text("".join(f"{key}={value}\n" for key, value in {"name": props["iceberg.catalog"],
                                                                       **catalog}.items()))
    result = subprocess.run(
        [require_tool("java"), "-cp", ":".join(plugin_classpath()), str(HERE / "IcebergReadOracle.java"),
         str(properties), *tables], capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {line["table"]: line for line in lines}


def _create_jvm_connector(worker: ConnectWorker, common: dict[str, str], *, connector: str, topic: str, table: str,
                          control: str) -> None:
    """Iceberg's sink on ``topic`` into ``table`` (JsonConverter with schemas, a 2 s commit interval)."""
    shared = {key: value for key, value in common.items() if key != "name"}
    status, body = worker.rest("PUT", f"/connectors/{connector}/config", {
        **shared, "connector.class": "org.apache.iceberg.connect.IcebergSinkConnector", "tasks.max": "1",
        "topics": topic, "iceberg.tables": table, "iceberg.control.topic": control,
        "iceberg.control.commit.interval-ms": "2000",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
        "consumer.override.auto.offset.reset": "earliest"})
    assert status in (200, 201), body


@dataclass(frozen=True)
class Written:
    """Both sinks' tables after the same records: our props, the table names, the JVM's connector and control topic,
    and what Iceberg's Java library read from both tables."""

    props: dict[str, str]
    jvm: str
    ours: str
    connector: str
    control: str
    topic: str
    java: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def written(iceberg_worker: ConnectWorker, catalog_props: dict[str, str], kafka_bootstrap: str,
            tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The JVM sink consumes the topic into ``<ns>.jvm``; ours writes the same decoded records into ``<ns>.ours``."""
    suffix = uuid.uuid4().hex[:8]
    topic, control, connector, ns = f"ice-cmp-{suffix}", f"ice-cmp-control-{suffix}", f"ice-cmp-{suffix}", \
        f"cmp_{suffix}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(control, 1, 1)])[control].result(30)
    records = _produce(kafka_bootstrap, topic)
    common = {**catalog_props, "iceberg.tables.auto-create-enabled": "true",
              "iceberg.tables.evolve-schema-enabled": "true", "iceberg.tables.default-partition-by": PARTITION_BY}
    _create_jvm_connector(iceberg_worker, common, connector=connector, topic=topic, table=f"{ns}.jvm", control=control)
    ours = {**common, "name": connector, "connector.class": "org.apache.iceberg.connect.IcebergSinkConnector",
            "iceberg.tables": f"{ns}.ours", "iceberg.control.commit.interval-ms": "0",
            "iceberg.control.topic": control}
    _run_ours(ours, records)
    iceberg_worker.wait_for("the JVM sink's commits of every record",
                            lambda: _total_records(ours, f"{ns}.jvm") == COUNT, 240)
    status, body = iceberg_worker.rest("DELETE", f"/connectors/{connector}")
    assert status == 204, body
    java = _java_read(common, tmp_path_factory.mktemp("iceberg-read"), f"{ns}.jvm", f"{ns}.ours")
    return Written(ours, f"{ns}.jvm", f"{ns}.ours", connector, control, topic, java)


def _rows_pyiceberg(table: Any) -> list[dict[str, Any]]:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    rows = []
    for row in table.scan().to_arrow().to_pylist():
        rows.append({**row, "ts": (row["ts"] - epoch) // dt.timedelta(microseconds=1), "amount": str(row["amount"]),
                     "attrs": None if row["attrs"] is None else dict(row["attrs"])})
    return sorted(rows, key=lambda r: r["id"])


def test_both_readers_see_the_same_rows_in_both_tables(written: Written) -> None:
    """pyiceberg and Iceberg's Java library each read both tables: every record once, equal values."""
    expected = _expected()
    assert _rows_pyiceberg(_load(written.props, written.jvm)) == expected
    assert _rows_pyiceberg(_load(written.props, written.ours)) == expected
    for name in (written.jvm, written.ours):
        assert sorted(written.java[name]["rows"], key=lambda r: r["id"]) == expected, name


def test_schema_field_ids_types_and_evolution_match(written: Written) -> None:
    """Same fields, ids, types and required flags: Timestamp as timestamptz, Decimal as decimal(38, 2), the field
    added midway an optional column with the next id; as Java reads the schema too."""
    jvm, ours = _load(written.props, written.jvm), _load(written.props, written.ours)

    def fields(table: Any) -> list[tuple[int, str, str, bool]]:
        return [(f.field_id, f.name, str(f.field_type), f.required) for f in table.schema().fields]

    assert fields(ours) == fields(jvm) == [
        (1, "id", "long", True), (2, "name", "string", False), (3, "ts", "timestamptz", True),
        (4, "amount", "decimal(38, 2)", False), (5, "tags", "list<string>", True),
        (6, "attrs", "map<string, long>", False), (7, "address", "struct<11: city: required string, 12: zip: "
                                                                  "optional int>", True),
        (13, "note", "string", False)]
    java_jvm, java_ours = written.java[written.jvm]["schema"], written.java[written.ours]["schema"]
    assert java_ours["fields"] == java_jvm["fields"]  # with the ids of list elements, map keys and values
    assert java_ours.get("identifier-field-ids") == java_jvm.get("identifier-field-ids")


def test_partition_specs_match(written: Written) -> None:
    """``day(ts),bucket(id, 4)``: the same source ids, partition field ids, names and transforms."""
    jvm, ours = _load(written.props, written.jvm), _load(written.props, written.ours)

    def spec(table: Any) -> list[tuple[int, int, str, str]]:
        return [(f.source_id, f.field_id, f.name, str(f.transform)) for f in table.spec().fields]

    assert spec(ours) == spec(jvm) == [(3, 1000, "ts_day", "day"), (1, 1001, "id_bucket", "bucket[4]")]
    assert written.java[written.ours]["spec"] == written.java[written.jvm]["spec"]


def test_table_properties_match(written: Written) -> None:
    """The properties Iceberg's Java library puts on a new table (``write.parquet.compression-codec=zstd``)."""
    jvm, ours = _load(written.props, written.jvm), _load(written.props, written.ours)
    assert ours.properties == jvm.properties == {"write.parquet.compression-codec": "zstd"}
    assert ours.format_version == jvm.format_version == 2


def test_snapshot_summaries_carry_the_coordinators_keys(written: Written) -> None:
    """The JVM's summary: ``kafka.connect.commit-id`` (a UUID) and ``kafka.connect.offsets.<control topic>.connect-
    <name>`` (control-topic partition -> offset). Ours: the same two keys (the control-topic offsets as the table's
    newest snapshot carrying them left them: none here, ``{}``), and the source offsets under
    ``lambda-connect.offsets.connect-<name>`` (no control topic exists; docs/connectors/iceberg.md)."""
    group = f"connect-{written.connector}"
    jvm = written.java[written.jvm]["summary"]
    ours = written.java[written.ours]["summary"]
    assert uuid.UUID(jvm["kafka.connect.commit-id"]) and uuid.UUID(ours["kafka.connect.commit-id"])
    control_offsets = json.loads(jvm[f"kafka.connect.offsets.{written.control}.{group}"])
    assert set(control_offsets) == {"0"} and control_offsets["0"] > 0  # the control topic's one partition
    assert json.loads(ours[f"lambda-connect.offsets.{group}"]) == {written.topic: {"0": COUNT // 2, "1": COUNT // 2}}
    assert json.loads(ours[f"kafka.connect.offsets.{written.control}.{group}"]) == {}
    assert jvm["total-records"] == ours["total-records"] == str(COUNT)
    assert {key for key in jvm if key.startswith("kafka.connect.")} - {key for key in ours} <= {
        "kafka.connect.valid-through-ts"}


def test_the_jvm_sinks_source_offsets_are_the_consumer_groups(written: Written, kafka_bootstrap: str) -> None:
    """Where the JVM keeps what ours keeps in the summary: the source offsets in the group ``connect-<name>``."""
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"connect-{written.connector}"})
    try:
        committed = consumer.committed([TopicPartition(written.topic, p) for p in range(PARTITIONS)], timeout=30)
    finally:
        consumer.close()
    assert {tp.partition: tp.offset for tp in committed} == {0: COUNT // 2, 1: COUNT // 2}


def test_each_sink_appends_to_the_table_the_other_wrote(iceberg_worker: ConnectWorker, written: Written,
                                                       kafka_bootstrap: str,
                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """Ours creates a table and commits 60 records; Iceberg's sink appends 40 of another topic to it (Java writing on
    pyiceberg's metadata, and evolving its schema with ``note``); ours then gets its last 20 records again with 40
    new ones: none twice (its offsets are found behind the JVM's snapshot), every row read by both readers."""
    suffix = uuid.uuid4().hex[:8]
    ours_topic, jvm_topic, control = f"ice-mix-{suffix}", f"ice-mix-jvm-{suffix}", f"ice-mix-control-{suffix}"
    table, connector = f"{written.ours.split('.')[0]}.shared_{suffix}", f"ice-mix-{suffix}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(control, 1, 1)])[control].result(30)
    props = {**written.props, "name": f"ours-{suffix}", "iceberg.tables": table}
    ours_ids, jvm_ids = range(0, 100), range(COUNT, COUNT + 40)
    records = _produce(kafka_bootstrap, ours_topic, ours_ids)
    _run_ours(props, records[:60])

    _produce(kafka_bootstrap, jvm_topic, jvm_ids)
    _create_jvm_connector(iceberg_worker, written.props, connector=connector, topic=jvm_topic, table=table,
                          control=control)
    iceberg_worker.wait_for("the JVM sink's append to our table", lambda: _total_records(props, table) == 100, 240)
    status, body = iceberg_worker.rest("DELETE", f"/connectors/{connector}")
    assert status == 204, body
    _run_ours(props, records[40:])

    loaded = _load(props, table)
    expected = _expected(ours_ids) + _expected(jvm_ids)
    assert _rows_pyiceberg(loaded) == expected
    java = _java_read(props, tmp_path_factory.mktemp("iceberg-mix"), table)[table]
    assert sorted(java["rows"], key=lambda r: r["id"]) == expected
    assert [f.name for f in loaded.schema().fields][-1] == "note"
    summary = loaded.current_snapshot().summary.additional_properties
    assert json.loads(summary[f"lambda-connect.offsets.connect-{props['name']}"]) == {ours_topic: {"0": 50, "1": 50}}


def _group_offsets(bootstrap: str, group: str, topic: str) -> list[int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        committed = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=30)
    finally:
        consumer.close()
    return [tp.offset for tp in sorted(committed, key=lambda tp: tp.partition)]


def _commit_group(bootstrap: str, group: str, topic: str, offsets: list[int]) -> None:
    """What the event source mapping does after our invocation returned: the group's commit."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in enumerate(offsets)], asynchronous=False)
    finally:
        consumer.close()


def test_a_table_moves_from_the_jvm_sink_to_ours_and_back_without_a_lost_or_duplicated_row(
        iceberg_worker: ConnectWorker, written: Written, kafka_bootstrap: str) -> None:
    """One connector, topic, control topic and table: Iceberg's sink takes 100 records and is deleted; ours (the
    same name, so the same group ``connect-<name>``) goes on from the group's offsets with 60 more, and its snapshot
    carries the JVM's control-topic offsets as the JVM left them; Iceberg's sink, created again, goes on from the
    group ours committed with 40 more and commits them past our snapshot. Every record once."""
    suffix = uuid.uuid4().hex[:8]
    topic, control, connector = f"ice-move-{suffix}", f"ice-move-control-{suffix}", f"ice-move-{suffix}"
    table, group = f"{written.ours.split('.')[0]}.moved_{suffix}", f"connect-{connector}"
    offsets_key = f"kafka.connect.offsets.{control}.{group}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(control, 1, 1)])[control].result(30)
    props = {**written.props, "name": connector, "iceberg.tables": table, "iceberg.control.topic": control}

    _produce(kafka_bootstrap, topic, range(0, 100))
    _create_jvm_connector(iceberg_worker, written.props, connector=connector, topic=topic, table=table,
                          control=control)
    iceberg_worker.wait_for("the JVM sink's first 100", lambda: _total_records(props, table) == 100, 240)
    status, body = iceberg_worker.rest("DELETE", f"/connectors/{connector}")
    assert status == 204, body
    jvm_left = _load(props, table).current_snapshot().summary.additional_properties[offsets_key]

    start = _group_offsets(kafka_bootstrap, group, topic)
    assert start == [50, 50]  # the JVM sink's group: every record it committed to the table
    ours = _produce(kafka_bootstrap, topic, range(100, 160), after=start)
    _run_ours(props, ours)
    _commit_group(kafka_bootstrap, group, topic, [80, 80])
    summary = _load(props, table).current_snapshot().summary.additional_properties
    assert summary[offsets_key] == jvm_left  # the JVM's control-topic offsets, carried
    assert json.loads(summary[f"lambda-connect.offsets.{group}"]) == {topic: {"0": 80, "1": 80}}
    assert _rows_pyiceberg(_load(props, table)) == _expected(range(160))

    _produce(kafka_bootstrap, topic, range(160, 200), after=[80, 80])
    _create_jvm_connector(iceberg_worker, written.props, connector=connector, topic=topic, table=table,
                          control=control)
    iceberg_worker.wait_for("the JVM sink's last 40", lambda: _total_records(props, table) == 200, 300)
    status, body = iceberg_worker.rest("DELETE", f"/connectors/{connector}")
    assert status == 204, body
    assert _rows_pyiceberg(_load(props, table)) == _expected(range(200))
    assert _group_offsets(kafka_bootstrap, group, topic) == [100, 100]
    after = json.loads(_load(props, table).current_snapshot().summary.additional_properties[offsets_key])
    assert after["0"] > json.loads(jvm_left)["0"]

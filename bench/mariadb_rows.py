"""The dataset's MariaDB rows as the JDBC and CDC rows use them: both sides' connector configs, the raw floors'
encodings and writes, and the tables a CDC repetition copies."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from bench import common, dataset, mapping

if TYPE_CHECKING:
    from bench.common import Sample

DEBEZIUM = "io.debezium:debezium-connector-jdbc:3.2.0.Final"
DEBEZIUM_MARIADB = "io.debezium:debezium-connector-mariadb:3.2.0.Final"
JDBC_BATCH_SIZE = "3000"  # 4b: batch.size of both JDBC sinks (Confluent's key and Debezium's; Debezium's default 500)
JSON = "org.apache.kafka.connect.json.JsonConverter"
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DAY = dt.date(1970, 1, 1)
_MS = dt.timedelta(milliseconds=1)
CONVERTERS = {"key.converter": JSON, "value.converter": JSON}
UPSERT_COLUMNS = dataset.COLUMNS
SMT_CHAIN = {
    "transforms": "insert,replace,mask",
    "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.insert.static.field": "source", "transforms.insert.static.value": "mariadb",
    "transforms.replace.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.replace.exclude": "note", "transforms.replace.renames": "qty:quantity",
    "transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value", "transforms.mask.fields": "name",
}


UNWRAP = {"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}


def table_count(db: dict[str, str], table: str, expected: int) -> int:
    """Rows in ``table``, counted only once its highest id reaches ``expected`` (the rows have ids 1..expected):
    the poll reads the primary key's last entry, not a ``COUNT(*)`` of up to a million rows every second."""
    conn = dataset.connect(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM `{table}`")
            highest = cursor.fetchone()[0]
            if highest is None or int(highest) < expected:
                return 0
            cursor.execute(f"SELECT COUNT(*) FROM `{table}`")
            return int(cursor.fetchone()[0])
    except Exception:  # the table does not exist until the sink creates it
        return 0
    finally:
        conn.close()


def _field(kind: str, name: str, *, optional: bool = False, logical: str | None = None,
           params: dict[str, str] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": kind, "optional": optional}
    if logical:
        node["name"] = f"org.apache.kafka.connect.data.{logical}"
        node["version"] = 1
    if params:
        node["parameters"] = params
    node["field"] = name
    return node


def raw_schema(table: str, *, smts: bool) -> bytes:
    """The schema half of the envelope, written once by hand (what a no-framework producer would do)."""
    fields = [
        _field("int64", "id"), _field("string", "name"), _field("int32", "quantity" if smts else "qty"),
        _field("bytes", "price", logical="Decimal", params={"scale": "2", "connect.decimal.precision": "12"}),
        _field("double", "score"), _field("int8", "active"), _field("int64", "created_at", logical="Timestamp"),
        _field("int32", "day", logical="Date"),
    ]
    if not smts:
        fields.append(_field("string", "note", optional=True))
    fields.append(_field("int16", "category"))
    if smts:
        fields.append(_field("string", "source", optional=True))
    schema = {"type": "struct", "fields": fields, "optional": False, "name": table}
    return json.dumps(schema, separators=(",", ":")).encode()


def _decimal_b64(value: Any) -> str:
    unscaled = int(value.scaleb(2))
    return base64.b64encode(unscaled.to_bytes(unscaled.bit_length() // 8 + 1, "big", signed=True)).decode()


def raw_payload(row: tuple[Any, ...], *, smts: bool) -> dict[str, Any]:
    """The payload of one row, converted by hand exactly as Connect's logical types require."""
    rid, name, qty, price, score, active, created, day, note, category = row
    payload = {"id": rid, "name": "" if smts else name, "quantity" if smts else "qty": qty,
               "price": _decimal_b64(price), "score": score, "active": active,
               "created_at": (created - _EPOCH) // _MS, "day": (day - _EPOCH_DAY).days}
    if not smts:
        payload["note"] = note
    payload["category"] = category
    if smts:
        payload["source"] = "mariadb"
    return payload


def source_config(db: dict[str, str], table: str, topic_prefix: str, batch: int, *, smts: bool) -> dict[str, str]:
    """JdbcSourceConnector config (Confluent keys) for ``table``."""
    config = {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "1",
              "connection.url": db["connection.url"], "connection.user": db["user"],
              "connection.password": db["password"], "mode": "incrementing", "incrementing.column.name": "id",
              "table.whitelist": table, "topic.prefix": topic_prefix, "batch.max.rows": str(batch),
              "key.converter": JSON, "value.converter": JSON}
    return config | SMT_CHAIN if smts else config


def mariadb_config(db: dict[str, str], table: str) -> dict[str, str]:
    """JdbcSinkConnector upsert on the record key (Confluent keys)."""
    return {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "connection.url": db["connection.url"],
            "connection.user": db["user"], "connection.password": db["password"], "insert.mode": "upsert",
            "pk.mode": "record_key", "pk.fields": "id", "auto.create": "true", "table.name.format": table,
            "batch.size": "3000"}


def debezium_sink_config(db: dict[str, str], topic: str, table: str, pk_mode: str) -> dict[str, str]:
    """Debezium's JDBC sink upserting ``topic`` into ``table`` on ``id`` (``primary.key.mode`` ``pk_mode``, the
    key's fields or the value's ``id``), with ours' ``batch.size`` (``JDBC_BATCH_SIZE``): configured alike."""
    config = {"connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "tasks.max": "1",
              "topics": topic, "connection.url": f"jdbc:mariadb://{db['host']}:{db['port']}/{db['database']}",
              "connection.username": db["user"], "connection.password": db["password"],
              "insert.mode": "upsert", "primary.key.mode": pk_mode, "schema.evolution": "basic",
              "collection.name.format": table, "table.name.format": table, "batch.size": JDBC_BATCH_SIZE}
    return config | ({"primary.key.fields": "id"} if pk_mode == "record_value" else {})


def debezium_mariadb_config(db: dict[str, str], name: str, bootstrap: str, tables: str,
                            **overrides: str) -> dict[str, str]:
    """Debezium's ``MariaDbConnector`` capturing ``tables`` (a regex of table names in the bench's database) under
    topic prefix ``name``, with its schema history in ``<name>-history``; ``overrides`` on top (snapshot mode,
    converters, batch sizes)."""
    import random

    return {"connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
            "database.hostname": db["host"], "database.port": db["port"], "database.user": db["user"],
            "database.password": db["password"], "database.server.id": str(random.randint(30_001, 40_000)),
            "topic.prefix": name, "table.include.list": f"{db['database']}\\.({tables})",
            "include.schema.changes": "false", "snapshot.locking.mode": "none",
            "schema.history.internal.kafka.bootstrap.servers": bootstrap,
            "schema.history.internal.kafka.topic": f"{name}-history",
            "schema.history.internal.store.only.captured.databases.ddl": "true",
            "schema.history.internal.store.only.captured.tables.ddl": "true",
            "key.converter": JSON, "value.converter": JSON, "topic.creation.default.replication.factor": "1",
            "topic.creation.default.partitions": "1", **overrides}


def ours_source(cluster: common.Cluster, db: dict[str, str], table: str, *, topic_prefix: str, records: int,
                batch: int) -> int:
    """The pair's source half (4p, 4q): ``SourceRunner`` invocations of our JdbcSourceConnector, one after the
    other as the schedule's ticks would call them, until all ``records`` rows of ``table`` are in
    ``topic_prefix + table`` (an invocation ends at its share of the tick: a loaded machine needs a second one at a
    million rows); how many it took."""
    from connect_core.runtime.source_runner import SourceRunner

    source = common.unique("psrc")
    config = source_config(db, table, topic_prefix, batch, smts=False)
    cluster.deploy(source, config, config | {"tables": f"`{db['database']}`.`{table}`"})
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    produced = invocations = 0
    try:
        while produced < records:
            moved = runner.run(source, 0, common.budget()).records
            invocations += 1
            if not moved:
                break
            produced += moved
    finally:
        runner.close()
    if produced != records:
        raise RuntimeError(f"{invocations} source invocations produced {produced} of {records} rows")
    return invocations


def raw_source(db: dict[str, str], bootstrap: str, table: str, topic: str, *, batch: int) -> int:
    """The least a Python function does for the source half, with the driver shortcuts ours uses
    (``connectors/jdbc/_mysql_driver.py``: DATETIME and DATE decoded by ``fromisoformat``, rows read by the generated
    row reader of the streaming cursor): ``SELECT * ... WHERE id > -1 ORDER BY id`` read ``batch`` rows at a time,
    each row's JsonConverter envelope built by ``orjson.dumps`` of its payload behind the schema text written once,
    produced by an idempotent producer without transactions, offsets or a poll per record, one flush at the end."""
    import orjson
    from confluent_kafka import Producer

    from connect_core.connectors.jdbc._mysql_driver import conversions, streaming_cursor_class

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5,
                         "delivery.report.only.error": True})
    conn = dataset.connect(db, conv=conversions())
    head, dumps, sent = b'{"schema":' + raw_schema(table, smts=False) + b',"payload":', orjson.dumps, 0
    try:
        cursor = conn.cursor(streaming_cursor_class())
        cursor.execute(f"SELECT * FROM `{table}` WHERE `id` > %s ORDER BY `id` ASC", (-1,))
        while rows := cursor.fetchmany(batch):
            for row in rows:
                mapping.produce_waiting(producer, topic, head + dumps(raw_payload(row, smts=False)) + b"}")
            sent += len(rows)
        cursor.close()
    finally:
        conn.close()
    if producer.flush(60):
        raise RuntimeError(f"{topic}: records left unsent after 60 s")
    return sent


def debezium_snapshot(db: dict[str, str], bootstrap: str, name: str, table: str,
                      batch: int) -> tuple[str, dict[str, str]]:
    """The JVM's source half (4p, 4q): Debezium's ``MariaDbConnector`` ``name`` reading ``table`` as its initial
    snapshot, ``batch`` rows at a time, flattened to the row; its topic (created here, before the measured span, as
    ours' is) and config."""
    topic = f"{name}.{db['database']}.{table}"
    mapping.create_topic(bootstrap, topic)
    mapping.MADE_TOPICS.extend((topic, f"{name}-history"))
    return topic, debezium_mariadb_config(db, name, bootstrap, table, **UNWRAP, **{
        "snapshot.mode": "initial_only", "max.batch.size": str(batch), "snapshot.fetch.size": str(batch)})


def raw_upsert(db: dict[str, str], bootstrap: str, topic: str, table: str, *, records: int, batch: int) -> int:
    """The least a Python function does for 4b (and 4p's sink half) under Lambda's delivery model, with the driver
    shortcuts ours uses (connectors/jdbc/_mysql_literals.py: pymysql's literal text for each column's type, written
    column by column over the batch, strings escaped as one joined text): the topic consumed into the same Lambda
    events, each value decoded (JsonConverter's envelope: the Decimal's unscaled bytes, timestamps and dates from
    their numbers) and the event written as one multi-row ``INSERT ... ON DUPLICATE KEY UPDATE``, then one commit
    per event. No offsets, no table check: nothing can do less and still write the same rows."""
    import operator

    import orjson


    conn = dataset.connect(db, autocommit=False)
    cols = ",".join(f"`{c}`" for c in UPSERT_COLUMNS)
    updates = ",".join(f"`{c}`=VALUES(`{c}`)" for c in UPSERT_COLUMNS if c != "id")
    head = f"INSERT INTO `{table}` ({cols}) VALUES "
    tail = f" ON DUPLICATE KEY UPDATE {updates}"
    b64decode, loads, columns_of = base64.b64decode, orjson.loads, operator.itemgetter(*UPSERT_COLUMNS)

    try:
        with conn.cursor() as cursor:
            cursor.execute(dataset.DDL.format(table=table).replace(" AUTO_INCREMENT", ""))

            def invoke(event: dict[str, Any]) -> int:
                payloads = [loads(b64decode(record["value"]))["payload"]
                            for partition in event["records"].values() for record in partition]
                texts = upsert_literals(list(zip(*map(columns_of, payloads), strict=True)))
                cursor.execute(head + ",".join(map("({})".format, map(",".join, zip(*texts, strict=True)))) + tail)
                conn.commit()
                return len(payloads)

            return mapping.consume_as_mapping(bootstrap, topic, invoke, records=records, batch=batch)
    finally:
        conn.close()


_EPOCH_S = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def upsert_literals(columns: list[tuple[Any, ...]]) -> list[list[str]]:
    """pymysql's literal text of every value of the dataset's ten columns (JsonConverter payload values, column by
    column): integers as ``str``, strings escaped with ``escape_string``'s table over one joined text, the
    DECIMAL(12,2)'s unscaled bytes in plain notation, doubles as ``escape_float``, DATETIME and DATE as ISO text."""
    from pymysql import converters

    table = converters._escape_table  # type: ignore[attr-defined]  # escape_string's
    ids, names, qty, price, score, active, created, days, notes, category = columns

    def quoted(values: Any) -> list[str]:
        return ("'" + "\x01".join(values).translate(table).replace("\x01", "'\x01'") + "'").split("\x01")

    def cents(unscaled: int) -> str:
        digits = str(abs(unscaled)).rjust(3, "0")
        return ("-" if unscaled < 0 else "") + digits[:-2] + "." + digits[-2:]

    present = [n for n in notes if n is not None]
    note_texts = iter(quoted(present) if present else [])
    return [
        list(map(str, ids)), quoted(names), list(map(str, qty)),
        [cents(int.from_bytes(base64.b64decode(b), "big", signed=True)) for b in price],
        [r if "e" in r else r + "e0" for r in map(repr, score)], list(map(str, active)),
        quoted([(_EPOCH_S + dt.timedelta(milliseconds=ms)).isoformat(" ") for ms in created]),
        quoted([dt.date.fromordinal(_EPOCH_ORDINAL + d).isoformat() for d in days]),
        ["NULL" if n is None else next(note_texts) for n in notes], list(map(str, category)),
    ]


def _sql(db: dict[str, str], statement: str) -> None:
    conn = dataset.connect(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


class CopiedTables:
    """The dataset table and the fresh copies of it each repetition makes (one ``INSERT ... SELECT`` each)."""

    def __init__(self, db: dict[str, str], records: int) -> None:
        """Create the dataset table of ``records`` rows."""
        self.db = db
        self.source = common.unique("cdc_src").replace("-", "_")
        dataset.create_table(db, self.source, records)
        self.tables: list[str] = [self.source]

    def new_table(self) -> str:
        """An empty table shaped like the dataset's."""
        table = common.unique("cdc").replace("-", "_")
        _sql(self.db, f"CREATE TABLE `{table}` LIKE `{self.source}`")
        self.tables.append(table)
        return table

    def copy(self, table: str) -> None:
        """Every dataset row into ``table`` in one binlog transaction."""
        _sql(self.db, f"INSERT INTO `{table}` SELECT * FROM `{self.source}`")

    def copy_row(self, table: str, index: int) -> None:
        """The dataset's ``index``-th row into ``table`` (a probe: has the binlog reader started?)."""
        _sql(self.db, f"INSERT INTO `{table}` SELECT * FROM `{self.source}` LIMIT 1 OFFSET {index}")

    def drop(self) -> None:
        """Drop every table this made."""
        dataset.drop_tables(self.db, self.tables)


def ours_capture(cluster: common.Cluster, tables: CopiedTables, records: int) -> Sample:
    """Warm invocations of our MariaDbConnector over a fresh copy (a first one stored the binlog position), one
    after another as the schedule calls them until every row is committed in the table's topic: an invocation that
    ends before (its tick share, or an empty poll while the server is still sending) is followed by the next, and
    the CPU of all of them counts (``counting.until_all_in``)."""
    from bench.counting import CommittedCount, until_all_in
    from connect_core.runtime.source_runner import SourceRunner

    db, table = tables.db, tables.new_table()
    name = prefix = common.unique("cdc").replace("_", "-")
    config = {"connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
              "database.hostname": db["host"], "database.port": db["port"], "database.user": db["user"],
              "database.password": db["password"], "topic.prefix": prefix,
              "table.include.list": f"{db['database']}\\.{table}", "snapshot.mode": "no_data",
              "include.schema.changes": "false", "key.converter": JSON, "value.converter": JSON,
              "key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false",
              "binlog.connector.flavour": "mariadb"}
    cluster.deploy(name, config)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    count = CommittedCount(cluster.worker.kafka.bootstrap_servers, f"{prefix}.{db['database']}.{table}")
    try:
        runner.run(name, 0, common.budget())  # stores the current binlog position (a heartbeat record)
        tables.copy(table)
        return until_all_in(lambda: runner.run(name, 0, common.budget()), count, records, "our CDC capture")[0]
    finally:
        count.close()
        runner.close()

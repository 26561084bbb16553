"""Case 7: binlog change data capture -> Kafka through ``SourceRunner`` versus raw python-mysql-replication.

Each repetition copies the dataset table into a fresh table with one ``INSERT ... SELECT`` (one binlog transaction
of row events) after both sides recorded their start position. Ours: one scheduled invocation (``SourceRunner.run``)
of the MariaDbConnector (``snapshot.mode=no_data``, its position stored by a first invocation), Debezium's envelope
through JsonConverter without schemas, records and offsets in one transaction. Raw limit: ``BinLogStreamReader``
from the same position (non-blocking), the same envelope built as a dict (before/after/source/op/ts_ms) with
``orjson.dumps`` and a transactional confluent-kafka producer. Both read the whole binlog tail (other sessions'
events included) and keep only the table's rows. Records per wall and per CPU second (our side's
``process_time``; the server's work is outside both).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
from typing import TYPE_CHECKING, Any

import orjson

from bench import common, dataset, mariadb_rows

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings

JSON = "org.apache.kafka.connect.json.JsonConverter"
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DAY = dt.date(1970, 1, 1)


def _master_position(db: dict[str, str]) -> tuple[str, int]:
    conn = dataset.connect(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW MASTER STATUS")
            file, pos = cursor.fetchone()[:2]
    finally:
        conn.close()
    return str(file), int(pos)


def _value(v: Any) -> Any:
    """Debezium's value of one column (what our connector writes for the dataset's types)."""
    if isinstance(v, decimal.Decimal):
        unscaled = int(v.scaleb(2))
        return base64.b64encode(unscaled.to_bytes(unscaled.bit_length() // 8 + 1, "big", signed=True)).decode()
    if isinstance(v, dt.datetime):
        return (v - _EPOCH) // dt.timedelta(milliseconds=1)
    if isinstance(v, dt.date):
        return (v - _EPOCH_DAY).days
    return v


def raw_capture(db: dict[str, str], bootstrap: str, start: tuple[str, int], table: str, topic: str) -> int:
    """The raw limit: python-mysql-replication from ``start`` to the end of the binlog, orjson, produce, commit."""
    from confluent_kafka import Producer
    from pymysqlreplication import BinLogStreamReader
    from pymysqlreplication.row_event import WriteRowsEvent

    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": common.unique("raw-cdc-tx"),
                         "linger.ms": 5, "enable.idempotence": True})
    producer.init_transactions(60)
    reader = BinLogStreamReader(
        connection_settings={"host": db["host"], "port": int(db["port"]), "user": db["user"],
                             "password": db["password"]},
        server_id=common_server_id(), resume_stream=True, log_file=start[0], log_pos=start[1], blocking=False,
        only_events=[WriteRowsEvent], enable_logging=False)
    dumps = orjson.dumps
    count = 0
    producer.begin_transaction()
    try:
        for event in reader:
            if event.table != table or event.schema != db["database"]:
                continue
            ts_ms = event.timestamp * 1000
            source = {"version": "raw", "connector": "mariadb", "name": "raw", "ts_ms": ts_ms, "db": event.schema,
                      "table": event.table, "server_id": event.packet.server_id, "file": reader.log_file,
                      "pos": event.packet.log_pos - event.packet.event_size}
            for index, row in enumerate(event.rows):
                after = {k: _value(v) for k, v in row["values"].items()}
                value = {"before": None, "after": after, "source": {**source, "row": index}, "op": "c",
                         "ts_ms": ts_ms}
                producer.produce(topic, dumps(value), key=dumps({"id": after["id"]}))
                producer.poll(0)
                count += 1
        producer.commit_transaction(60)
    finally:
        reader.close()
    return count


_SERVER_IDS = iter(range(7000, 8000))


def common_server_id() -> int:
    """A replica id per raw reader (the server refuses two readers with the same one at once)."""
    return next(_SERVER_IDS)


def run(settings: Settings) -> list[Result]:
    """``settings.repeats`` interleaved repetitions of both sides."""
    svc = common.services("kafka", "mariadb")
    db, bootstrap = svc["mariadb"], svc["kafka"]["bootstrap.servers"]
    tables = mariadb_rows.CopiedTables(db, settings.records)
    cluster = common.Cluster.create(bootstrap)

    def raw(rep: int) -> Sample:
        table = tables.new_table()
        start = _master_position(db)
        tables.copy(table)
        topic = common.unique("raw-cdc")
        return common.measure(lambda: raw_capture(db, bootstrap, start, table, topic))

    try:
        mine, theirs = common.interleave(
            settings.repeats, lambda rep: mariadb_rows.ours_capture(cluster, tables, settings.records), raw
        )
    finally:
        cluster.close()
        tables.drop()
    return [common.throughput_result("7 binlog cdc -> kafka (Debezium envelope)",
                                     "python-mysql-replication + orjson.dumps + confluent-kafka (transactional)",
                                     mine, theirs)]

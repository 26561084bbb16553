"""The raw binlog capture (case 7's baseline, 4d's floor): python-mysql-replication from a position to the end
of the binlog, Debezium's envelope built as a dict, orjson, a transactional confluent-kafka producer."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
from typing import Any

import orjson

from bench import common, dataset

_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DAY = dt.date(1970, 1, 1)


def master_position(db: dict[str, str]) -> tuple[str, int]:
    """The server's binlog file and position now (where a raw reader starts)."""
    conn = dataset.connect(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW MASTER STATUS")
            file, pos = cursor.fetchone()[:2]
    finally:
        conn.close()
    return str(file), int(pos)


def _decimal_b64(v: decimal.Decimal) -> str:
    """A DECIMAL(12,2) as Debezium's precise decimal: base64 of the unscaled value's two's complement."""
    unscaled = int(v.scaleb(2))
    return base64.b64encode(unscaled.to_bytes(unscaled.bit_length() // 8 + 1, "big", signed=True)).decode()


def _epoch_ms(v: dt.datetime) -> int:
    return (v - _EPOCH) // dt.timedelta(milliseconds=1)


def _epoch_days(v: dt.date) -> int:
    return (v - _EPOCH_DAY).days


def _value(v: Any) -> Any:
    """Debezium's value of one column (what our connector writes for the dataset's types)."""
    if isinstance(v, decimal.Decimal):
        return _decimal_b64(v)
    if isinstance(v, dt.datetime):
        return _epoch_ms(v)
    if isinstance(v, dt.date):
        return _epoch_days(v)
    return v


# by binlog column type (NEWDECIMAL, DATETIME2, DATE): the converter the fast reader applies as it reads
_FAST_CONVERTERS: dict[int, Any] = {246: _decimal_b64, 18: _epoch_ms, 10: _epoch_days}


def raw_capture(db: dict[str, str], bootstrap: str, start: tuple[str, int], table: str, topic: str, *,
                fast_rows: bool = False) -> int:
    """The raw limit: python-mysql-replication from ``start`` to the end of the binlog, orjson, produce, commit.

    ``fast_rows`` (4d's raw floor): each event's row images read from its bytes by ours' generated reader
    (``connectors/binlog/_rows.fast_rows``, the fastest decoder in Python here, with the converters applied as it
    reads) instead of the library's ``event.rows`` (case 7's baseline)."""
    from confluent_kafka import Producer
    from pymysqlreplication import BinLogStreamReader
    from pymysqlreplication.row_event import WriteRowsEvent

    from connect_core.connectors.binlog._rows import fast_rows as read_images

    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": common.unique("raw-cdc-tx"),
                         "linger.ms": 5, "enable.idempotence": True})
    producer.init_transactions(60)
    reader = BinLogStreamReader(
        connection_settings={"host": db["host"], "port": int(db["port"]), "user": db["user"],
                             "password": db["password"]},
        server_id=common_server_id(), resume_stream=True, log_file=start[0], log_pos=start[1], blocking=False,
        only_events=[WriteRowsEvent], enable_logging=False)
    dumps = orjson.dumps
    converters: list[Any] = []  # one list for every event: the generated reader is cached by its identity
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
            images = None
            if fast_rows:
                names = [column.name for column in event.columns]
                converters[:] = converters or [_FAST_CONVERTERS.get(column.type) for column in event.columns]
                images = read_images(event, converters)
            afters = ([dict(zip(names, values, strict=True)) for _, values in images if values is not None]
                      if images is not None
                      else [{k: _value(v) for k, v in row["values"].items()} for row in event.rows])
            for index, after in enumerate(afters):
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

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

from typing import TYPE_CHECKING

from bench import common, mariadb_rows
from bench.binlog_floor import master_position, raw_capture

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings



def run(settings: Settings) -> list[Result]:
    """``settings.repeats`` interleaved repetitions of both sides."""
    svc = common.services("kafka", "mariadb")
    db, bootstrap = svc["mariadb"], svc["kafka"]["bootstrap.servers"]
    tables = mariadb_rows.CopiedTables(db, settings.records)
    cluster = common.Cluster.create(bootstrap)

    def raw(rep: int) -> Sample:
        table = tables.new_table()
        start = master_position(db)
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

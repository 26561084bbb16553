"""Debezium's heartbeat record."""

from __future__ import annotations

import time

from connect_core.api.header import Headers
from connect_core.connectors._debezium.heartbeat import heartbeat_record


def test_heartbeat_goes_to_the_prefixed_topic_with_debeziums_schemas() -> None:
    before = int(time.time() * 1000)
    record = heartbeat_record({"server": "p"}, {"pos": 4}, "p")
    assert (record.topic, record.source_partition, record.source_offset) == ("__debezium-heartbeat.p",
                                                                             {"server": "p"}, {"pos": 4})
    assert record.key_schema.name == "io.debezium.connector.common.ServerNameKey"
    assert record.value_schema.name == "io.debezium.connector.common.Heartbeat"
    assert record.key.get("serverName") == "p"
    assert before <= record.value.get("ts_ms") <= int(time.time() * 1000)
    assert len(record.headers) == 0


def test_heartbeat_carries_the_given_headers() -> None:
    headers = Headers()
    headers.add("h", "v")
    record = heartbeat_record({}, {}, "p", headers=headers)
    assert [h.key for h in record.headers] == ["h"]

"""Every sample event in events/ parses with the parser its function uses (they feed `lambda-connect invoke`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connect_core.kafka.lambda_event import decode_kafka_event
from connect_core.runtime.source_event import parse_source_event, parse_source_events
from tests.unit.infra._template import ROOT

EVENTS = ROOT / "events"


def _load(path: str) -> Any:
    return json.loads((EVENTS / path).read_text())


@pytest.mark.parametrize("name", ["scheduler-input.json", "eventbridge-scheduled-envelope.json"])
def test_source_events_name_a_connector_task(name: str) -> None:
    assert parse_source_event(_load(f"source_task/{name}"))[:2] == ("local-file-source", 0)


def test_the_sqs_tick_names_a_task_and_its_heartbeat_window() -> None:
    (tick,) = parse_source_events(_load("source_task/sqs-tick.json"))
    assert tick == ("local-file-source", 0, 1_800_000_000_000, 60_000, 1, "source", False)


def test_a_pull_mode_sink_tasks_heartbeat_says_kind_sink() -> None:
    assert parse_source_event(_load("source_task/sink-pull-heartbeat.json"))[:2] == ("jdbc-sink", 1)
    assert parse_source_event(_load("source_task/sink-pull-heartbeat.json")).kind == "sink"


def test_the_msk_batch_decodes_keys_null_keys_and_repeated_headers() -> None:
    records = decode_kafka_event(_load("sink_task/msk-batch.json"))
    assert [(r.topic, r.partition, r.offset) for r in records] == [("orders", 0, 42), ("orders", 0, 43),
                                                                  ("orders", 1, 7)]
    assert [r.key for r in records] == [b"order-1", None, b"order-3"]
    assert json.loads(records[0].value) == {"id": 1, "amount": 12.5}
    assert records[0].headers == [("trace-id", b"abc123"), ("source", b"web")]
    assert records[1].headers == []
    assert records[2].headers == [("trace-id", b"def456"), ("trace-id", b"again")]


def test_the_self_managed_batch_has_no_event_source_arn_and_decodes() -> None:
    event = _load("sink_task/self-managed-batch.json")
    assert event["eventSource"] == "SelfManagedKafka"
    assert "eventSourceArn" not in event
    records = decode_kafka_event(event)
    assert [r.offset for r in records] == [100, 101, 102]
    assert [r.key for r in records] == [b"order-10", None, b"order-12"]
    assert records[1].headers == [("trace-id", b"xyz")]


# heartbeat.json is the coordinator's scheduled heartbeat, not a request (tests/unit/coordinator/health checks it)
HTTP_EVENTS = sorted(p.name for p in (EVENTS / "coordinator").glob("*.json") if p.name != "heartbeat.json")


@pytest.mark.parametrize("path", HTTP_EVENTS)
def test_coordinator_events_are_http_api_v2_requests(path: str) -> None:
    from functions.coordinator.app import to_request

    event = _load(f"coordinator/{path}")
    request = to_request(event)
    assert event["version"] == "2.0"
    assert request.method == event["requestContext"]["http"]["method"]

"""KIP-877 plugin metrics from a running sink task, its transformation and its predicate, published as EMF records
(CloudWatch's embedded metric format, what the functions print) with Kafka's tags as dimensions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.runtime.sink_runner import SinkRunner
from tests.fixtures.metered_plugins import TARGETS
from tests.integration.runtime.test_sink_runner import msk_event

if TYPE_CHECKING:
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

PLUGINS = "tests.fixtures.metered_plugins:"
STRING = "org.apache.kafka.connect.storage.StringConverter"


def _emf(out: str) -> list[dict[str, Any]]:
    """The EMF records printed (one JSON object a line with an ``_aws`` member)."""
    return [record for line in out.splitlines() if line.startswith("{") and "_aws" in (record := json.loads(line))]


def _values(records: list[dict[str, Any]], name: str) -> list[tuple[dict[str, str], Any]]:
    """``(dimensions, value)`` of every record that holds metric ``name``."""
    found = []
    for record in records:
        [directive] = record["_aws"]["CloudWatchMetrics"]
        if any(metric["Name"] == name for metric in directive["Metrics"]):
            [dimensions] = directive["Dimensions"]
            assert directive["Namespace"] == "LambdaConnect"
            found.append(({key: record[key] for key in dimensions}, record[name]))
    return found


def test_task_transformation_and_predicate_metrics_are_published_per_invocation(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", TARGETS)
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    config = {"connector.class": PLUGINS + "MeteredSinkConnector", "topics": "metered", "tasks.max": "1",
              "key.converter": STRING, "value.converter": STRING, "transforms": "count", "predicates": "all",
              "transforms.count.type": PLUGINS + "MeteredTransform", "transforms.count.predicate": "all",
              "predicates.all.type": PLUGINS + "MeteredPredicate"}
    cluster.deploy("metered-sink", config, [config])
    runner = SinkRunner(cluster.worker, "metered-sink", config_store=cluster.configs, status_store=cluster.statuses)
    capsys.readouterr()

    runner.handle(msk_event("metered", [b"3", b"9", b"4"]))
    first = _emf(capsys.readouterr().out)
    runner.handle(msk_event("metered", [b"5"], first_offset=3))
    second = _emf(capsys.readouterr().out)

    task = {"connector": "metered-sink", "task": "0", "service": "sink_task"}
    assert _values(first, "put-records") == [(task, [16.0])]
    assert _values(first, "put-max-value") == [({**task, "kind": "values"}, [9.0])]  # a metric's own tag
    assert _values(first, "put-batches") == [(task, [1.0])]
    transformation = {**task, "transformation": "count"}
    assert _values(first, "applied-total") == [(transformation, [3.0])]
    assert _values(first, "applied-window") == [(transformation, [3.0])]
    assert _values(first, "tested") == [({**task, "predicate": "all"}, [3.0])]
    # the next invocation: windowed stats start again, cumulative ones and gauges go on
    assert _values(second, "put-records") == [(task, [5.0])]
    assert _values(second, "applied-window") == [(transformation, [1.0])]
    assert _values(second, "applied-total") == [(transformation, [4.0])]
    assert _values(second, "put-batches") == [(task, [2.0])]
    runner.close()

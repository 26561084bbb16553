"""The Iceberg sink through the real runtime: created by name by the SinkRunner from Lambda Kafka events
(JsonConverter with schemas), into the JDBC catalog on PostgreSQL and LocalStack S3, read back with pyiceberg; and
``kill -9`` of the function process at each step of an invocation, with the mapping's redelivery, losing and
duplicating nothing."""

from __future__ import annotations

import decimal
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.schema import INT64_SCHEMA, SchemaBuilder
from connect_core.runtime import env
from connect_core.runtime.sink_runner import SinkRunner
from tests.faults.conftest import function_env, run_function
from tests.integration.functions._sink_harness import converter_config, json_bytes
from tests.integration.runtime.test_sink_runner import msk_event

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")

ROW = (SchemaBuilder.struct().name("row").field("id", INT64_SCHEMA)
       .field("name", SchemaBuilder.string().optional().build())
       .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").build()).build())
KILLED = -9
ROWS = 60
BATCH = 20


def _values(offsets: range) -> list[bytes | None]:
    import datetime as dt

    t0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    return [json_bytes(ROW, {"id": o, "name": f"n{o}", "ts": t0 + dt.timedelta(minutes=o)}, schemas=True)
            for o in offsets]


def _deploy(cluster: Cluster, props: dict[str, str], topic: str, table: str, **extra: str) -> str:
    from connect_core.coordinator.herder.task_configs import generate_task_configs

    name = props["name"]
    full = {**props, "topics": topic, "tasks.max": "1", "iceberg.tables": table, **converter_config(schemas=True),
            **extra}
    cluster.deploy(name, full, generate_task_configs(name, full))
    return name


def _table(props: dict[str, str], table: str) -> Any:
    from connect_core.connectors.iceberg.config import load_config
    from connect_core.connectors.iceberg.sink_task import open_catalog

    return open_catalog(load_config(props | {"iceberg.tables": table})).load_table(table)


def test_created_by_name_through_the_sink_runner(cluster: Cluster, props: dict[str, str]) -> None:
    """Two invocations, the second re-delivering half of the first: rows once, Iceberg's types, the offsets in the
    snapshot summary and the runner's committable offsets."""
    topic, table = f"ice-{uuid.uuid4().hex[:8]}", f"db_{uuid.uuid4().hex[:6]}.orders"
    name = _deploy(cluster, props, topic, table)
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)

    first = runner.handle(msk_event(topic, _values(range(0, 10))))
    second = runner.handle(msk_event(topic, _values(range(5, 20)), first_offset=5))

    assert (first.response(), first.offsets, second.response(), second.offsets) == (
        {}, {f"{topic}-0": 10}, {}, {f"{topic}-0": 20})
    loaded = _table(props, table)
    assert [(f.name, str(f.field_type), f.required) for f in loaded.schema().fields] == [
        ("id", "long", True), ("name", "string", False), ("ts", "timestamptz", True)]
    assert sorted(r["id"] for r in loaded.scan().to_arrow().to_pylist()) == list(range(20))
    summary = loaded.current_snapshot().summary.additional_properties
    assert json.loads(summary[f"lambda-connect.offsets.connect-{name}"]) == {topic: {"0": 20}}
    cluster.statuses.refresh()
    assert cluster.statuses.task_status(name, 0).state.value == "RUNNING"


# (how the process is killed, the commit interval): the runtime's fault points around put and the flush, and the
# sink's own staging step wrapped by _kill_driver
KILLS = {
    "sink.during_put": ("fault", "0"),  # rows converted, nothing written
    "sink.after_put": ("fault", "0"),  # files written, staged and committed; the mapping's offset not
    "sink.after_put/interval": ("fault", "600000"),  # files written and staged, the commit waits the interval
    "before_stage": ("driver", "0"),  # data files written, not staged: orphans, never committed
    "after_stage": ("driver", "0"),  # staged, not committed: the redelivery commits them
}


@pytest.mark.parametrize("point", list(KILLS))
def test_kill_9_and_redelivery_lose_and_duplicate_nothing(point: str, cluster: Cluster, props: dict[str, str],
                                                          kafka_bootstrap: str, tmp_path: Path) -> None:
    """The event source mapping emulated: batches from the committed offset, each first try of a batch killed at
    ``point`` and retried; every id once in the table at the end."""
    how, interval = KILLS[point]
    topic, table = f"ice-{uuid.uuid4().hex[:8]}", f"db_{uuid.uuid4().hex[:6]}.orders"
    name = _deploy(cluster, props, topic, table, **{"iceberg.control.commit.interval-ms": interval})
    environment = function_env(cluster, **{env.CONNECTOR_NAME: name})
    committed, kills = 0, 0
    while committed < ROWS:
        event = msk_event(topic, _values(range(committed, committed + BATCH)), first_offset=committed)
        event["bootstrapServers"] = kafka_bootstrap
        event_file = tmp_path / "event.json"
        event_file.write_text(json.dumps(event), encoding="utf-8")
        kill = kills < ROWS // BATCH and kills * BATCH == committed  # each batch's first try
        if kill and how == "fault":
            code, response, stderr = run_function("tests.faults._sink_driver", [str(event_file)],
                                                  {**environment, env.FAULT: point.partition("/")[0]})
        elif kill:
            code, response, stderr = run_function("tests.integration.connectors.iceberg._kill_driver",
                                                  [str(event_file), point], environment)
        else:
            code, response, stderr = run_function("tests.faults._sink_driver", [str(event_file)], environment)
        if kill:
            assert code == KILLED, f"{point} did not kill the function: {stderr}"
            kills += 1
            continue
        assert code == 0 and response == {}, stderr
        committed += BATCH
    assert kills == ROWS // BATCH
    if interval != "0":  # what a heartbeat does once the interval passed
        from connect_core.connectors.iceberg.sink_task import commit_due

        commit_due({**props, "iceberg.tables": table}, force=True)
    loaded = _table(props, table)
    ids = sorted(r["id"] for r in loaded.scan().to_arrow().to_pylist())
    assert ids == list(range(ROWS)), f"lost {sorted(set(range(ROWS)) - set(ids))}, rows {len(ids)}"
    summary = loaded.current_snapshot().summary.additional_properties
    assert json.loads(summary[f"lambda-connect.offsets.connect-{name}"]) == {topic: {"0": ROWS}}


def test_debezium_changes_unwrapped_by_extract_new_record_state_land_in_iceberg(cluster: Cluster,
                                                                                props: dict[str, str]) -> None:
    """The CDC-to-lake pipeline: Debezium's envelope (JsonConverter with schemas) through
    ``io.debezium.transforms.ExtractNewRecordState`` (``add.fields=op,table``, deletes rewritten with ``__deleted``)
    into an auto-created table, one row per change (Iceberg's sink appends), read back with pyiceberg."""
    from connect_core.converters.json import JsonConverter
    from tests.unit.connectors.debezium_jdbc._events import event, row

    topic, table = f"ice-cdc-{uuid.uuid4().hex[:8]}", f"db_{uuid.uuid4().hex[:6]}.customers"
    name = _deploy(cluster, props, topic, table, **{
        "transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
        "transforms.unwrap.add.fields": "op,table", "transforms.unwrap.delete.tombstone.handling.mode": "rewrite"})
    changes = [event("c", 0, after=row(1, "Sally", price="12.50")), event("c", 1, after=row(2, "George")),
               event("u", 2, before=row(1, "Sally", price="12.50"), after=row(1, "Sal", price="13.00")),
               event("d", 3, before=row(2, "George"))]
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, is_key=False)
    values = [converter.from_connect_data(topic, c.value_schema, c.value) for c in changes]
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)

    result = runner.handle(msk_event(topic, values))

    assert (result.response(), result.offsets) == ({}, {f"{topic}-0": 4})
    loaded = _table(props, table)
    fields = {f.name: str(f.field_type) for f in loaded.schema().fields}
    assert (fields["id"], fields["first_name"], fields["price"], fields["__op"], fields["__table"],
            fields["__deleted"]) == ("int", "string", "decimal(38, 2)", "string", "string", "string")
    rows = [(r["id"], r["first_name"], r["price"], r["__op"], r["__table"], r["__deleted"])
            for r in loaded.scan().to_arrow().to_pylist()]
    assert sorted(rows, key=lambda r: (r[3] != "c", r[0])) == [
        (1, "Sally", decimal.Decimal("12.50"), "c", "customers", "false"),
        (2, "George", None, "c", "customers", "false"),
        (1, "Sal", decimal.Decimal("13.00"), "u", "customers", "false"),
        (2, "George", None, "d", "customers", "true")]

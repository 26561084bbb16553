"""The PostgreSQL source's replication slot through the coordinator, against the real PostgreSQL and Kafka.

1. The slot's lag: an invocation through the runtime publishes ``replication-slot-lag-bytes`` (EMF, with the
   task's dimensions), and ``GET /connectors/<name>/status`` shows it in the RUNNING task's trace.
2. A DELETE drops the slot and the publication unless ``lambda.slot.drop.on.delete=false``; a stop drops the slot with
   ``slot.drop.on.stop=true`` only (Debezium's default false leaves it), and never the publication.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from connect_core.runtime.task_invocation import SourceInvocation
from tests.integration.connectors.postgres.conftest import MemoryOffsetReader, PgDb, ops

if TYPE_CHECKING:
    from tests.integration.coordinator.conftest import Client

pytestmark = pytest.mark.integration


def test_the_slots_lag_is_published_each_invocation_and_shown_in_the_task_status(
    client: Client, postgres_settings: dict[str, str], capsys: pytest.CaptureFixture[str],
) -> None:
    db = PgDb(postgres_settings)
    invocation = SourceInvocation(client.worker)
    try:
        db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "INSERT INTO {s}.t VALUES (1)")
        config = db.props()
        name = config.pop("name")
        assert client.call("POST", "/connectors", {"name": name, "config": config}).status == 201
        capsys.readouterr()
        result = invocation.run(name, 0, lambda: 30_000.0, 128)
        assert (result["state"], result["records"]) == ("RUNNING", 1), result
        lag = result["metrics"]["replication-slot-lag-bytes"]
        assert lag >= 0
        emf = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith("{") and "replication-slot-lag-bytes" in line]
        assert [(r["connector"], r["task"], r["replication-slot-lag-bytes"]) for r in emf] == [(name, "0", [lag])]
        status = client.call("GET", f"/connectors/{name}/status", fresh=True).body
        [task] = status["tasks"]
        assert task["state"] == "RUNNING"
        assert task["trace"].startswith("lambda-connect: metrics of the invocation at ")
        assert task["trace"].endswith(f": replication-slot-lag-bytes={int(lag)}")
        assert client.call("DELETE", f"/connectors/{name}").status == 204
    finally:
        invocation.close()
        db.close()


def test_delete_drops_the_slot_and_publication_unless_kept_and_stop_only_with_slot_drop_on_stop(
        client: Client, postgres_settings: dict[str, str]) -> None:
    cases = [({}, "DELETE"), ({"lambda.slot.drop.on.delete": "false"}, "DELETE"),
             ({"slot.drop.on.stop": "true"}, "STOP"), ({}, "STOP")]
    dbs = [PgDb(postgres_settings) for _ in cases]
    try:
        for db, (extra, how) in zip(dbs, cases, strict=True):
            db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "INSERT INTO {s}.t VALUES (1)")
            config = db.props(**extra)
            name = config.pop("name")
            assert client.call("POST", "/connectors", {"name": name, "config": config}).status == 201
            reader = MemoryOffsetReader()  # an invocation of the task: snapshot, then a streamed change
            assert ops(db.run(reader)) == [("r", 1)]
            db.sql("INSERT INTO {s}.t VALUES (2)")
            assert ops(db.run(reader)) == [("c", 2)]
            if how == "STOP":
                assert client.call("PUT", f"/connectors/{name}/stop").status == 204
            else:
                assert client.call("DELETE", f"/connectors/{name}").status == 204
        assert [db.slot_lsn() is not None for db in dbs] == [False, True, False, True]
        publications = [bool(db.query("SELECT 1 FROM pg_publication WHERE pubname = %s", (f"pub_{db.slot}",)))
                        for db in dbs]
        assert publications == [False, True, True, True]
    finally:
        for db in dbs:
            db.close()


def test_the_coordinator_and_the_connector_name_a_delete_with_the_same_key() -> None:
    from connect_core.connectors.postgres.source_connector import DELETED_CONFIG
    from connect_core.coordinator.herder.decommission import DELETED_CONFIG as SET_BY_THE_COORDINATOR

    assert DELETED_CONFIG == SET_BY_THE_COORDINATOR == "lambda.connector.deleted"


def test_a_source_deleted_with_its_slot_is_recreated_under_its_name_from_a_fresh_snapshot(
        client: Client, postgres_settings: dict[str, str]) -> None:
    """A DELETE that drops the slot clears the offsets naming a position in it; the connector re-created
    under the same name (a habit of Kafka Connect users) snapshots again per ``snapshot.mode`` and streams new
    changes, instead of failing on an offset no slot can resume."""
    db = PgDb(postgres_settings)
    invocations = [SourceInvocation(client.worker) for _ in range(2)]
    try:
        db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "INSERT INTO {s}.t VALUES (1)")
        config = db.props()
        name = config.pop("name")
        assert client.call("POST", "/connectors", {"name": name, "config": config}).status == 201
        first = invocations[0].run(name, 0, lambda: 30_000.0, 128)
        assert (first["state"], first["records"]) == ("RUNNING", 1), first
        db.sql("INSERT INTO {s}.t VALUES (2)")
        second = invocations[0].run(name, 0, lambda: 30_000.0, 128)
        assert (second["state"], second["records"]) == ("RUNNING", 1), second
        assert client.call("GET", f"/connectors/{name}/offsets").body["offsets"], "offsets stored before the delete"
        assert client.call("DELETE", f"/connectors/{name}").status == 204
        assert db.slot_lsn() is None
        db.sql("INSERT INTO {s}.t VALUES (3)")
        assert client.call("POST", "/connectors", {"name": name, "config": config}).status == 201
        assert client.call("GET", f"/connectors/{name}/offsets").body == {"offsets": []}
        again = invocations[1].run(name, 0, lambda: 30_000.0, 128)
        assert (again["state"], again["records"]) == ("RUNNING", 3), again  # the snapshot: rows 1, 2 and 3
        db.sql("INSERT INTO {s}.t VALUES (4)")
        streamed = invocations[1].run(name, 0, lambda: 30_000.0, 128)
        assert (streamed["state"], streamed["records"]) == ("RUNNING", 1), streamed
        assert client.call("DELETE", f"/connectors/{name}").status == 204
    finally:
        for invocation in invocations:
            invocation.close()
        db.close()

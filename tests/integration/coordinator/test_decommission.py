"""``slot.drop.on.stop`` through the coordinator against the real PostgreSQL: a DELETE or a stop drops the slot the
connector streamed from when true, and leaves it when false (Debezium's default)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.integration.connectors.postgres.conftest import MemoryOffsetReader, PgDb, ops

if TYPE_CHECKING:
    from tests.integration.coordinator.conftest import Client

pytestmark = pytest.mark.integration


def test_delete_and_stop_drop_the_slot_only_with_slot_drop_on_stop(client: Client,
                                                                   postgres_settings: dict[str, str]) -> None:
    cases = [("false", "DELETE"), ("true", "DELETE"), ("true", "STOP")]
    dbs = [PgDb(postgres_settings) for _ in cases]
    try:
        for db, (drop, how) in zip(dbs, cases, strict=True):
            db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "INSERT INTO {s}.t VALUES (1)")
            config = db.props(**{"slot.drop.on.stop": drop})
            name = config.pop("name")
            assert client.call("POST", "/connectors", {"name": name, "config": config}).status == 201
            reader = MemoryOffsetReader()  # an invocation of the task: snapshot, then a streamed change
            assert ops(db.run(reader)) == [("r", 1)]
            db.sql("INSERT INTO {s}.t VALUES (2)")
            assert ops(db.run(reader)) == [("c", 2)]
            if how == "STOP":
                assert client.call("PUT", f"/connectors/{name}/stop").status == 204
                assert db.slot_lsn() is None, "a STOPPED connector keeps no slot with slot.drop.on.stop=true"
            else:
                assert client.call("DELETE", f"/connectors/{name}").status == 204
        assert [db.slot_lsn() is not None for db in dbs] == [True, False, False]
        assert all(db.query("SELECT 1 FROM pg_publication WHERE pubname = %s", (f"pub_{db.slot}",)) for db in dbs)
    finally:
        for db in dbs:
            db.close()

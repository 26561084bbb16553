"""The PostgreSQL step of `make demo`: change data capture of `shipping.parcels` with Debezium's PostgresConnector.

The connector (demo/connectors/cdc_parcels_postgres.json, pgoutput, a slot and publication of its own) snapshots
the table's first parcels, then streams an insert, an update and a delete: the topic `pgcdc.shipping.parcels`
holds `r`, `c`, `u`, `d` and a tombstone in Debezium's format.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo.seed_scenario import cdc_events, say, wait_for

if TYPE_CHECKING:
    from demo.seed_scenario import Http

NAME = "cdc_parcels_postgres"
BODY = Path(__file__).parent / "connectors" / f"{NAME}.json"
TOPIC = "pgcdc.shipping.parcels"
SLOT, PUBLICATION = "demo_parcels", "demo_parcels_pub"
PARCELS = [(101, "DHL"), (102, "UPS")]


def _session(settings: dict[str, str]) -> Any:
    import psycopg2

    conn = psycopg2.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                            password=settings["password"], dbname=settings["database"])
    conn.autocommit = True
    return conn


def _sql(settings: dict[str, str], *statements: str) -> None:
    conn = _session(settings)
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def prepare(settings: dict[str, str], bootstrap: str) -> None:
    """A fresh run: the table with two parcels, no slot, publication or topic of an earlier run."""
    from confluent_kafka.admin import AdminClient

    _sql(settings, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                   f"WHERE slot_name = '{SLOT}' AND NOT active",
         f"DROP PUBLICATION IF EXISTS {PUBLICATION}", "DROP SCHEMA IF EXISTS shipping CASCADE",
         "CREATE SCHEMA shipping",
         "CREATE TABLE shipping.parcels (id serial PRIMARY KEY, order_id int NOT NULL, carrier text NOT NULL, "
         "status text NOT NULL DEFAULT 'LABELLED')",
         "INSERT INTO shipping.parcels (order_id, carrier) VALUES " + ", ".join(f"({o}, '{c}')" for o, c in PARCELS))
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if TOPIC in admin.list_topics(timeout=10).topics:
        for future in admin.delete_topics([TOPIC]).values():
            future.result(30)
        time.sleep(1)


def run_step(http: Http, rest: str, settings: dict[str, str], bootstrap: str,
             extra: dict[str, str] | None = None) -> None:
    """Create the connector (its body's config plus ``extra``), change the table, wait for the delete and its
    tombstone, print what arrived."""
    body = json.loads(BODY.read_text())
    body["config"].update(extra or {})
    status, answer = http("POST", "/connectors", body)
    say(f"curl -X POST {rest}/connectors -d @demo/connectors/{NAME}.json -> {status}")
    if status != 201:
        raise SystemExit(f"creating {NAME} failed: {status} {answer}")
    started = time.monotonic()
    wait_for(f"the snapshot of shipping.parcels on {TOPIC}", lambda: len(cdc_events(bootstrap, TOPIC)) >= 2, started)
    _sql(settings, "INSERT INTO shipping.parcels (order_id, carrier) VALUES (103, 'DPD')",
         "UPDATE shipping.parcels SET status = 'SHIPPED' WHERE order_id = 101",
         "DELETE FROM shipping.parcels WHERE order_id = 102")
    say("inserted parcel 103, shipped parcel 101, deleted parcel 102 in shipping.parcels (PostgreSQL)")
    events = wait_for(f"CDC delete of parcel 2 (op d + tombstone on {TOPIC})", lambda: (
        (found := cdc_events(bootstrap, TOPIC)) and [("tombstone" if v is None else v["op"]) for k, v in found
                                                     if k == {"id": 2}][-2:] == ["d", "tombstone"] and found), started)
    ops = [("tombstone" if value is None else value["op"]) for _, value in events]
    say(f"  {TOPIC}: {len(events)} change events from PostgreSQL (pgoutput), ops {ops}")

"""A session on the shared PostgreSQL with a schema and a replication slot of its own (integration, compat, faults)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg2

from connect_core.connectors.postgres._offsets import parse_lsn


class PgSession:
    """An autocommit session, a throwaway schema (``{s}`` in statements), and the slot and publication names."""

    def __init__(self, settings: dict[str, str], stem: str = "cdc") -> None:
        self.settings = settings
        self.schema = f"{stem}_{uuid.uuid4().hex[:10]}"
        self.slot = f"{stem}_{uuid.uuid4().hex[:12]}"
        self.conn = psycopg2.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                                     password=settings["password"], dbname=settings["database"])
        self.conn.autocommit = True
        self.sql("CREATE SCHEMA {s}")

    def sql(self, *statements: str) -> None:
        with self.conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.replace("{s}", self.schema))

    def query(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cursor:
            cursor.execute(statement.replace("{s}", self.schema), params)
            return cursor.fetchall()

    def wal_lsn(self) -> int:
        """The server's current WAL write position."""
        return parse_lsn(self.query("SELECT pg_current_wal_lsn()::text")[0][0])

    def slot_lsn(self, slot: str | None = None) -> int | None:
        """The slot's confirmed LSN (None when it does not exist)."""
        rows = self.query("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = %s",
                          (slot or self.slot,))
        return parse_lsn(rows[0][0]) if rows else None

    def drop_slot(self, slot: str | None = None) -> None:
        """Drop a slot once the WAL sender of the last run has released it."""
        name = slot or self.slot
        for _ in range(50):
            rows = self.query("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (name,))
            if not rows:
                return
            if not rows[0][0]:
                self.sql(f"SELECT pg_drop_replication_slot('{name}')")
                return
            time.sleep(0.2)

    def close(self, *slots: str) -> None:
        """Drop the slots (this session's by default), their publications ``pub_<slot>`` and the schema."""
        for slot in slots or (self.slot,):
            self.drop_slot(slot)
            self.sql(f"DROP PUBLICATION IF EXISTS pub_{slot}")
        self.sql("DROP SCHEMA IF EXISTS {s} CASCADE")
        self.conn.close()

"""Smoke test: the local PostgreSQL accepts the test user over TCP and round-trips rows."""

from __future__ import annotations

import psycopg2
import pytest

pytestmark = pytest.mark.integration


def test_create_insert_select_round_trip(postgres_settings: dict[str, str]) -> None:
    conn = psycopg2.connect(
        host=postgres_settings["host"], port=int(postgres_settings["port"]), user=postgres_settings["user"],
        password=postgres_settings["password"], dbname=postgres_settings["database"],
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS smoke_rows")
            cursor.execute("CREATE TABLE smoke_rows (id SERIAL PRIMARY KEY, name TEXT NOT NULL)")
            cursor.executemany("INSERT INTO smoke_rows (name) VALUES (%s)", [("alpha",), ("beta",)])
            cursor.execute("SELECT id, name FROM smoke_rows ORDER BY id")
            assert cursor.fetchall() == [(1, "alpha"), (2, "beta")]
            cursor.execute("DROP TABLE smoke_rows")
    finally:
        conn.close()

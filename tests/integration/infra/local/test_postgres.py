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


def test_tls_is_on_with_the_local_ca_and_plain_connections_still_work(postgres_settings: dict[str, str]) -> None:
    """``make services`` runs the server with ``ssl=on``: verify-full with the CA under the run dir and the test
    user's client certificate connects over TLS; a plain connection is still accepted."""
    common = {"host": postgres_settings["host"], "port": int(postgres_settings["port"]),
              "user": postgres_settings["user"], "password": postgres_settings["password"],
              "dbname": postgres_settings["database"]}
    seen = []
    for extra in ({"sslmode": "verify-full", "sslrootcert": postgres_settings["sslrootcert"],
                   "sslcert": postgres_settings["sslcert"], "sslkey": postgres_settings["sslkey"]},
                  {"sslmode": "disable"}):
        conn = psycopg2.connect(**common, **extra)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                seen.append(cursor.fetchone())
        finally:
            conn.close()
    assert seen == [(True, f"/CN={postgres_settings['user']}"), (False, None)]

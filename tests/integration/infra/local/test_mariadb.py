"""Smoke test: the local MariaDB accepts the documented TCP user and round-trips rows."""

from __future__ import annotations

import pymysql
import pytest

pytestmark = pytest.mark.integration


def test_create_insert_select_round_trip(mariadb_settings: dict[str, str]) -> None:
    conn = pymysql.connect(
        host=mariadb_settings["host"], port=int(mariadb_settings["port"]), user=mariadb_settings["user"],
        password=mariadb_settings["password"], database=mariadb_settings["database"], autocommit=True,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS smoke_rows")
            cursor.execute("CREATE TABLE smoke_rows (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(32) NOT NULL)")
            cursor.executemany("INSERT INTO smoke_rows (name) VALUES (%s)", [("alpha",), ("beta",)])
            cursor.execute("SELECT id, name FROM smoke_rows ORDER BY id")
            assert cursor.fetchall() == ((1, "alpha"), (2, "beta"))
            cursor.execute("DROP TABLE smoke_rows")
    finally:
        conn.close()

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


def test_throwaway_server_stops_and_starts_from_two_threads(tmp_path: object) -> None:
    """A crash while another thread still starts the server after the previous crash (tests/faults/test_restarts.py
    does this): the stop waits for that start, no thread fails, and overlapping restarts leave one server up."""
    import socket
    import threading
    import time
    from pathlib import Path

    from infra.local.mariadb import ThrowawayMariaDB

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = ThrowawayMariaDB(Path(str(tmp_path)), port)
    failures: list[BaseException] = []

    def start() -> None:
        try:
            db.start()
        except BaseException as error:  # the restart thread of test_restarts.py died here (AttributeError)
            failures.append(error)

    try:
        starting = threading.Thread(target=start)
        starting.start()
        deadline = time.monotonic() + 30
        while db._process is None and time.monotonic() < deadline:  # the server is spawned, not yet answering
            time.sleep(0.005)
        db.stop()  # while the other thread is inside start()
        starting.join()
        late = [threading.Thread(target=start) for _ in range(2)]  # two restarts that overlap
        for thread in late:
            thread.start()
        for thread in late:
            thread.join()
        assert failures == []
        settings = db.settings()
        conn = pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                               password=settings["password"], autocommit=True)
        conn.close()
    finally:
        db.stop()
    import subprocess

    leftover = subprocess.run(["pgrep", "-f", f"--datadir={db.data}"], capture_output=True, text=True, check=False)
    assert leftover.stdout.split() == [], "a server of this data directory outlived stop()"


def test_the_binlog_is_kept_an_hour(mariadb_settings: dict[str, str]) -> None:
    """The shared server keeps its binlog ``BINLOG_RETENTION_S`` (the bench's copies would fill the disk in two
    days' retention), also when an older checkout started it: ``start`` sets it on the running server."""
    from infra.local import mariadb

    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"], autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET GLOBAL binlog_expire_logs_seconds = 172800")  # as an older checkout started it
            mariadb.start()
            cursor.execute("SELECT @@binlog_expire_logs_seconds, @@log_bin")
            assert cursor.fetchone() == (mariadb.BINLOG_RETENTION_S, 1)
    finally:
        conn.close()

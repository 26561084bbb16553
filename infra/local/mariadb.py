"""MariaDB from Debian's packages, run without systemd from a data directory in the run folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from typing import TYPE_CHECKING

from infra.local import _process as proc
from infra.local.versions import MARIADB_DEBIAN_PACKAGES

if TYPE_CHECKING:
    from pathlib import Path

NAME = "mariadb"
HOST = "127.0.0.1"
PORT = 3306
START_TIMEOUT_S = 60.0
DEFAULT_USER = "connect"
DEFAULT_PASSWORD = "connect"  # local test credentials, documented in the README
DEFAULT_DATABASE = "connect"
# The binlog as change data capture needs it (Debezium's MySQL connector and python-mysql-replication): row events
# with full before/after images, and the column names in each table map (binlog_row_metadata, MariaDB 10.5+), so a
# reader decodes every event with the columns it was written with, across ALTER TABLE.
# Kept an hour (purged as each 1 GB file is rotated): the bench's million-row copies write about 8 GB of binlog an
# hour, which two days' retention let fill the disk; no test or bench row reads a position an hour old.
BINLOG_RETENTION_S = 3600
BINLOG_ARGS = (
    "--server-id=1", "--log-bin=mariadb-bin", "--binlog-format=ROW", "--binlog-row-image=FULL",
    "--binlog-row-metadata=FULL", "--log-bin-trust-function-creators=1",
    f"--binlog-expire-logs-seconds={BINLOG_RETENTION_S}",
)


def user() -> str:
    return os.environ.get("LAMBDA_CONNECT_MARIADB_USER", DEFAULT_USER)


def password() -> str:
    return os.environ.get("LAMBDA_CONNECT_MARIADB_PASSWORD", DEFAULT_PASSWORD)


def address() -> str:
    return f"{HOST}:{PORT}"


def settings() -> dict[str, str]:
    return {
        "host": HOST, "port": str(PORT), "user": user(), "password": password(), "database": DEFAULT_DATABASE,
        "connection.url": f"jdbc:mysql://{address()}/{DEFAULT_DATABASE}",
    }


def healthy() -> bool:
    """Log in over TCP as the test user and run a query."""
    if not proc.port_open(HOST, PORT):
        return False
    import pymysql

    try:
        conn = pymysql.connect(host=HOST, port=PORT, user=user(), password=password(), connect_timeout=3)
    except pymysql.MySQLError:
        return False
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    finally:
        conn.close()


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (path for path in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(path)), None
    )


def install() -> None:
    """apt-get install the server when it is missing (CI machines start without it)."""
    if _binary("mariadbd") and _binary("mariadb-install-db"):
        return
    if os.geteuid() != 0:
        raise proc.ServiceError(f"{NAME}: mariadbd is not installed and this user cannot apt-get install it")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    proc.run(["apt-get", "update", "-qq"], name=NAME, env=env)
    proc.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *MARIADB_DEBIAN_PACKAGES],
             name=NAME, env=env)


def binlog_on() -> bool:
    """True when the running server writes the row binlog that change data capture reads."""
    import pymysql

    conn = pymysql.connect(host=HOST, port=PORT, user=user(), password=password(), connect_timeout=3)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT @@log_bin, @@binlog_format, @@binlog_row_metadata")
            return cursor.fetchone() == (1, "ROW", "FULL")
    finally:
        conn.close()


def bound_binlog_retention() -> None:
    """Set ``BINLOG_RETENTION_S`` on the running server (a dynamic setting): one started by an older checkout kept
    its binlogs two days."""
    import pymysql

    conn = pymysql.connect(host=HOST, port=PORT, user=user(), password=password(), connect_timeout=3)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT @@binlog_expire_logs_seconds")
            row = cursor.fetchone()
            if row is None or row[0] != BINLOG_RETENTION_S:
                cursor.execute(f"SET GLOBAL binlog_expire_logs_seconds = {BINLOG_RETENTION_S:d}")
    finally:
        conn.close()


def start() -> None:
    if healthy():
        if binlog_on():
            bound_binlog_retention()
            return
        # A server started before the binlog settings (an older checkout): restart it once with them.
        if not proc.stop_pid(NAME) and (holder := proc.listening_pid(PORT)) is not None:
            proc.stop_foreign_pid(NAME, holder)
    install()
    directory = proc.service_dir(NAME)
    data = directory / "data"
    socket = directory / "mysqld.sock"
    run_as = ["--user=root"] if os.geteuid() == 0 else []
    if proc.await_port(NAME, HOST, (PORT,), healthy):
        return
    if not (data / "mysql").exists():
        proc.run([_binary("mariadb-install-db") or "mariadb-install-db", "--no-defaults", f"--datadir={data}",
                  "--auth-root-authentication-method=socket", "--skip-test-db", *run_as], name=NAME)
    pid = proc.spawn(NAME, [
        _binary("mariadbd") or "mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={socket}",
        f"--pid-file={directory / 'mariadbd.pid'}", f"--port={PORT}", f"--bind-address={HOST}",
        "--skip-name-resolve", "--innodb-buffer-pool-size=256M", "--max-connections=500",
        "--innodb-flush-log-at-trx-commit=2", *BINLOG_ARGS, *run_as,
    ])
    proc.wait_healthy(NAME, lambda: socket.exists() and proc.port_open(HOST, PORT), START_TIMEOUT_S, pid)
    _create_user(socket)
    proc.wait_healthy(NAME, healthy, START_TIMEOUT_S, pid)


def _create_user(socket: os.PathLike[str]) -> None:
    """Grant the test user everything over TCP; root logs in through the socket as the OS user."""
    name, secret = user().replace("'", "''"), password().replace("'", "''")
    sql = (
        f"CREATE USER IF NOT EXISTS '{name}'@'%' IDENTIFIED BY '{secret}';"
        f"ALTER USER '{name}'@'%' IDENTIFIED BY '{secret}';"
        f"GRANT ALL PRIVILEGES ON *.* TO '{name}'@'%' WITH GRANT OPTION;"
        f"CREATE DATABASE IF NOT EXISTS `{DEFAULT_DATABASE}`;"
        "FLUSH PRIVILEGES;"
    )
    client = _binary("mariadb") or _binary("mysql") or "mariadb"
    proc.run([client, "--no-defaults", f"--socket={socket}", "-u", "root", "-e", sql], name=NAME)


def stop() -> bool:
    return proc.stop_pid(NAME)


class ThrowawayMariaDB:
    """A second, private MariaDB on its own port and data directory, for tests that restart a database.

    The shared server on 3306 is never stopped: other tests use it at the same moment. ``stop`` kills the process
    group this object started (SIGKILL: a crash); the data directory survives ``restart``. ``start`` and ``stop``
    may be called from different threads (a test crashes the server while a background thread is still starting it
    after the previous crash): one lock orders them, so a stop waits for a start under way and then kills what it
    started.
    """

    def __init__(self, directory: Path, port: int) -> None:
        """Initialise the data directory; nothing is started yet."""
        install()
        self.directory = directory
        self.port = port
        self.data = directory / "data"
        self.socket = directory / "mysqld.sock"
        self._run_as = ["--user=root"] if os.geteuid() == 0 else []
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)
        proc.run([_binary("mariadb-install-db") or "mariadb-install-db", "--no-defaults", f"--datadir={self.data}",
                  "--auth-root-authentication-method=socket", "--skip-test-db", *self._run_as], name=NAME)
        self._created_user = False

    def settings(self) -> dict[str, str]:
        """As ``settings()`` of the shared server, for this one."""
        return {"host": HOST, "port": str(self.port), "user": user(), "password": password(),
                "database": DEFAULT_DATABASE, "connection.url": f"jdbc:mysql://{HOST}:{self.port}/{DEFAULT_DATABASE}"}

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the server and wait until the test user can log in."""
        with self._lock:
            self._start(timeout_s)

    def _start(self, timeout_s: float) -> None:
        if self._process is not None and self._process.poll() is None:
            return  # two restarts overlapped: the server the first one started is up
        log = open(self.directory / "mariadbd.log", "ab")
        process = self._process = subprocess.Popen([
            _binary("mariadbd") or "mariadbd", "--no-defaults", f"--datadir={self.data}", f"--socket={self.socket}",
            f"--pid-file={self.directory / 'mariadbd.pid'}", f"--port={self.port}", f"--bind-address={HOST}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--max-connections=100", *BINLOG_ARGS,
            *self._run_as,
        ], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout_s
        while not (self.socket.exists() and proc.port_open(HOST, self.port)):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (self.directory / "mariadbd.log").read_text(errors="replace")[-3000:]
                raise proc.ServiceError(f"throwaway MariaDB on port {self.port} did not start:\n{tail}")
            time.sleep(0.3)
        if not self._created_user:
            _create_user(self.socket)
            self._created_user = True

    def stop(self) -> None:
        """Kill the server's process group and wait for it (after a start under way in another thread)."""
        with self._lock:
            process, self._process = self._process, None
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
            self.socket.unlink(missing_ok=True)

    def restart(self) -> None:
        """Crash and start again on the same data (InnoDB recovers committed transactions)."""
        self.stop()
        self.start()

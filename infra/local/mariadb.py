"""MariaDB from Debian's packages, run without systemd from a data directory in the run folder."""

from __future__ import annotations

import os
import shutil

from infra.local import _process as proc
from infra.local.versions import MARIADB_DEBIAN_PACKAGES

NAME = "mariadb"
HOST = "127.0.0.1"
PORT = 3306
START_TIMEOUT_S = 60.0
DEFAULT_USER = "connect"
DEFAULT_PASSWORD = "connect"  # local test credentials, documented in the README
DEFAULT_DATABASE = "connect"


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


def start() -> None:
    if healthy():
        return
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
        "--innodb-flush-log-at-trx-commit=2", *run_as,
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

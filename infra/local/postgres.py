"""PostgreSQL from Debian's packages (JDBC connector dialect tests), run without systemd from the run folder.

PostgreSQL refuses to run as root, so when we are root the server runs as the ``postgres`` user the Debian package
creates, from a data directory that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil

from infra.local import _process as proc
from infra.local.versions import POSTGRES_DEBIAN_PACKAGES

NAME = "postgres"
HOST = "127.0.0.1"
PORT = 5432
START_TIMEOUT_S = 60.0
USER = "connect"
PASSWORD = "connect"  # local test credentials
DATABASE = "connect"


def address() -> str:
    return f"{HOST}:{PORT}"


def settings() -> dict[str, str]:
    return {
        "host": HOST, "port": str(PORT), "user": USER, "password": PASSWORD, "database": DATABASE,
        "connection.url": f"jdbc:postgresql://{address()}/{DATABASE}",
    }


def healthy() -> bool:
    """Log in over TCP as the test user and run a query."""
    if not proc.port_open(HOST, PORT):
        return False
    try:
        import psycopg2
    except ImportError:
        return False
    try:
        conn = psycopg2.connect(host=HOST, port=PORT, user=USER, password=PASSWORD, dbname=DATABASE, connect_timeout=3)
    except psycopg2.Error:
        return False
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    finally:
        conn.close()


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def install() -> str:
    """apt-get install the server when missing; returns its bin directory."""
    if _bin_dir() is None:
        if os.geteuid() != 0:
            raise proc.ServiceError(f"{NAME}: PostgreSQL is not installed and this user cannot apt-get install it")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        proc.run(["apt-get", "update", "-qq"], name=NAME, env=env)
        proc.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *POSTGRES_DEBIAN_PACKAGES],
                 name=NAME, env=env)
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise proc.ServiceError(f"{NAME}: no initdb under /usr/lib/postgresql/*/bin after installing")
    return bin_dir


def _owner() -> tuple[int, int] | None:
    """Run as ``postgres`` when we are root (the server refuses root)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def start() -> None:
    if healthy():
        return
    bin_dir = install()
    directory = proc.service_dir(NAME)
    data = directory / "data"
    owner = _owner()
    if owner:
        shutil.chown(directory, *owner)
    if not (data / "PG_VERSION").exists():
        pw_file = directory / "pwfile"
        pw_file.write_text(PASSWORD + "\n")
        if owner:
            shutil.chown(pw_file, *owner)
        proc.run([f"{bin_dir}/initdb", "-D", str(data), "-U", USER, f"--pwfile={pw_file}", "--auth=scram-sha-256",
                  "--encoding=UTF8", "--no-instructions"], name=NAME, user=owner)
    if proc.await_port(NAME, HOST, (PORT,), healthy):
        return
    argv = [f"{bin_dir}/postgres", "-D", str(data), "-h", HOST, "-p", str(PORT), "-k", str(directory),
            "-c", "fsync=off", "-c", "max_connections=200"]
    pid = proc.spawn(NAME, argv, user=owner)
    proc.wait_healthy(NAME, lambda: proc.port_open(HOST, PORT), START_TIMEOUT_S, pid)
    if not healthy():
        proc.run([f"{bin_dir}/createdb", "-h", HOST, "-p", str(PORT), "-U", USER, DATABASE],
                 name=NAME, env={"PGPASSWORD": PASSWORD})
    proc.wait_healthy(NAME, healthy, START_TIMEOUT_S, pid)


def stop() -> bool:
    return proc.stop_pid(NAME)

"""PostgreSQL from Debian's packages (JDBC dialect tests, the PostgreSQL CDC source), run without systemd.

PostgreSQL refuses to run as root, so when we are root the server runs as the ``postgres`` user the Debian package
creates, from a data directory that user owns.

The CDC source (Debezium's PostgresConnector, pgoutput) needs logical decoding: ``wal_level=logical`` and enough
replication slots and WAL senders (``REPLICATION_SETTINGS``). They are passed on the command line and also written
with ``ALTER SYSTEM`` (so a server started by an older checkout keeps them), and a running server whose settings
differ is restarted. The test user is the cluster's superuser (``initdb -U``), so it has REPLICATION, and initdb's
``pg_hba.conf`` already has the ``host replication all 127.0.0.1/32`` line; ``_ensure_hba`` adds it if missing.

TLS is on (``ssl=on``) with a CA of our own, made with ``openssl`` under ``<run dir>/postgres/tls`` (``tls_files``):
the server's certificate (for 127.0.0.1 and localhost) and a client certificate for the test user are signed by it,
and the server checks a client certificate against it when one is sent. Plain connections stay allowed (``host``
lines match both), so nothing that connects without TLS changes. ``ssl`` and its files take effect at a reload, so
a running server without them gets them through ``ALTER SYSTEM`` and ``pg_reload_conf()``, no restart.
``settings()`` names the CA (``sslrootcert``) and the client certificate and key for tests.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import time
from typing import TYPE_CHECKING

from infra.local import _process as proc
from infra.local.versions import POSTGRES_DEBIAN_PACKAGES

if TYPE_CHECKING:
    from pathlib import Path

NAME = "postgres"
HOST = "127.0.0.1"
PORT = 5432
START_TIMEOUT_S = 60.0
USER = "connect"
PASSWORD = "connect"  # local test credentials
DATABASE = "connect"
# Logical decoding for the CDC source; each connector holds one slot and one WAL sender while it streams, and test
# runs of several engineers share the server.
REPLICATION_SETTINGS: dict[str, str] = {"wal_level": "logical", "max_replication_slots": "40", "max_wal_senders": "40"}
_HBA_REPLICATION = f"host    replication     all             {HOST}/32            scram-sha-256"
TLS_WAIT_S = 10.0  # how long a reload may take to turn ssl on
_CERT_DAYS = "3650"


def address() -> str:
    return f"{HOST}:{PORT}"


def tls_files() -> dict[str, Path]:
    """The local CA's certificate (``ca``), the server's and the test user's client certificate and key (PEM)."""
    directory = proc.service_dir(NAME) / "tls"
    return {name: directory / file for name, file in (
        ("ca", "ca.crt"), ("ca_key", "ca.key"), ("server_cert", "server.crt"), ("server_key", "server.key"),
        ("client_cert", "client.crt"), ("client_key", "client.key"))}


def settings() -> dict[str, str]:
    files = tls_files()
    return {
        "host": HOST, "port": str(PORT), "user": USER, "password": PASSWORD, "database": DATABASE,
        "connection.url": f"jdbc:postgresql://{address()}/{DATABASE}",
        "sslrootcert": str(files["ca"]), "sslcert": str(files["client_cert"]), "sslkey": str(files["client_key"]),
    }


def _query(sql: str) -> list[tuple[object, ...]] | None:
    """Rows of ``sql`` run as the test user over TCP, or None when the server cannot be reached."""
    if not proc.port_open(HOST, PORT):
        return None
    try:
        import psycopg2
    except ImportError:
        return None
    try:
        conn = psycopg2.connect(host=HOST, port=PORT, user=USER, password=PASSWORD, dbname=DATABASE, connect_timeout=3)
    except psycopg2.Error:
        return None
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def healthy() -> bool:
    """Log in over TCP as the test user and run a query."""
    return _query("SELECT 1") == [(1,)]


def replication_ready() -> bool:
    """Whether the running server has ``REPLICATION_SETTINGS`` (logical decoding for the CDC source)."""
    rows = _query("SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_replication_slots', "
                  "'max_wal_senders')")
    return rows is not None and dict(rows) == REPLICATION_SETTINGS  # type: ignore[arg-type]


def _tls_settings() -> dict[str, str]:
    files = tls_files()
    return {"ssl": "on", "ssl_cert_file": str(files["server_cert"]), "ssl_key_file": str(files["server_key"]),
            "ssl_ca_file": str(files["ca"])}


def tls_ready() -> bool:
    """Whether the running server has TLS on with our CA's files."""
    wanted = _tls_settings()
    names = ", ".join(f"'{name}'" for name in wanted)
    rows = _query(f"SELECT name, setting FROM pg_settings WHERE name IN ({names})")
    return rows is not None and dict(rows) == wanted  # type: ignore[arg-type]


def _make_certificates(owner: tuple[int, int] | None) -> bool:
    """The CA, the server's certificate and the test user's client certificate, unless all are there already;
    whether they were made."""
    files = tls_files()
    if all(path.exists() for path in files.values()):
        return False
    directory = files["ca"].parent
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        path.unlink()

    def openssl(*args: str) -> None:
        proc.run(["openssl", *args], name=NAME, cwd=directory)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", _CERT_DAYS, "-subj",
            "/CN=lambda-connect local PostgreSQL CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", "ca.key", "-out", "ca.crt")
    for leaf, subject, extension in (("server", f"/CN={HOST}", f"subjectAltName=IP:{HOST},DNS:localhost"),
                                     ("client", f"/CN={USER}", "extendedKeyUsage=clientAuth")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f"{leaf}.key",
                "-out", f"{leaf}.csr")
        (directory / f"{leaf}.ext").write_text(extension + "\n")
        openssl("x509", "-req", "-in", f"{leaf}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", _CERT_DAYS, "-extfile", f"{leaf}.ext", "-out", f"{leaf}.crt")
    for path in directory.iterdir():
        path.chmod(0o600 if path.suffix == ".key" else 0o644)
    if owner:  # the server reads its key as postgres; libpq wants the client key owned by whoever connects
        shutil.chown(directory, *owner)
        shutil.chown(files["server_key"], *owner)
        shutil.chown(files["server_cert"], *owner)
    return True


def _ensure_tls(owner: tuple[int, int] | None) -> None:
    """TLS on a running server: the certificates, then ``ALTER SYSTEM`` and a reload (no restart), waited for."""
    made = _make_certificates(owner)
    if tls_ready() and not made:
        return
    for name, value in _tls_settings().items():
        _query(f"ALTER SYSTEM SET {name} = '{value}'")
    _query("SELECT pg_reload_conf()")
    ends = time.monotonic() + TLS_WAIT_S
    while not tls_ready():
        if time.monotonic() >= ends:
            raise proc.ServiceError(f"{NAME}: ssl is still off {TLS_WAIT_S:g} s after a reload; see "
                                    f"{proc.service_dir(NAME) / (NAME + '.log')}")
        time.sleep(0.2)


def _persist_replication_settings() -> None:
    """``ALTER SYSTEM`` the settings, so a restart by any checkout keeps them (they take effect at restart)."""
    for name, value in REPLICATION_SETTINGS.items():
        _query(f"ALTER SYSTEM SET {name} = '{value}'")


def _ensure_hba(data: Path, owner: tuple[int, int] | None) -> None:
    """The replication line for 127.0.0.1 (initdb writes it; an edited file may have lost it)."""
    hba = data / "pg_hba.conf"
    lines = hba.read_text().splitlines()
    wanted = _HBA_REPLICATION.split()
    if any(line.split()[:4] == wanted[:4] for line in lines if line.strip() and not line.startswith("#")):
        return
    hba.write_text("\n".join([*lines, _HBA_REPLICATION]) + "\n")
    if owner:
        shutil.chown(hba, *owner)


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
        if replication_ready():
            _ensure_tls(_owner())
            return
        # running, but without logical decoding: persist the settings and restart (they need a restart)
        _persist_replication_settings()
        _ensure_hba(proc.service_dir(NAME) / "data", _owner())
        _fast_stop(install())
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
    _ensure_hba(data, owner)
    _make_certificates(owner)
    if proc.await_port(NAME, HOST, (PORT,), healthy):
        _ensure_tls(owner)
        return
    argv = [f"{bin_dir}/postgres", "-D", str(data), "-h", HOST, "-p", str(PORT), "-k", str(directory),
            "-c", "fsync=off", "-c", "max_connections=200"]
    for name, value in {**REPLICATION_SETTINGS, **_tls_settings()}.items():
        argv += ["-c", f"{name}={value}"]
    pid = proc.spawn(NAME, argv, user=owner)
    proc.wait_healthy(NAME, lambda: proc.port_open(HOST, PORT), START_TIMEOUT_S, pid)
    if not healthy():
        proc.run([f"{bin_dir}/createdb", "-h", HOST, "-p", str(PORT), "-U", USER, DATABASE],
                 name=NAME, env={"PGPASSWORD": PASSWORD})
    proc.wait_healthy(NAME, healthy, START_TIMEOUT_S, pid)
    _persist_replication_settings()
    _ensure_tls(owner)


def _fast_stop(bin_dir: str) -> None:
    """``pg_ctl stop -m fast``: open sessions are ended (a plain SIGTERM waits for every client to leave)."""
    data = proc.service_dir(NAME) / "data"
    proc.run([f"{bin_dir}/pg_ctl", "-D", str(data), "stop", "-m", "fast", "-w", "-t", "60"], name=NAME,
             user=_owner())
    proc.service_dir(NAME).joinpath("pid").unlink(missing_ok=True)


def stop() -> bool:
    return proc.stop_pid(NAME)

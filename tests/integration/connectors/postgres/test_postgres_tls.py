"""PostgreSQL CDC over TLS: Debezium's ``database.sslmode`` / ``sslrootcert`` / ``sslcert`` / ``sslkey`` with libpq's
semantics, against the local server (``ssl=on``, a CA of its own under the run dir: infra/local/postgres.py)."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.file_roots import FileRoots
from connect_core.api.task import SourceTaskContext
from connect_core.connectors.postgres.source_task import PostgresSourceTask
from tests.integration.connectors.postgres.conftest import ops
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, drain, start_task

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.connectors.postgres.conftest import PgDb

pytestmark = pytest.mark.integration


@pytest.fixture
def pem(postgres_settings: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The local CA and the test user's client certificate and key, copied under the tests' file root (/tmp), and
    a CA of another authority (``wrong_ca``)."""
    out = {}
    for key in ("sslrootcert", "sslcert", "sslkey"):
        out[key] = str(shutil.copy(postgres_settings[key], tmp_path / f"{key}.pem"))
    (tmp_path / "sslkey.pem").chmod(0o600)  # libpq refuses a key others can read
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other CA",
                    "-keyout", str(tmp_path / "other.key"), "-out", str(tmp_path / "other.crt")],
                   check=True, capture_output=True)
    out["wrong_ca"] = str(tmp_path / "other.crt")
    return out


def _session_tls(task: PostgresSourceTask) -> tuple[Any, ...]:
    """(ssl, client_dn) of the task's control session, as the server sees it."""
    with task._ctl.cursor() as cursor:
        cursor.execute("SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        return tuple(cursor.fetchone())


def test_verify_full_with_the_right_ca_streams_over_tls_with_the_client_certificate(pg_db: PgDb,
                                                                                   pem: dict[str, str]) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "INSERT INTO {s}.t VALUES (1)")
    props = db.props(**{"database.sslmode": "verify-full", "database.sslrootcert": pem["sslrootcert"],
                        "database.sslcert": pem["sslcert"], "database.sslkey": pem["sslkey"]})
    reader = MemoryOffsetReader()
    task = start_task(PostgresSourceTask(), props, reader)
    try:
        assert _session_tls(task) == (True, f"/CN={db.settings['user']}")
        assert ops(drain(task, reader)) == [("r", 1)]
        task.commit()
        db.sql("INSERT INTO {s}.t VALUES (2)")
        records = drain(task, reader)
        # the WAL sender of the replication connection is TLS too
        assert db.query("SELECT s.ssl FROM pg_replication_slots r JOIN pg_stat_ssl s ON s.pid = r.active_pid "
                        "WHERE r.slot_name = %s", (db.slot,)) == [(True,)]
        assert ops(records) == [("c", 2)]
    finally:
        task.stop()


def test_verify_full_with_another_ca_fails_naming_the_settings(pg_db: PgDb, pem: dict[str, str]) -> None:
    props = pg_db.props(**{"database.sslmode": "verify-full", "database.sslrootcert": pem["wrong_ca"]})
    with pytest.raises(ConnectError, match=r"certificate verify failed.*database\.sslmode=verify-full, "
                                           r"database\.sslrootcert="):
        start_task(PostgresSourceTask(), props, MemoryOffsetReader())


@pytest.mark.parametrize(("mode", "tls"), [("require", True), ("prefer", True), ("disable", False)])
def test_require_and_prefer_use_tls_disable_does_not(pg_db: PgDb, mode: str, tls: bool) -> None:
    pg_db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)")
    task = start_task(PostgresSourceTask(), pg_db.props(**{"database.sslmode": mode}), MemoryOffsetReader())
    try:
        assert _session_tls(task) == (tls, None)  # no client certificate: none is taken from ~/.postgresql
    finally:
        task.stop()


def test_a_pem_file_outside_the_file_roots_is_refused_naming_the_key(pg_db: PgDb, postgres_settings: dict[str, str],
                                                                     tmp_path: Path) -> None:
    outside = postgres_settings["sslrootcert"]  # under the run dir, never under this test's own root
    props = pg_db.props(**{"database.sslmode": "verify-ca", "database.sslrootcert": outside})
    task = PostgresSourceTask()  # the root is this test's directory: a clone under /tmp has its run dir there too
    task.initialize(SourceTaskContext(props, MemoryOffsetReader(), file_roots=FileRoots.of([str(tmp_path)])))
    with pytest.raises(ConfigError, match=r"configuration database\.sslrootcert.*outside the allowed file roots"):
        task.start(props)

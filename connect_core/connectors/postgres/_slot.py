"""Connections, the publication and the replication slot (psycopg2 and its logical replication support).

Every session sets the text forms the converters read (UTC, ISO dates, ISO 8601 intervals, hex bytea); pgoutput's
walsender honours them too. The slot is created with an exported snapshot, so the first snapshot transaction sees
exactly what was committed before the slot's consistent point; later snapshot transactions get theirs from a
temporary slot (dropped with its connection). The slot's confirmed position is moved by offsets that Kafka has
committed (``confirm``), and by psycopg2 over WAL the walsender sent nothing of (see ``_stream``). ``drop`` is
``slot.drop.on.stop``'s, when the connector is stopped or deleted. Replication sessions carry the connector's own
``application_name`` (``replication_application``), so ``end_own_sender`` can tell a WAL sender left holding the slot
by an earlier invocation of this connector (a frozen container's) from anyone else's.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.database_tls import libpq_tls_arguments
from connect_core.api.errors import ConnectError, RetriableError
from connect_core.connectors.postgres._offsets import parse_lsn

if TYPE_CHECKING:
    from collections.abc import Sequence

    from connect_core.connectors.postgres.config import PostgresSourceConfig

__all__ = ["SESSION_OPTIONS", "Slot", "connect", "replication_application", "tls_arguments"]

log = logging.getLogger(__name__)

SESSION_OPTIONS: Final = ("-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601 -c bytea_output=hex "
                          "-c extra_float_digits=1")
_APPLICATION: Final = "lambda-connect"
_NAMEDATALEN: Final = 63  # PostgreSQL keeps this much of an application_name
# slot.drop.on.stop: a slot still held by a WAL sender (an invocation streaming when the connector is deleted) is
# tried again this often, a second apart, as Debezium's dropReplicationSlot does (3 times), then left with a warning
DROP_ATTEMPTS: Final = 10
DROP_PAUSE_S: Final = 1.0
_OBJECT_IN_USE: Final = "55006"
_UNDEFINED_OBJECT: Final = "42704"
# libpq's messages for a TLS set-up that cannot work as configured (not a network failure)
_TLS_FAILURE: Final = re.compile(r"SSL error|certificate|does not support SSL|private key|could not load|"
                                 r"could not read", re.IGNORECASE)


def tls_arguments(config: PostgresSourceConfig, libpq_version: int) -> dict[str, Any]:
    """libpq's TLS keywords of Debezium's ``database.ssl*`` keys (the PEM paths already resolved under the file
    roots), built as the JDBC connectors' are (``api/database_tls.py``): without ``database.sslcert`` no client
    certificate is sent (``sslcertmode=disable``, libpq 16+), rather than the one libpq would find in the worker's
    ``~/.postgresql``."""
    return libpq_tls_arguments({
        "sslmode": config.ssl_mode.lower(), "sslrootcert": config.ssl_root_cert, "sslcert": config.ssl_cert,
        "sslkey": config.ssl_key,
        "sslpassword": config.ssl_password.get_secret_value() if config.ssl_password is not None else None,
    }, libpq_version)


def replication_application(config: PostgresSourceConfig) -> str:
    """The ``application_name`` of the connector's replication sessions: ``lambda-connect <hash> <topic.prefix>``,
    the hash of the topic prefix and the slot keeping it unique where the server cuts a long name short."""
    digest = hashlib.sha256(f"{config.topic_prefix}\0{config.slot_name}".encode()).hexdigest()[:8]
    return f"{_APPLICATION} {digest} {config.topic_prefix}"[:_NAMEDATALEN]


def connect(config: PostgresSourceConfig, *, replication: bool = False) -> Any:
    """A session (``replication``: a logical replication connection), failures as ``RetriableError``."""
    import psycopg2
    import psycopg2.extras

    password = config.password.get_secret_value() if config.password else None
    try:
        conn = psycopg2.connect(
            host=config.hostname, port=config.port, user=config.user, password=password, dbname=config.dbname,
            connect_timeout=10, options=SESSION_OPTIONS,
            application_name=replication_application(config) if replication else _APPLICATION,
            connection_factory=psycopg2.extras.LogicalReplicationConnection if replication else None,
            **tls_arguments(config, psycopg2.__libpq_version__))
    except psycopg2.OperationalError as e:
        message = f"Unable to connect to {config.hostname}:{config.port}/{config.dbname} as {config.user}: {e}"
        if _TLS_FAILURE.search(str(e)):  # a certificate or TLS refusal: the config, not the network
            raise ConnectError(message.rstrip() + f" (TLS as set by database.sslmode={config.ssl_mode.lower()}"
                               f", database.sslrootcert={config.ssl_root_cert}, database.sslcert="
                               f"{config.ssl_cert})") from e
        raise RetriableError(message) from e
    if not replication:
        conn.autocommit = True
    return conn


class Slot:
    """The connector's replication slot and publication, managed through a control session."""

    def __init__(self, config: PostgresSourceConfig, ctl: Any) -> None:
        """``ctl``: an autocommit session."""
        self._config = config
        self._ctl = ctl
        self.name = config.slot_name

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._ctl.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def check_server(self) -> None:
        """Logical decoding must be on (``wal_level=logical``), as Debezium checks at start."""
        level = self._query("SHOW wal_level")[0][0]
        if level != "logical":
            raise ConnectError(f"Postgres server wal_level property must be 'logical' but is: '{level}' (set it in "
                               "postgresql.conf and restart the server)")

    def confirmed_flush(self) -> int | None:
        """The slot's confirmed position, or None when the slot does not exist."""
        rows = self._query("SELECT confirmed_flush_lsn::text, plugin, database FROM pg_replication_slots WHERE "
                           "slot_name = %s", (self.name,))
        if not rows:
            return None
        lsn, plugin, database = rows[0]
        if plugin != "pgoutput" or database != self._config.dbname:
            raise ConnectError(f"Replication slot {self.name} exists for plugin {plugin} on database {database}; "
                               f"this connector needs one for pgoutput on {self._config.dbname} (slot.name)")
        return parse_lsn(lsn) if lsn else 0

    def exists(self) -> bool:
        """Whether the slot exists (of any plugin)."""
        return bool(self._query("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (self.name,)))

    def lag_bytes(self) -> int | None:
        """How far the slot's confirmed position is behind the server's WAL (what it keeps from being recycled)."""
        rows = self._query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM "
                           "pg_replication_slots WHERE slot_name = %s", (self.name,))
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def end_own_sender(self) -> int | None:
        """End the WAL sender holding the slot when it is one of this connector's own replication sessions (the
        same user and ``replication_application``): an earlier invocation's, frozen or cut off mid-stream. Returns
        its PID, or None when the slot is free or held by another session (never ended: it is not ours).

        Safe because the runner fenced every earlier invocation of the task (``init_transactions``) before this one
        started: none can commit records or offsets any more, and the slot is confirmed only after a commit went
        through, so the ended session takes nothing with it that Kafka holds (the docs' "Connections")."""
        rows = self._query(
            "SELECT s.active_pid FROM pg_replication_slots s JOIN pg_stat_activity a ON a.pid = s.active_pid "
            "WHERE s.slot_name = %s AND a.backend_type = 'walsender' AND a.usename = current_user "
            "AND a.application_name = %s", (self.name, replication_application(self._config)))
        if not rows:
            return None
        pid = int(rows[0][0])
        self._query("SELECT pg_terminate_backend(%s)", (pid,))
        log.warning("replication slot %s was held by WAL sender %d of an earlier invocation of this connector (a "
                    "frozen or cut-off container): ended it to go on from the committed offsets", self.name, pid)
        return pid

    def drop(self) -> bool:
        """Drop the slot (``slot.drop.on.stop``); whether this call dropped it. A slot that does not exist is left
        as it is; one still active (held by a WAL sender) is tried ``DROP_ATTEMPTS`` times, ``DROP_PAUSE_S`` apart,
        then left with a warning naming it, as Debezium leaves it."""
        attempts = DROP_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                self._query("SELECT pg_drop_replication_slot(%s)", (self.name,))
            except Exception as e:
                code = getattr(e, "pgcode", None)
                if code == _UNDEFINED_OBJECT:
                    log.info("replication slot %s was already dropped", self.name)
                    return False
                if code != _OBJECT_IN_USE:
                    raise ConnectError(f"Unable to drop replication slot {self.name}: {e}") from e
                if attempt == attempts:
                    log.warning("Cannot drop replication slot %s because it is still in use after %d attempts; drop "
                                "it once it is inactive: SELECT pg_drop_replication_slot('%s')", self.name, attempts,
                                self.name)
                    return False
                time.sleep(DROP_PAUSE_S)
                continue
            log.info("dropped replication slot %s (slot.drop.on.stop)", self.name)
            return True
        return False

    def drop_publication(self) -> bool:
        """Drop the publication unless ``publication.autocreate.mode=disabled`` (then someone else made it); whether
        this call dropped it."""
        if self._config.publication_autocreate_mode.lower() == "disabled":
            return False
        name = self._config.publication_name
        if not self._query("SELECT 1 FROM pg_publication WHERE pubname = %s", (name,)):
            return False
        self._query(f"DROP PUBLICATION IF EXISTS {_quote(name)}")
        log.info("dropped publication %s", name)
        return True

    def ensure_publication(self, tables: Sequence[tuple[str, str]]) -> None:
        """``publication.autocreate.mode``: all_tables creates FOR ALL TABLES, filtered keeps exactly ``tables``."""
        mode = self._config.publication_autocreate_mode.lower()
        name = self._config.publication_name
        exists = bool(self._query("SELECT 1 FROM pg_publication WHERE pubname = %s", (name,)))
        listed = ", ".join(_quote(s) + "." + _quote(t) for s, t in tables)
        if mode == "disabled":
            if not exists:
                raise ConnectError(f"Publication {name} does not exist and publication.autocreate.mode is disabled")
            return
        try:
            if mode == "all_tables" and not exists:
                self._query(f"CREATE PUBLICATION {_quote(name)} FOR ALL TABLES")
            elif mode == "filtered":
                if not tables:
                    raise ConnectError(f"No table matches the filters, so publication {name} cannot be created "
                                       "(publication.autocreate.mode=filtered)")
                verb = "ALTER PUBLICATION {} SET TABLE {}" if exists else "CREATE PUBLICATION {} FOR TABLE {}"
                self._query(verb.format(_quote(name), listed))
        except ConnectError:
            raise
        except Exception as e:
            raise ConnectError(f"Unable to create or update publication {name} ({mode}): {e}") from e

    def create(self, *, export: bool) -> tuple[Any, int, str | None]:
        """Create the slot; returns (replication connection, consistent point, exported snapshot name or None).

        The connection must stay open (and idle) until a snapshot transaction has imported the snapshot."""
        return self._create(self.name, temporary=False, export=export)

    def export_snapshot(self) -> tuple[Any, int, str]:
        """A temporary slot's exported snapshot and consistent point (for a later snapshot transaction)."""
        name = f"{self.name[:40]}_snap_{uuid.uuid4().hex[:12]}"
        conn, lsn, snapshot = self._create(name, temporary=True, export=True)
        assert snapshot is not None
        return conn, lsn, snapshot

    def _create(self, name: str, *, temporary: bool, export: bool) -> tuple[Any, int, str | None]:
        conn = connect(self._config, replication=True)
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"CREATE_REPLICATION_SLOT {_quote(name)} {'TEMPORARY ' if temporary else ''}LOGICAL "
                               f"pgoutput {'EXPORT_SNAPSHOT' if export else 'NOEXPORT_SNAPSHOT'}")
                row = cursor.fetchone()
        except Exception as e:
            conn.close()
            raise ConnectError(f"Unable to create replication slot {name} (the user needs REPLICATION, and "
                               f"max_replication_slots must leave room): {e}") from e
        assert row is not None
        log.info("created replication slot %s at %s", name, row[1])
        return conn, parse_lsn(row[1]), row[2]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

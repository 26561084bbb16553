"""Opening the database connection with ``connection.attempts`` / ``connection.backoff.ms`` (Confluent
``CachedConnectionProvider``), returning a plain DB-API connection with autocommit off.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.connectors.jdbc._url import MYSQL, parse_jdbc_url

if TYPE_CHECKING:
    from connect_core.connectors.jdbc._dialect import Dialect
    from connect_core.connectors.jdbc.source_config import JdbcSourceConfig

__all__ = ["connect"]

log = logging.getLogger(__name__)
_ISOLATION_SQL = {
    "READ_UNCOMMITTED": "READ UNCOMMITTED", "READ_COMMITTED": "READ COMMITTED",
    "REPEATABLE_READ": "REPEATABLE READ", "SERIALIZABLE": "SERIALIZABLE",
}


def connect(config: JdbcSourceConfig, dialect: Dialect, sleep: Any = time.sleep) -> Any:
    """A DB-API connection set up for ``config``; retried, then a ``ConnectError`` naming the (password-free) URL."""
    from sqlalchemy import create_engine

    jdbc = parse_jdbc_url(config.connection_url)
    password = config.connection_password.get_secret_value() if config.connection_password else None
    url = jdbc.sqlalchemy_url(config.connection_user, password)
    try:
        engine = create_engine(url)
        cargs, cparams = engine.dialect.create_connect_args(url)
        cparams.update(jdbc.connect_args())  # TLS as the URL asks, and a connect timeout
        open_connection = engine.dialect.connect
        if jdbc.family == MYSQL:
            from connect_core.connectors.jdbc._mysql_driver import connection_class, conversions

            cparams["conv"] = conversions()  # the same values, DATETIME and DATE decoded in C
            open_connection = connection_class()  # what the dialect's connect builds, without the CA store load
    except ModuleNotFoundError as e:
        raise ConfigError(f"Invalid value {config.connection_url} for configuration connection.url: the driver "
                          f"for {jdbc.drivername} is not installed ({e.name})") from e
    error: Exception | None = None
    for attempt in range(1, config.connection_attempts + 1):
        try:
            conn = open_connection(*cargs, **cparams)  # no pool: one connection per task invocation
            try:
                jdbc.check_tls(conn)
            except ConnectError:
                conn.close()
                raise
            break
        except Exception as e:  # any driver error is retried, then reported
            error = e
            # WARNING, not Confluent's INFO: a coordinator whose start times out while retrying reports the last
            # warning, so the FAILED trace carries the driver's own message
            log.warning("Unable to connect to database on attempt %d/%d: %s", attempt, config.connection_attempts, e)
            if attempt < config.connection_attempts:
                sleep(config.connection_backoff_ms / 1000)
    else:
        where = url.render_as_string(hide_password=True)
        refused = dialect.authentication_error(error) if error is not None else None
        if refused is not None:  # named as what it is: the restart policy opens the breaker at once
            raise type(refused)(f"Unable to connect to the database at {where} (connection.url): {refused}") \
                from error
        raise ConnectError(f"Unable to connect to the database at {where} "
                           f"(connection.url) after {config.connection_attempts} attempt(s): {error}") from error
    _setup(conn, config, dialect)
    return conn


def _setup(conn: Any, config: JdbcSourceConfig, dialect: Dialect) -> None:
    # DB-API connections start with autocommit off: reads run in a transaction committed after each table query.
    dialect.setup_session(conn, config.db_timezone)
    level = _ISOLATION_SQL.get(config.transaction_isolation_mode)
    if level is not None and dialect.family != "sqlite":
        cursor = conn.cursor()
        try:
            cursor.execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {level}")
        finally:
            cursor.close()
    conn.commit()

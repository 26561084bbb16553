"""Kafka-Connect-style ``connection.url`` (``jdbc:mysql://...``) to a SQLAlchemy URL.

Shared by the JDBC source and sink, so a config copied from a Confluent connector keeps working unchanged.
Only the driver-independent parts of a JDBC URL are carried over; JDBC driver properties (``useSSL``,
``serverTimezone``...) have no pymysql equivalent and are dropped, except ``user``/``password``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, unquote

from connect_core.api.config import config_error

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = ["MYSQL", "POSTGRESQL", "SQLITE", "JdbcUrl", "parse_jdbc_url"]

MYSQL: Final = "mysql"
POSTGRESQL: Final = "postgresql"
SQLITE: Final = "sqlite"
URL_CONFIG: Final = "connection.url"
_SERVER_URL = re.compile(r"^jdbc:(?P<sub>mysql|mariadb|postgresql)://(?P<hosts>[^/?]*)(?:/(?P<db>[^?;]*))?"
                         r"(?:[?;](?P<params>.*))?$", re.IGNORECASE)
_DRIVERS: Final = {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql", "postgresql": "postgresql+psycopg2"}
_FAMILIES: Final = {"mysql": MYSQL, "mariadb": MYSQL, "postgresql": POSTGRESQL}
_DEFAULT_PORTS: Final = {MYSQL: 3306, POSTGRESQL: 5432}
SUPPORTED: Final = "jdbc:mysql://host:port/db, jdbc:mariadb://host:port/db, jdbc:postgresql://host:port/db, " \
                   "jdbc:sqlite:path"


@dataclasses.dataclass(frozen=True, slots=True)
class JdbcUrl:
    """The parts of a JDBC URL lambda-connect uses; ``family`` picks the dialect (mysql, postgresql, sqlite)."""

    family: str
    drivername: str
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = None

    def sqlalchemy_url(self, user: str | None = None, password: str | None = None) -> URL:
        """The SQLAlchemy URL; ``connection.user``/``connection.password`` win over credentials in the URL."""
        from sqlalchemy.engine import URL

        query = {"charset": "utf8mb4"} if self.family == MYSQL else {}
        return URL.create(
            self.drivername, username=user or self.user, password=password or self.password,
            host=self.host, port=self.port, database=self.database, query=query,
        )


def _unsupported(url: str, reason: str) -> Exception:
    return config_error(URL_CONFIG, url, f"{reason}; supported URLs: {SUPPORTED}")


def parse_jdbc_url(url: str) -> JdbcUrl:
    """Parse a JDBC URL, raising ``ConfigError`` naming ``connection.url`` for anything unsupported."""
    text = (url or "").strip()
    if not text:
        raise _unsupported(text, "A JDBC URL is required")
    if text.lower().startswith("jdbc:sqlite:"):
        path = text[len("jdbc:sqlite:"):]
        if path in ("", ":memory:"):
            return JdbcUrl(SQLITE, "sqlite")
        return JdbcUrl(SQLITE, "sqlite", database=path.split("?", 1)[0])
    match = _SERVER_URL.match(text)
    if match is None:
        raise _unsupported(text, "Unsupported JDBC URL")
    sub = match["sub"].lower()
    family = _FAMILIES[sub]
    hosts = match["hosts"]
    if "," in hosts:
        raise _unsupported(text, "Multi-host JDBC URLs are not supported")
    creds, _, hostport = hosts.rpartition("@")
    user, _, password = creds.partition(":") if creds else ("", "", "")
    host, port = _host_port(text, hostport, family)
    params = dict(parse_qsl(match["params"] or "", keep_blank_values=True))
    return JdbcUrl(
        family, _DRIVERS[sub], host=host, port=port, database=unquote(match["db"] or "") or None,
        user=unquote(user) or params.get("user"), password=unquote(password) or params.get("password"),
    )


def _host_port(url: str, hostport: str, family: str) -> tuple[str, int]:
    if hostport.startswith("["):  # IPv6 literal
        host, _, rest = hostport[1:].partition("]")
        port_text = rest.lstrip(":")
    else:
        host, _, port_text = hostport.partition(":")
    if not port_text:
        return host or "localhost", _DEFAULT_PORTS[family]
    if not port_text.isdigit():
        raise _unsupported(url, f"Invalid port {port_text!r}")
    return host or "localhost", int(port_text)

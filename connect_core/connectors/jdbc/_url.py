"""Kafka-Connect-style ``connection.url`` (``jdbc:mysql://...``) to a SQLAlchemy URL, for the JDBC source and sink.

``user``/``password`` and the TLS properties are carried over; TLS properties are honoured or refused, never dropped.
MySQL/MariaDB (``useSSL``, ``requireSSL``, ``verifyServerCertificate``, ``trustServerCertificate``, ``sslMode``, PEM
``serverSslCert``/``sslCa``, ``sslCert``, ``sslKey``) get a TLS context of ``api/database_tls.py`` (VERIFY_CA and
VERIFY_IDENTITY against the system's CAs without a CA file, as Connector/J); PostgreSQL (``ssl``, ``sslmode``,
``sslrootcert``, ``sslcert``, ``sslkey``) goes through the libpq builder the CDC source uses too, and pgjdbc's
``currentSchema`` becomes the ``search_path``. Other TLS or keystore properties are a ConfigError; other URL
properties reach no driver. PEM paths and ``jdbc:sqlite:`` files must lie under the worker's file roots.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, quote, unquote

from connect_core.api.config import config_error
from connect_core.api.database_tls import LIBPQ_SSL_MODES, libpq_tls_arguments, libpq_tls_problems, mysql_tls_context

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import URL

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.file_roots import FileRoots

__all__ = [
    "CONNECT_TIMEOUT_S", "MYSQL", "POSTGRESQL", "SQLITE", "JdbcUrl", "file_roots_errors", "parse_jdbc_url",
    "resolve_file_roots", "valid_jdbc_url",
]

MYSQL: Final = "mysql"
POSTGRESQL: Final = "postgresql"
SQLITE: Final = "sqlite"
URL_CONFIG: Final = "connection.url"
_SERVER_URL = re.compile(r"^jdbc:(?P<sub>mysql|mariadb|postgresql)://(?P<hosts>[^/?]*)(?:/(?P<db>[^?;]*))?"
                         r"(?:[?;](?P<params>.*))?$", re.IGNORECASE)
_DRIVERS: Final = {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql", "postgresql": "postgresql+psycopg2"}
_FAMILIES: Final = {"mysql": MYSQL, "mariadb": MYSQL, "postgresql": POSTGRESQL}
_DEFAULT_PORTS: Final = {MYSQL: 3306, POSTGRESQL: 5432}
# Seconds one connection attempt may take (TCP + handshake): a host that accepts TCP but never answers fails fast.
CONNECT_TIMEOUT_S: Final = 10
_MYSQL_MODES: Final = {  # sslMode value (lower case) -> (use TLS, verify the CA, verify the host name)
    "disabled": None, "disable": None, "preferred": (False, False, False), "trust": (True, False, False),
    "required": (True, False, False), "verify_ca": (True, True, False), "verify-ca": (True, True, False),
    "verify_identity": (True, True, True), "verify-full": (True, True, True),
}
_PG_MODES: Final = LIBPQ_SSL_MODES
_MYSQL_TLS_KEYS: Final = frozenset({"usessl", "requiressl", "verifyservercertificate", "trustservercertificate",
                                    "sslmode", "serversslcert", "sslca", "sslcert", "sslkey"})
_PG_TLS_KEYS: Final = frozenset({"ssl", "sslmode", "sslrootcert", "sslcert", "sslkey"})
_MYSQL_TLS_FILES: Final = frozenset({"serversslcert", "sslca", "sslcert", "sslkey"})  # host paths: file roots
_PG_TLS_FILES: Final = frozenset({"sslrootcert", "sslcert", "sslkey"})
_TRUE: Final = ("true", "1", "yes", "")
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
    tls: tuple[tuple[str, object], ...] = ()  # driver TLS arguments, see connect_args
    tls_required: bool = False
    current_schema: str | None = None  # pgjdbc's currentSchema: the search_path of every session

    def connect_args(self) -> dict[str, object]:
        """Keyword arguments for the DB-API driver's ``connect``: TLS as the URL asks, and a connect timeout."""
        if self.family == SQLITE:
            return {}
        args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_S}
        if self.family == MYSQL and self.tls:
            tls = dict(self.tls)
            if tls.get("disabled"):
                args["ssl_disabled"] = True
            else:
                args["ssl"] = mysql_tls_context(
                    verify_ca=tls["verify_mode"] == "required", verify_host=bool(tls["check_hostname"]),
                    ca=_text(tls.get("ca")), cert=_text(tls.get("cert")), key=_text(tls.get("key")))
        elif self.family == POSTGRESQL:
            import psycopg2

            args.update(libpq_tls_arguments({k: _text(v) for k, v in self.tls}, psycopg2.__libpq_version__))
            if self.current_schema:
                escaped = self.current_schema.replace("\\", "\\\\").replace(" ", "\\ ")
                args["options"] = f"-c search_path={escaped}"  # libpq's startup options, as pgjdbc sends it
        return args

    def check_tls(self, dbapi_connection: object) -> None:
        """Fail when the URL requires TLS and the server did not negotiate it (pymysql silently goes on)."""
        if not (self.tls_required and self.family == MYSQL):
            return
        import ssl

        if not isinstance(getattr(dbapi_connection, "_sock", None), ssl.SSLSocket):
            from connect_core.api.errors import ConnectError

            raise ConnectError(f"The server at {self.host}:{self.port} did not negotiate TLS, which connection.url "
                               "requires")

    def sqlalchemy_url(self, user: str | None = None, password: str | None = None) -> URL:
        """The SQLAlchemy URL; ``connection.user``/``connection.password`` win over credentials in the URL."""
        from sqlalchemy.engine import URL

        query = {"charset": "utf8mb4"} if self.family == MYSQL else {}
        return URL.create(
            self.drivername, username=user or self.user, password=password or self.password,
            host=self.host, port=self.port, database=self.database, query=query,
        )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def valid_jdbc_url(key: str, value: object) -> None:
    """Config validator: an unsupported URL or TLS property is a 400 at validation, not a FAILED task later."""
    if isinstance(value, str) and value and "${" not in value:
        parse_jdbc_url(value)


def _host_files(url: str | None) -> list[str]:
    """The host files a URL names: a ``jdbc:sqlite:<path>`` database, or the TLS PEM files of a server URL.

    Placeholders (``${...}``) are left to the check at start, after the config providers resolved them; libpq's
    ``sslrootcert=system`` (the system CA store) is no path.
    """
    found: list[str] = []

    def note(path: str) -> str:
        found.append(path)
        return path

    _map_files(url or "", note)
    return found


def _map_files(url: str, change: Callable[[str], str]) -> str:
    """``url`` with each host file it names (``_host_files``) replaced by ``change(path)``, the rest unchanged."""
    text = url.strip()
    if "${" in text:
        return url
    if text.lower().startswith("jdbc:sqlite:"):
        head, body = text[:len("jdbc:sqlite:")], text[len("jdbc:sqlite:"):]
        path, sep, rest = body.partition("?")
        return url if path in ("", ":memory:") else head + change(path) + sep + rest
    match = _SERVER_URL.match(text)
    if match is None or match["params"] is None:
        return url
    names = _PG_TLS_FILES if _FAMILIES[match["sub"].lower()] == POSTGRESQL else _MYSQL_TLS_FILES
    parts = re.split(r"([&;])", match["params"])
    for index, part in enumerate(parts):
        raw_key, eq, _raw = part.partition("=")
        if not eq or part in ("&", ";"):
            continue
        [(key, value)] = parse_qsl(part, keep_blank_values=True) or [(raw_key, "")]
        if key.lower() in names and value and not (key.lower() == "sslrootcert" and value == "system"):
            parts[index] = f"{raw_key}={quote(change(value), safe='/')}"
    return text[:match.start("params")] + "".join(parts)


def resolve_file_roots(url: str, roots: FileRoots) -> str:
    """``url`` with each SQLite or TLS PEM file it names replaced by its real path under the worker's file roots, so
    the file a connector or task opens is the one checked: a relative path is taken inside the first root, never in
    the process's working directory (which a function does not have).

    Raises:
        ConfigError: naming ``connection.url``, the path and the allowed roots.
    """
    return _map_files(url, lambda path: roots.resolve(URL_CONFIG, path))


def file_roots_errors(values: list[ConfigValueInfo], url: str | None, roots: FileRoots) -> list[ConfigValueInfo]:
    """A connector's ``validate`` results with each file of the URL outside the roots refused on ``connection.url``."""
    for path in _host_files(url):
        values = roots.check_value(values, URL_CONFIG, path)
    return values


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
    params = dict(parse_qsl((match["params"] or "").replace(";", "&"), keep_blank_values=True))
    tls, required = _mysql_tls(text, params, preferred=sub == "mysql") if family == MYSQL else _pg_tls(text, params)
    return JdbcUrl(
        family, _DRIVERS[sub], host=host, port=port, database=unquote(match["db"] or "") or None,
        user=unquote(user) or params.get("user"), password=unquote(password) or params.get("password"),
        tls=tuple(tls.items()), tls_required=required,
        current_schema=(_param(params, "currentSchema") or None) if family == POSTGRESQL else None,
    )


def _refuse_unknown_tls(url: str, params: dict[str, str], known: frozenset[str]) -> None:
    for key in params:
        lowered = key.lower()
        if lowered in known:
            continue
        if "ssl" in lowered or "tls" in lowered or "keystore" in lowered or "truststore" in lowered:
            raise _unsupported(url, f"The TLS property {key} cannot be honoured (PEM files only: see the README)")


def _flag(params: dict[str, str], *names: str) -> bool | None:
    for name in names:
        for key, value in params.items():
            if key.lower() == name.lower():
                return value.strip().lower() in _TRUE
    return None


def _param(params: dict[str, str], *names: str) -> str | None:
    for name in names:
        for key, value in params.items():
            if key.lower() == name.lower():
                return value
    return None


def _mysql_tls(url: str, params: dict[str, str], *, preferred: bool) -> tuple[dict[str, object], bool]:
    """Connector/J and MariaDB TLS properties -> pymysql's ``ssl`` dict, and whether TLS is required.

    ``preferred``: the driver's default without TLS properties is PREFERRED (``jdbc:mysql:``), which is PyMySQL's
    own default without ``ssl`` arguments; otherwise TLS off is ``{"disabled": True}`` (PyMySQL's ``ssl_disabled``).

    Asking for TLS (``useSSL=true``, ``requireSSL``, a CA file) requires it: stricter than Connector/J, whose
    ``useSSL=true`` alone may fall back to plain text. The certificate is verified with ``verifyServerCertificate``
    or a CA file (``trustServerCertificate=true`` turns that off); the host name only with VERIFY_IDENTITY /
    verify-full.
    """
    _refuse_unknown_tls(url, params, _MYSQL_TLS_KEYS)
    ca = _param(params, "serverSslCert", "sslCa")
    cert, key = _param(params, "sslCert"), _param(params, "sslKey")
    mode = _param(params, "sslMode")
    if mode is not None:
        if mode.strip().lower() not in _MYSQL_MODES:
            raise _unsupported(url, f"Invalid sslMode {mode!r}")
        spec = _MYSQL_MODES[mode.strip().lower()]
    else:
        use = _flag(params, "useSSL", "useSsl")
        wanted = use is True or bool(_flag(params, "requireSSL")) or ca is not None
        if use is False or not wanted:
            spec = None
        else:
            verify = _flag(params, "verifyServerCertificate")
            if verify is None:
                verify = ca is not None and not _flag(params, "trustServerCertificate")
            spec = (True, verify, False)
    if spec is None:
        if ca or cert or key:
            raise _unsupported(url, "TLS files are given but TLS is disabled")
        explicitly_off = mode is not None or _flag(params, "useSSL", "useSsl") is False
        return ({}, False) if preferred and not explicitly_off else ({"disabled": True}, False)
    required, verify_ca, verify_host = spec
    if not required and not (ca or cert or key):
        return {}, False  # PREFERRED: PyMySQL's default (an ``ssl`` dict would make TLS required)
    tls: dict[str, object] = {"verify_mode": "required" if verify_ca else "none", "check_hostname": verify_host}
    for name, value in (("ca", ca), ("cert", cert), ("key", key)):
        if value:
            tls[name] = value
    return tls, required


def _pg_tls(url: str, params: dict[str, str]) -> tuple[dict[str, object], bool]:
    """pgjdbc TLS properties -> libpq's (libpq enforces them, ``require`` and up fail without TLS)."""
    _refuse_unknown_tls(url, params, _PG_TLS_KEYS)
    mode = _param(params, "sslmode")
    if mode is None and _flag(params, "ssl"):
        mode = "verify-full"  # pgjdbc: ssl=true verifies the certificate and the host name
    tls: dict[str, object] = {}
    if mode is not None:
        if mode.strip().lower() not in _PG_MODES:
            raise _unsupported(url, f"Invalid sslmode {mode!r}")
        tls["sslmode"] = mode.strip().lower()
    for name in ("sslrootcert", "sslcert", "sslkey"):
        value = _param(params, name)
        if value:
            tls[name] = value
    for keyword, reason in libpq_tls_problems({k: str(v) for k, v in tls.items()}).items():
        raise _unsupported(url, f"{keyword}: {reason}")
    return tls, tls.get("sslmode") in ("require", "verify-ca", "verify-full")


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

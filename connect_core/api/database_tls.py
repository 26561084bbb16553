"""TLS of the database drivers as the JDBC drivers' settings mean it: one builder per driver, for every connector.

libpq (psycopg2) serves the JDBC connectors' ``jdbc:postgresql:`` URLs (pgjdbc's ``ssl``, ``sslmode``,
``sslrootcert``, ``sslcert``, ``sslkey``) and the PostgreSQL CDC source's ``database.ssl*`` keys alike, through the
allow-list ``LIBPQ_TLS``. The verify modes need a root certificate by name (a PEM under the file roots, or libpq's
``system`` with verify-full): pgjdbc and libpq would otherwise read ``~/.postgresql/root.crt`` of the worker, and
without a client certificate libpq is kept from sending the one it would find there (``sslcertmode=disable``).

PyMySQL gets an ``ssl.SSLContext`` built here, as Connector/J's ``sslMode`` means it: VERIFY_CA checks the chain,
VERIFY_IDENTITY also the host name, against ``sslCa`` or, without one, the system's CAs (PyMySQL's own context turns
the host name check off whenever no CA file is given).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from connect_core.api.library_properties import LibraryProperties, LibraryProperty

if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping

__all__ = ["LIBPQ_SSL_MODES", "LIBPQ_TLS", "libpq_tls_arguments", "libpq_tls_problems", "mysql_tls_context"]

LIBPQ_SSL_MODES: Final = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
LIBPQ_VERIFY_MODES: Final = ("verify-ca", "verify-full")
LIBPQ_TLS: Final = LibraryProperties("libpq", accepted=(
    LibraryProperty("sslmode", "choice", LIBPQ_SSL_MODES),
    LibraryProperty("sslrootcert", "file", ("system",)),  # system: libpq's word for the system's CA store
    LibraryProperty("sslcert", "file"),
    LibraryProperty("sslkey", "file"),
    LibraryProperty("sslpassword", "secret"),
))
_SSLCERTMODE_SINCE: Final = 160000  # libpq's version number that knows sslcertmode


def libpq_tls_problems(settings: Mapping[str, str]) -> dict[str, str]:
    """libpq keyword -> why the combination of TLS ``settings`` (libpq's keywords, mode in lower case) is refused."""
    mode = settings.get("sslmode", "prefer")
    root = settings.get("sslrootcert")
    out: dict[str, str] = {}
    if mode in LIBPQ_VERIFY_MODES and not root:
        out["sslrootcert"] = (f"sslmode={mode} checks the server's certificate against the certificate authorities "
                              "in this PEM file (or 'system'), which is required: the driver would otherwise read "
                              "~/.postgresql/root.crt of the worker")
    if root == "system" and mode != "verify-full":
        out["sslmode"] = ("sslrootcert=system (the system's CA store) is used with verify-full only; libpq refuses a "
                          "weaker mode with it")
    if bool(settings.get("sslcert")) != bool(settings.get("sslkey")):
        missing = "sslkey" if settings.get("sslcert") else "sslcert"
        out[missing] = "a client certificate needs both sslcert and sslkey"
    return out


def libpq_tls_arguments(settings: Mapping[str, str | None], libpq_version: int) -> dict[str, Any]:
    """psycopg2 ``connect`` keywords of TLS ``settings`` (libpq's keywords; the caller confined PEM paths to the file
    roots when it started): only what ``LIBPQ_TLS`` accepts, and ``sslcertmode=disable`` without a client
    certificate (libpq 16+).

    Raises:
        ConfigError: a keyword outside the allow-list, a value or a combination refused, naming the libpq keyword.
    """
    from connect_core.api.config import config_error

    out: dict[str, Any] = {}
    for keyword, value in settings.items():
        if value is None or value == "":
            continue
        prop = LIBPQ_TLS.find(keyword)
        if prop is None:
            raise config_error(keyword, "[hidden]", f"{keyword} is not among the libpq properties passed on")
        if prop.kind == "choice" and (reason := prop.problem(value, None)) is not None:
            raise config_error(keyword, value, reason)
        out[keyword] = value
    for keyword, reason in libpq_tls_problems(out).items():
        raise config_error(keyword, out.get(keyword), reason)
    if not out.get("sslcert") and libpq_version >= _SSLCERTMODE_SINCE:
        out["sslcertmode"] = "disable"
    return out


def mysql_tls_context(*, verify_ca: bool, verify_host: bool, ca: str | None = None, cert: str | None = None,
                      key: str | None = None) -> ssl.SSLContext:
    """The client context of Connector/J's sslMode: REQUIRED (no verification), VERIFY_CA (``verify_ca``: the chain
    against ``ca``, else the system's CAs), VERIFY_IDENTITY (``verify_host`` too: the host name); a client
    certificate when ``cert``/``key`` are given."""
    import ssl

    ctx = ssl.create_default_context(cafile=ca) if verify_ca else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT  # as PyMySQL: MySQL's own self-made certificates are not strict
    ctx.check_hostname = verify_ca and verify_host
    ctx.verify_mode = ssl.CERT_REQUIRED if verify_ca else ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx

"""JDBC URL TLS properties map onto the drivers or are refused, naming connection.url; never silently dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError
from connect_core.connectors.jdbc._url import CONNECT_TIMEOUT_S, parse_jdbc_url
from connect_core.coordinator.herder.validation import validate_connector_config

if TYPE_CHECKING:
    from pathlib import Path


def _self_signed_ca() -> bytes:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "probe test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize(("url", "ssl", "disabled", "required"), [
    ("jdbc:mysql://h/db?useSSL=true&requireSSL=true", {"verify_mode": "none", "check_hostname": False}, None, True),
    ("jdbc:mysql://h/db?useSSL=true&verifyServerCertificate=true&serverSslCert={ca}",
     {"verify_mode": "required", "check_hostname": False, "ca": True}, None, True),
    ("jdbc:mysql://h/db?sslMode=VERIFY_IDENTITY&sslCa={ca}",
     {"verify_mode": "required", "check_hostname": True, "ca": True}, None, True),
    # without a CA file: the system's CAs, and the host name still checked (Connector/J), unlike PyMySQL's own context
    ("jdbc:mysql://h/db?sslMode=VERIFY_IDENTITY", {"verify_mode": "required", "check_hostname": True}, None, True),
    ("jdbc:mysql://h/db?sslMode=verify-full", {"verify_mode": "required", "check_hostname": True}, None, True),
    ("jdbc:mysql://h/db?sslMode=VERIFY_CA", {"verify_mode": "required", "check_hostname": False}, None, True),
    ("jdbc:mariadb://h/db?sslMode=trust", {"verify_mode": "none", "check_hostname": False}, None, True),
    # PREFERRED, explicit or Connector/J's default: PyMySQL's own default (TLS when offered), no ssl arguments
    ("jdbc:mysql://h/db?sslMode=PREFERRED", None, None, False),
    ("jdbc:mysql://h/db", None, None, False),
    # off: explicitly, or MariaDB Connector/J's default
    ("jdbc:mysql://h/db?useSSL=false", None, True, False),
    ("jdbc:mysql://h/db?sslMode=DISABLED", None, True, False),
    ("jdbc:mariadb://h/db", None, True, False),
])
def test_mysql_tls_properties(url: str, ssl: dict[str, object] | None, disabled: bool | None, required: bool,
                              tmp_path: Path) -> None:
    import ssl as ssl_module

    ca = tmp_path / "ca.pem"
    ca.write_bytes(_self_signed_ca())
    parsed = parse_jdbc_url(url.format(ca=ca))
    args = parsed.connect_args()
    context = args.get("ssl")
    if ssl is None:
        assert context is None
    else:
        assert isinstance(context, ssl_module.SSLContext)
        wanted_mode = ssl_module.CERT_REQUIRED if ssl["verify_mode"] == "required" else ssl_module.CERT_NONE
        assert (context.verify_mode, context.check_hostname) == (wanted_mode, ssl["check_hostname"])
        if ssl.get("ca"):  # the CA file's certificate is among those the context trusts
            assert any(c["subject"] == ((("commonName", "probe test CA"),),) for c in context.get_ca_certs())
    assert args.get("ssl_disabled") is disabled
    assert args["connect_timeout"] == CONNECT_TIMEOUT_S
    assert parsed.tls_required is required


@pytest.mark.parametrize("url", [
    "jdbc:postgresql://h/db?ssl=true",
    "jdbc:postgresql://h/db?sslmode=verify-ca",
    "jdbc:postgresql://h/db?sslmode=verify-ca&sslrootcert=system",
    "jdbc:postgresql://h/db?sslmode=require&sslcert=/c.pem",
])
def test_postgres_tls_is_refused_as_the_cdc_source_refuses_it(url: str) -> None:
    """One builder (api/database_tls.py): a verify mode names its root certificate, never ~/.postgresql's."""
    with pytest.raises(ConfigError, match="for configuration connection.url"):
        parse_jdbc_url(url)


@pytest.mark.parametrize(("url", "tls"), [
    ("jdbc:postgresql://h/db?ssl=true&sslrootcert=system", {"sslmode": "verify-full", "sslrootcert": "system"}),
    ("jdbc:postgresql://h/db?sslmode=verify-ca&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem",
     {"sslmode": "verify-ca", "sslrootcert": "/ca.pem", "sslcert": "/c.pem", "sslkey": "/k.pem"}),
    ("jdbc:postgresql://h/db", {}),
])
def test_postgres_tls_properties(url: str, tls: dict[str, str]) -> None:
    args = parse_jdbc_url(url).connect_args()
    assert {k: v for k, v in args.items() if k not in ("connect_timeout", "sslcertmode")} == tls
    assert args.get("sslcertmode") == (None if "sslcert" in tls else "disable")  # never ~/.postgresql's certificate


@pytest.mark.parametrize(("url", "options"), [
    ("jdbc:postgresql://sink-db:5432/sinkdb?currentSchema=inventorysink&user=u&password=p",  # postgres-toast's sink
     "-c search_path=inventorysink"),
    ("jdbc:postgresql://h/db?currentSchema=a,public", "-c search_path=a,public"),
    ("jdbc:postgresql://h/db?currentSchema=my%20schema", "-c search_path=my\\ schema"),
    ("jdbc:postgresql://h/db", None),
])
def test_postgres_current_schema_is_the_search_path(url: str, options: str | None) -> None:
    assert parse_jdbc_url(url).connect_args().get("options") == options


@pytest.mark.parametrize("url", [
    "jdbc:mysql://h/db?useSSL=true&trustCertificateKeyStoreUrl=file:/ts.jks",
    "jdbc:mysql://h/db?sslMode=SOMETIMES",
    "jdbc:mysql://h/db?useSSL=false&serverSslCert=/ca.pem",
    "jdbc:postgresql://h/db?sslfactory=org.postgresql.ssl.NonValidatingFactory",
    "jdbc:postgresql://h/db?sslmode=verify-full&sslpassword=x",
    "jdbc:postgresql://h/db?sslmode=maybe",
])
def test_tls_properties_that_cannot_be_honoured_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="for configuration connection.url"):
        parse_jdbc_url(url)
    infos = validate_connector_config({"connector.class": "JdbcSink", "name": "s", "topics": "t",
                                       "connection.url": url})
    assert infos["error_count"] >= 1


def test_resolve_file_roots_gives_the_checked_paths(tmp_path) -> None:
    from connect_core.api.errors import ConfigError
    from connect_core.api.file_roots import FileRoots
    from connect_core.connectors.jdbc._url import resolve_file_roots

    roots = FileRoots.of([str(tmp_path)])
    assert resolve_file_roots("jdbc:sqlite:test.db", roots) == f"jdbc:sqlite:{tmp_path}/test.db"
    assert resolve_file_roots("jdbc:sqlite::memory:", roots) == "jdbc:sqlite::memory:"
    url = "jdbc:mysql://db:3306/shop?sslMode=VERIFY_CA&sslCa=certs/ca.pem;user=app"
    assert resolve_file_roots(url, roots) == f"jdbc:mysql://db:3306/shop?sslMode=VERIFY_CA&sslCa={tmp_path}/certs/ca.pem;user=app"
    assert resolve_file_roots("jdbc:postgresql://db/x?sslrootcert=system", roots) == \
        "jdbc:postgresql://db/x?sslrootcert=system"
    with pytest.raises(ConfigError, match="outside the allowed file roots"):
        resolve_file_roots("jdbc:sqlite:../elsewhere.db", roots)

"""The one door for library properties: allow-lists by kind (api/library_properties.py) and the database TLS
builders on them (api/database_tls.py)."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

import pytest

from connect_core.api.database_tls import LIBPQ_TLS, libpq_tls_arguments, libpq_tls_problems, mysql_tls_context
from connect_core.api.errors import ConfigError
from connect_core.api.file_roots import FileRoots
from connect_core.api.library_properties import LibraryProperties, LibraryProperty

if TYPE_CHECKING:
    from pathlib import Path

LIBRARY = LibraryProperties("acme", accepted=(
    LibraryProperty("timeout", "int"), LibraryProperty("ca", "file", ("system",)), LibraryProperty("mode", "choice",
                                                                                                    ("a", "b")),
    LibraryProperty("header.", "string"),
), no_effect={"metrics.": "metrics need a JVM"})


def test_unknown_and_code_loading_properties_are_refused_naming_the_key() -> None:
    problems = LIBRARY.problems({"py-io-impl": "evil.Module", "timeout": "x", "mode": "c", "header.X-Id": "1",
                                 "metrics.reporters": "com.Acme"}, key_prefix="acme.")
    assert set(problems) == {"acme.py-io-impl", "acme.timeout", "acme.mode"}
    assert "not among the acme properties" in problems["acme.py-io-impl"]
    with pytest.raises(ConfigError, match="acme.py-io-impl"):
        LIBRARY.passed({"py-io-impl": "evil.Module"}, key_prefix="acme.")


def test_a_file_property_is_confined_to_the_roots_and_a_library_word_passes_as_it_is(tmp_path: Path) -> None:
    roots = FileRoots.of([str(tmp_path)])
    assert LIBRARY.problems({"ca": "/etc/passwd"}, file_roots=roots)["ca"].endswith(
        f"outside the allowed file roots: {tmp_path}")
    assert "no file roots are configured" in LIBRARY.problems({"ca": "ca.pem"})["ca"]
    assert LIBRARY.passed({"ca": "system"}) == {"ca": "system"}  # libpq's word for the system store: no path
    assert LIBRARY.passed({"ca": "certs/ca.pem"}, file_roots=roots) == {"ca": f"{tmp_path}/certs/ca.pem"}


def test_libpq_takes_its_tls_keywords_only() -> None:
    assert {p.name for p in LIBPQ_TLS.accepted} == {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword"}
    with pytest.raises(ConfigError, match="sslcrldir is not among the libpq properties"):
        libpq_tls_arguments({"sslmode": "require", "sslcrldir": "/etc"}, 170000)
    with pytest.raises(ConfigError, match="must be one of"):
        libpq_tls_arguments({"sslmode": "sometimes"}, 170000)


@pytest.mark.parametrize(("settings", "refused"), [
    ({"sslmode": "verify-full"}, "sslrootcert"),
    ({"sslmode": "verify-ca"}, "sslrootcert"),
    ({"sslmode": "verify-ca", "sslrootcert": "system"}, "sslmode"),
    ({"sslmode": "require", "sslcert": "/c.pem"}, "sslkey"),
    ({"sslmode": "require", "sslkey": "/k.pem"}, "sslcert"),
])
def test_libpq_verify_modes_name_their_root_certificate(settings: dict[str, str], refused: str) -> None:
    """Never what libpq or pgjdbc would read from ~/.postgresql of the worker."""
    assert set(libpq_tls_problems(settings)) == {refused}
    with pytest.raises(ConfigError, match=f"configuration {refused}"):
        libpq_tls_arguments(settings, 170000)


def test_libpq_sends_no_client_certificate_it_was_not_given() -> None:
    assert libpq_tls_arguments({"sslmode": "verify-full", "sslrootcert": "system"}, 170000) == {
        "sslmode": "verify-full", "sslrootcert": "system", "sslcertmode": "disable"}
    assert "sslcertmode" not in libpq_tls_arguments({"sslmode": "require"}, 150000)  # libpq 15 has no such keyword
    assert "sslcertmode" not in libpq_tls_arguments({"sslmode": "require", "sslcert": "/c", "sslkey": "/k"}, 170000)


@pytest.mark.parametrize(("verify_ca", "verify_host", "mode", "hostname"), [
    (False, False, ssl.CERT_NONE, False),  # REQUIRED
    (True, False, ssl.CERT_REQUIRED, False),  # VERIFY_CA
    (True, True, ssl.CERT_REQUIRED, True),  # VERIFY_IDENTITY
])
def test_the_mysql_context_is_connector_j_s_ssl_mode(verify_ca: bool, verify_host: bool, mode: int,
                                                     hostname: bool) -> None:
    context = mysql_tls_context(verify_ca=verify_ca, verify_host=verify_host)
    assert (context.verify_mode, context.check_hostname) == (mode, hostname)
    if verify_ca:  # without a CA file: the system's CAs, as Connector/J's default trust store
        assert context.cert_store_stats()["x509_ca"] == ssl.create_default_context().cert_store_stats()["x509_ca"]

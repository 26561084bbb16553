"""JDBC TLS is honoured, never dropped: a MariaDB (require_secure_transport=ON) and a PostgreSQL of our own with TLS
on, a CA made here.

The shared servers run without TLS, so this module starts throwaway instances (same binaries as infra/local) on free
ports in a temporary directory, and stops them by their pid at the end. Each listens on 127.0.0.1 and 127.0.0.2 with
a certificate for 127.0.0.1 and localhost only: reached as 127.0.0.2, it shows a certificate for another name.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError
from connect_core.connectors.jdbc._connection import connect
from connect_core.connectors.jdbc._dialect import dialect_for
from connect_core.connectors.jdbc.source_config import JdbcSourceConfig
from infra.local import mariadb, postgres

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

USER, PASSWORD = "tls_user", "tls-pass-1"
OTHER_NAME = "127.0.0.2"  # the same server under a name its certificate does not carry


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ca(directory: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1/localhost it signed: (ca.pem, server.pem, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False, decipher_only=False),
                              critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = directory / f"{name}-ca.pem", directory / f"{name}-server.pem", directory / f"{name}-server.key"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    os.chmod(paths[2], 0o600)
    return paths


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise AssertionError(f"{what} did not listen on {port}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jdbc-tls")


@pytest.fixture(scope="module")
def other_ca(tls_dir: Path) -> Path:
    return _ca(tls_dir, "other")[0]


@pytest.fixture(scope="module")
def tls_mariadb(tls_dir: Path) -> Iterator[tuple[int, Path]]:
    ca, cert, key = _ca(tls_dir, "mariadb")
    data, sock, port = tls_dir / "mariadb-data", tls_dir / "mariadb.sock", _free_port()
    run_as = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([mariadb._binary("mariadb-install-db") or "mariadb-install-db", "--no-defaults",
                    f"--datadir={data}", "--auth-root-authentication-method=socket", "--skip-test-db", *run_as],
                   check=True, capture_output=True)
    proc = subprocess.Popen([mariadb._binary("mariadbd") or "mariadbd", "--no-defaults", f"--datadir={data}",
                             f"--socket={sock}", f"--port={port}", f"--bind-address=127.0.0.1,{OTHER_NAME}",
                             "--skip-name-resolve",
                             f"--pid-file={tls_dir / 'mariadb.pid'}", "--innodb-buffer-pool-size=32M",
                             f"--ssl-ca={ca}", f"--ssl-cert={cert}", f"--ssl-key={key}",
                             "--require-secure-transport=ON", *run_as],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc, "mariadbd")
        client = mariadb._binary("mariadb") or "mariadb"
        sql = (f"CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'; GRANT ALL ON *.* TO '{USER}'@'%';"
               "CREATE DATABASE tls;")
        subprocess.run([client, "--no-defaults", f"--socket={sock}", "-u", "root", "-e", sql], check=True)
        yield port, ca
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def tls_postgres() -> Iterator[tuple[int, Path]]:
    yield from _throwaway_postgres(tls=True)


@pytest.fixture(scope="module")
def plain_postgres() -> Iterator[tuple[int, Path]]:
    """A server without TLS (the shared one runs with ssl=on: infra/local/postgres.py)."""
    yield from _throwaway_postgres(tls=False)


def _throwaway_postgres(*, tls: bool) -> Iterator[tuple[int, Path]]:
    bin_dir = postgres._bin_dir()
    if bin_dir is None:
        pytest.fail("PostgreSQL is not installed: run make services")
    # Its own directory directly under /tmp: the server runs as `postgres`, which cannot enter pytest's (0700).
    directory, port = Path(tempfile.mkdtemp(prefix="lc-pg-tls-")), _free_port()
    ca, cert, key = _ca(directory, "postgres")
    owner = None
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        owner = (entry.pw_uid, entry.pw_gid)
        for path in (directory, cert, key):
            shutil.chown(path, *owner)
    pw_file = directory / "pw"
    pw_file.write_text(PASSWORD + "\n")
    if owner:
        shutil.chown(pw_file, *owner)
    user_args: dict[str, Any] = {"user": owner[0], "group": owner[1]} if owner else {}
    subprocess.run([f"{bin_dir}/initdb", "-D", str(directory / "data"), "-U", USER, f"--pwfile={pw_file}",
                    "--auth=scram-sha-256", "--no-instructions"], check=True, capture_output=True, **user_args)
    with (directory / "data" / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {OTHER_NAME}/32 scram-sha-256\n")
    proc = subprocess.Popen([f"{bin_dir}/postgres", "-D", str(directory / "data"), "-h", f"127.0.0.1,{OTHER_NAME}",
                             "-p", str(port), "-k", str(directory), "-c", "fsync=off",
                             "-c", f"ssl={'on' if tls else 'off'}", "-c", f"ssl_cert_file={cert}",
                             "-c", f"ssl_key_file={key}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **user_args)
    try:
        _wait_port(port, proc, "postgres")
        yield port, ca
    finally:
        _stop(proc)
        shutil.rmtree(directory, ignore_errors=True)


def _connect(url: str, user: str = USER, password: str = PASSWORD) -> Any:
    config = parse_config(JdbcSourceConfig, {
        "connection.url": url, "connection.user": user, "connection.password": password,
        "connection.attempts": "1", "mode": "bulk", "topic.prefix": "p-", "table.whitelist": "t"})
    return connect(config, dialect_for("mysql" if "mysql" in url else "postgresql", "", "always"))


def _one(conn: Any, sql: str) -> Any:
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchone()
    finally:
        cursor.close()


@pytest.mark.parametrize("params", [
    "useSSL=true&requireSSL=true&verifyServerCertificate=true&serverSslCert={ca}",
    "sslMode=VERIFY_IDENTITY&sslCa={ca}",
    "sslMode=verify-ca&serverSslCert={ca}",
    "useSSL=true&requireSSL=true",  # encrypted, certificate not verified (Connector/J's REQUIRED)
])
def test_mariadb_tls_is_used(tls_mariadb: tuple[int, Path], params: str) -> None:
    port, ca = tls_mariadb
    conn = _connect(f"jdbc:mysql://127.0.0.1:{port}/tls?" + params.format(ca=ca))
    try:
        assert _one(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")[1]  # a cipher: the session is encrypted
    finally:
        conn.close()


def test_mariadb_certificate_from_another_ca_is_refused(tls_mariadb: tuple[int, Path], other_ca: Path) -> None:
    port, _ = tls_mariadb
    with pytest.raises(ConnectError, match=r"Unable to connect.*CERTIFICATE_VERIFY_FAILED.*certificate verify failed"):
        _connect(f"jdbc:mysql://127.0.0.1:{port}/tls?sslMode=VERIFY_CA&sslCa={other_ca}")


def test_mariadb_trust_server_certificate_skips_verification(tls_mariadb: tuple[int, Path], other_ca: Path) -> None:
    """Connector/J's trustServerCertificate=true: encrypted, the certificate not checked (even against a CA given)."""
    port, _ = tls_mariadb
    conn = _connect(f"jdbc:mysql://127.0.0.1:{port}/tls?useSSL=true&trustServerCertificate=true&sslCa={other_ca}")
    try:
        assert _one(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")[1]
    finally:
        conn.close()


@pytest.mark.parametrize("url", ["jdbc:mysql://127.0.0.1:{port}/tls?sslMode=DISABLED",
                                 "jdbc:mysql://127.0.0.1:{port}/tls?useSSL=false", "jdbc:mariadb://127.0.0.1:{port}/tls"])
def test_a_plain_connection_to_a_server_requiring_tls_fails_with_the_servers_message(
    tls_mariadb: tuple[int, Path], url: str,
) -> None:
    """The server runs with require_secure_transport=ON: TLS off (asked, or MariaDB Connector/J's default) is refused.

    The server's own words: MariaDB up to 10.11.1x names the transport; 10.11.19 (Debian 12 today) answers
    ``Access denied`` to a plain-text login, like its own ``mariadb --skip-ssl`` client gets.
    """
    port, _ = tls_mariadb
    with pytest.raises(ConnectError, match=r"insecure transport are prohibited while --require_secure_transport=ON"
                                           r"|\(1045, \"Access denied for user 'tls_user'@'127\.0\.0\.1'"):
        _connect(url.format(port=port))


@pytest.mark.parametrize("url", ["jdbc:mysql://127.0.0.1:{port}/tls", "jdbc:mysql://127.0.0.1:{port}/tls?sslMode=PREFERRED"])
def test_mysql_urls_default_to_preferred_tls(tls_mariadb: tuple[int, Path], url: str) -> None:
    """Connector/J 8+'s default sslMode=PREFERRED: encrypted when the server offers TLS, without a CA."""
    port, _ = tls_mariadb
    conn = _connect(url.format(port=port))
    try:
        assert _one(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")[1]
    finally:
        conn.close()


def test_preferred_tls_against_a_plain_server_connects_in_plain_text() -> None:
    """PREFERRED falls back to plain text when the server has no TLS (the shared MariaDB)."""
    settings = mariadb.settings()
    conn = _connect(f"jdbc:mysql://{mariadb.address()}/{settings['database']}?sslMode=PREFERRED",
                    settings["user"], settings["password"])
    try:
        assert _one(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")[1] == ""
    finally:
        conn.close()


def test_mariadb_required_tls_against_a_plain_server_fails() -> None:
    settings = mariadb.settings()
    with pytest.raises(ConnectError, match="SSL is required but the server|did not negotiate TLS"):
        _connect(f"jdbc:mysql://{mariadb.address()}/{settings['database']}?useSSL=true&requireSSL=true",
                 settings["user"], settings["password"])


@pytest.mark.parametrize("params", ["sslmode=verify-full&sslrootcert={ca}", "ssl=true&sslrootcert={ca}",
                                    "sslmode=require"])
def test_postgres_tls_is_used(tls_postgres: tuple[int, Path], params: str) -> None:
    port, ca = tls_postgres
    conn = _connect(f"jdbc:postgresql://127.0.0.1:{port}/postgres?" + params.format(ca=ca))
    try:
        assert _one(conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == (True,)
    finally:
        conn.close()


def test_postgres_certificate_from_another_ca_is_refused(tls_postgres: tuple[int, Path], other_ca: Path) -> None:
    port, _ = tls_postgres
    with pytest.raises(ConnectError, match="Unable to connect"):
        _connect(f"jdbc:postgresql://127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={other_ca}")


def test_postgres_required_tls_against_a_plain_server_fails(plain_postgres: tuple[int, Path]) -> None:
    port, _ = plain_postgres
    with pytest.raises(ConnectError, match="Unable to connect"):
        _connect(f"jdbc:postgresql://127.0.0.1:{port}/postgres?sslmode=require")


@pytest.mark.parametrize("params", ["sslMode=VERIFY_IDENTITY&sslCa={ca}", "sslMode=verify-full&serverSslCert={ca}"])
def test_mariadb_certificate_for_another_name_is_refused_under_verify_identity(
    tls_mariadb: tuple[int, Path], params: str,
) -> None:
    port, ca = tls_mariadb
    with pytest.raises(ConnectError, match=r"CERTIFICATE_VERIFY_FAILED.*IP address mismatch"):
        _connect(f"jdbc:mysql://{OTHER_NAME}:{port}/tls?" + params.format(ca=ca))


@pytest.mark.parametrize("mode", ["VERIFY_IDENTITY", "verify-full"])
def test_mariadb_verify_identity_without_a_ca_checks_the_name_against_the_system_cas(
    tls_mariadb: tuple[int, Path], monkeypatch: pytest.MonkeyPatch, mode: str,
) -> None:
    """As Connector/J: no sslCa means the system's trust store, and the host name is still checked (PyMySQL's own
    context skipped it without a CA file, accepting any trusted certificate for any name). The test CA stands in for
    the system's store (OpenSSL's SSL_CERT_FILE)."""
    port, ca = tls_mariadb
    with pytest.raises(ConnectError, match=r"CERTIFICATE_VERIFY_FAILED"):  # the system's CAs do not know ours
        _connect(f"jdbc:mysql://127.0.0.1:{port}/tls?sslMode={mode}")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    conn = _connect(f"jdbc:mysql://127.0.0.1:{port}/tls?sslMode={mode}")
    try:
        assert _one(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")[1]
    finally:
        conn.close()
    with pytest.raises(ConnectError, match=r"CERTIFICATE_VERIFY_FAILED.*IP address mismatch"):
        _connect(f"jdbc:mysql://{OTHER_NAME}:{port}/tls?sslMode={mode}")


def test_mariadb_verify_ca_without_a_ca_uses_the_system_cas(
    tls_mariadb: tuple[int, Path], other_ca: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """VERIFY_CA checks the chain against the system's CAs (not the name): a CA that did not sign it is refused."""
    port, ca = tls_mariadb
    monkeypatch.setenv("SSL_CERT_FILE", str(other_ca))
    with pytest.raises(ConnectError, match=r"CERTIFICATE_VERIFY_FAILED.*certificate verify failed"):
        _connect(f"jdbc:mysql://127.0.0.1:{port}/tls?sslMode=VERIFY_CA")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    conn = _connect(f"jdbc:mysql://{OTHER_NAME}:{port}/tls?sslMode=VERIFY_CA")
    try:
        assert _one(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")[1]
    finally:
        conn.close()


@pytest.mark.parametrize("params", ["sslmode=verify-full&sslrootcert={ca}", "ssl=true&sslrootcert={ca}"])
def test_postgres_certificate_for_another_name_is_refused_under_verify_full(
    tls_postgres: tuple[int, Path], params: str,
) -> None:
    port, ca = tls_postgres
    with pytest.raises(ConnectError, match=rf"Unable to connect.*does not match host name \"{OTHER_NAME}\""):
        _connect(f"jdbc:postgresql://{OTHER_NAME}:{port}/postgres?" + params.format(ca=ca))
    conn = _connect(f"jdbc:postgresql://{OTHER_NAME}:{port}/postgres?sslmode=verify-ca&sslrootcert={ca}")
    try:  # verify-ca checks the chain only
        assert _one(conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == (True,)
    finally:
        conn.close()


def test_postgres_cdc_source_connects_through_the_same_tls_builder(tls_postgres: tuple[int, Path],
                                                                   other_ca: Path) -> None:
    """The CDC source's database.ssl* keys: the same refusals as the JDBC URL (api/database_tls.py)."""
    from connect_core.connectors.postgres._slot import connect as cdc_connect
    from connect_core.connectors.postgres.config import PostgresSourceConfig

    port, ca = tls_postgres

    def config(host: str, mode: str, root: Path) -> PostgresSourceConfig:
        return parse_config(PostgresSourceConfig, {
            "database.hostname": host, "database.port": str(port), "database.user": USER,
            "database.password": PASSWORD, "database.dbname": "postgres", "topic.prefix": "tls",
            "database.sslmode": mode, "database.sslrootcert": str(root)})

    conn = cdc_connect(config("127.0.0.1", "verify-full", ca))
    try:
        assert _one(conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == (True,)
    finally:
        conn.close()
    with pytest.raises(ConnectError, match=rf"does not match host name \"{OTHER_NAME}\""):
        cdc_connect(config(OTHER_NAME, "verify-full", ca))
    with pytest.raises(ConnectError, match="certificate verify failed"):
        cdc_connect(config("127.0.0.1", "verify-ca", other_ca))

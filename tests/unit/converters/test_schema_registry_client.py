"""The registry client against a small local HTTP server: basic auth, several URLs, caching, error classes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import DataError, RetriableError
from connect_core.converters.avro import AvroConverter
from connect_core.converters.schema_registry.client import (
    RegistryRequestError,
    RegistryUnavailableError,
    SchemaRegistryClient,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class _Registry(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str | None]]
    status = 200

    def _answer(self, body: Any, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path, self.headers.get("Authorization")))
        if type(self).status != 200:
            self._answer({"error_code": 50001, "message": "down"}, type(self).status)
        elif self.path == "/schemas/ids/1":
            self._answer({"schema": '"string"'})
        else:
            self._answer({"error_code": 40403, "message": "Schema not found"}, 404)

    def do_POST(self) -> None:
        self.seen.append(("POST", self.path, self.headers.get("Authorization")))
        self.rfile.read(int(self.headers["Content-Length"]))
        self._answer({"id": 1, "version": 1})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[tuple[str, type[_Registry]]]:
    handler = type("Handler", (_Registry,), {"seen": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_basic_auth_failover_and_cache(registry: tuple[str, type[_Registry]]) -> None:
    url, handler = registry
    client = SchemaRegistryClient(["http://127.0.0.1:9", url], user_info="ada:secret")

    assert client.schema_by_id(1).schema == '"string"'
    assert client.schema_by_id(1).schema == '"string"'  # cached
    assert client.register("t-value", '"string"') == 1
    assert client.register("t-value", '"string"') == 1  # cached

    assert [(m, p) for m, p, _ in handler.seen] == [("GET", "/schemas/ids/1"), ("POST", "/subjects/t-value/versions")]
    assert {auth for _, _, auth in handler.seen} == {"Basic YWRhOnNlY3JldA=="}


def test_4xx_is_a_data_error_and_5xx_retriable(registry: tuple[str, type[_Registry]]) -> None:
    url, handler = registry
    client = SchemaRegistryClient([url])
    with pytest.raises(RegistryRequestError) as raised:
        client.schema_by_id(2)
    assert isinstance(raised.value, DataError) and raised.value.error_code == 40403
    handler.status = 500
    with pytest.raises(RegistryUnavailableError) as failed:
        client.latest("x-value")
    assert isinstance(failed.value, RetriableError)


def test_converter_takes_credentials_from_the_url_or_user_info(registry: tuple[str, type[_Registry]]) -> None:
    url, handler = registry
    host = url.removeprefix("http://")
    from_url = AvroConverter()
    from_url.configure({"schema.registry.url": f"http://bob:pw@{host}/"}, False)
    from_info = AvroConverter()
    from_info.configure({"schema.registry.url": url, "basic.auth.credentials.source": "USER_INFO",
                         "basic.auth.user.info": "eve:pw2"}, True)
    assert from_url.client.urls == [url]
    for converter in (from_url, from_info):
        converter.client._cache.by_id.clear()
        converter.client.schema_by_id(1)
    assert [auth for _, _, auth in handler.seen] == ["Basic Ym9iOnB3", "Basic ZXZlOnB3Mg=="]


def test_tls_settings_take_pem_files_and_refuse_jvm_stores() -> None:
    import ssl

    import certifi

    from connect_core.api.errors import ConfigError

    base = {"schema.registry.url": "https://registry.example:8081",
            "schema.registry.ssl.truststore.location": certifi.where()}
    checked, unchecked = AvroConverter(), AvroConverter()
    checked.configure(base, False)
    unchecked.configure(base | {"schema.registry.ssl.endpoint.identification.algorithm": ""}, False)
    assert isinstance(checked.client._ssl, ssl.SSLContext) and checked.client._ssl.check_hostname
    assert not unchecked.client._ssl.check_hostname
    with pytest.raises(ConfigError, match="schema.registry.ssl.truststore.type"):
        AvroConverter().configure(base | {"schema.registry.ssl.truststore.type": "JKS"}, False)


@pytest.mark.parametrize(("strategy", "is_key", "expected"), [
    ("io.confluent.kafka.serializers.subject.TopicNameStrategy", True, "orders-key"),
    ("io.confluent.kafka.serializers.subject.TopicNameStrategy", False, "orders-value"),
    ("io.confluent.kafka.serializers.subject.RecordNameStrategy", False, "shop.Order"),
    ("io.confluent.kafka.serializers.subject.TopicRecordNameStrategy", False, "orders-shop.Order"),
])
def test_subject_name_strategies(strategy: str, is_key: bool, expected: str) -> None:
    converter = AvroConverter()
    key = "key.subject.name.strategy" if is_key else "value.subject.name.strategy"
    converter.configure({"schema.registry.url": "http://127.0.0.1:9", key: strategy}, is_key)
    assert converter.subject("orders", "shop.Order") == expected


def test_record_strategies_need_a_record_schema() -> None:
    converter = AvroConverter()
    converter.configure({"schema.registry.url": "http://127.0.0.1:9",
                         "value.subject.name.strategy": "RecordNameStrategy"}, False)
    with pytest.raises(DataError, match="value.subject.name.strategy"):
        converter.subject("orders", None)


def _self_signed(directory: Path, name: str, key_password: str | None = None) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (encrypted with ``key_password``): (cert, cert+key)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    encryption = (serialization.BestAvailableEncryption(key_password.encode()) if key_password
                  else serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    (directory / f"{name}.pem").write_bytes(cert_pem)
    (directory / f"{name}-store.pem").write_bytes(key_pem + cert_pem)  # Kafka's PEM keystore: key and chain
    return directory / f"{name}.pem", directory / f"{name}-store.pem"


@pytest.fixture
def mutual_tls_registry(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A registry on https that only answers clients presenting ``client.pem``; the converter's TLS keys for it."""
    import ssl

    server_cert, server_store = _self_signed(tmp_path, "server")
    client_cert, client_store = _self_signed(tmp_path, "client", key_password="s3cret")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_store)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(client_cert)
    handler = type("Handler", (_Registry,), {"seen": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", {
        "schema.registry.ssl.truststore.location": str(server_cert),
        "schema.registry.ssl.keystore.type": "PEM",
        "schema.registry.ssl.keystore.location": str(client_store)}
    server.shutdown()
    server.server_close()


def test_ssl_key_password_decrypts_the_client_key_for_mutual_tls(
        mutual_tls_registry: tuple[str, dict[str, str]]) -> None:
    url, tls = mutual_tls_registry
    converter = AvroConverter()
    converter.configure({"schema.registry.url": url, **tls, "schema.registry.ssl.key.password": "s3cret"}, False)
    assert converter.client.schema_by_id(1).schema == '"string"'  # the server accepted the client certificate


@pytest.mark.parametrize("password", ["wrong", None])
def test_a_wrong_or_missing_ssl_key_password_is_refused_naming_the_key(
        mutual_tls_registry: tuple[str, dict[str, str]], password: str | None) -> None:
    from connect_core.api.errors import ConfigError

    url, tls = mutual_tls_registry
    config = {"schema.registry.url": url, **tls}
    if password is not None:
        config["schema.registry.ssl.key.password"] = password
    with pytest.raises(ConfigError, match="schema.registry.ssl.key.password"):
        AvroConverter().configure(config, False)


@pytest.mark.parametrize("store_type", ["JKS", "PKCS12"])
def test_a_jvm_keystore_type_is_refused_naming_the_key(mutual_tls_registry: tuple[str, dict[str, str]],
                                                       store_type: str) -> None:
    from connect_core.api.errors import ConfigError

    url, tls = mutual_tls_registry
    with pytest.raises(ConfigError, match="schema.registry.ssl.keystore.type"):
        AvroConverter().configure({"schema.registry.url": url, **tls, "schema.registry.ssl.key.password": "s3cret",
                                   "schema.registry.ssl.keystore.type": store_type}, False)


def _named_structs(count: int) -> list[Any]:
    from connect_core.api.schema import SchemaBuilder

    return [SchemaBuilder.struct().name(f"shop.S{i}").field("n", SchemaBuilder.int32().build()).build()
            for i in range(count)]


def test_schemas_cache_config_bounds_the_avro_conversion_caches() -> None:
    """A converter that sees ever new schemas keeps only the last ``schemas.cache.config`` conversions each way."""
    converter = AvroConverter()
    converter.configure({"schema.registry.url": "http://127.0.0.1:9", "schemas.cache.config": "2"}, False)
    schemas = _named_structs(5)
    texts = [converter.writer_schema(schema).text for schema in schemas]
    for text in texts:
        converter.avro_data.to_connect_schema(text)
    assert list(converter.avro_data._from_cache) == schemas[-2:]  # the least recently used went first
    assert [text for text, _ in converter.avro_data._to_cache] == texts[-2:]


@pytest.mark.parametrize("name", ["AvroConverter", "JsonSchemaConverter", "ProtobufConverter"])
def test_schemas_cache_config_bounds_what_every_registry_converter_keeps_per_schema(
        registry: tuple[str, type[_Registry]], name: str) -> None:
    from connect_core.api.struct import Struct
    from connect_core.converters import json_schema, protobuf

    url, _ = registry
    converter = {"AvroConverter": AvroConverter, "JsonSchemaConverter": json_schema.JsonSchemaConverter,
                 "ProtobufConverter": protobuf.ProtobufConverter}[name]()
    converter.configure({"schema.registry.url": url, "schemas.cache.config": "2"}, False)
    schemas = _named_structs(5)
    for schema in schemas:
        converter.from_connect_data("t", schema, Struct(schema).put("n", 1))
    assert list(converter._writers) == schemas[-2:]
    if name == "JsonSchemaConverter":
        assert list(converter.json_data._from_cache) == schemas[-2:]

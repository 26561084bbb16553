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

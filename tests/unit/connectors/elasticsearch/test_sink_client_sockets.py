"""ElasticsearchClient on real local sockets: what reaches the wire (compression) and how long it waits (timeouts).

The servers here only record or stall; what OpenSearch makes of a compressed bulk request is proven against the real
node (tests/integration/connectors/elasticsearch/test_sink_opensearch.py).
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api import RetriableError
from connect_core.api.config import parse_config
from connect_core.connectors.elasticsearch._client import ElasticsearchClient
from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig

if TYPE_CHECKING:
    from collections.abc import Iterator

BULK = b'{"index":{"_index":"t","_id":"1"}}\n{"a":1}\n'


def _client(url: str, **props: str) -> ElasticsearchClient:
    return ElasticsearchClient(parse_config(ElasticsearchSinkConfig,
                                            {"connection.url": url, "max.retries": "0", **props}))


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str | None, bytes]]
    auth: list[str | None]

    def do_POST(self) -> None:
        self.seen.append((self.headers.get("Content-Encoding"), self.rfile.read(int(self.headers["Content-Length"]))))
        self.auth.append(self.headers.get("Authorization"))
        data = json.dumps({"items": [{"index": {"status": 201}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Handler", (_Recorder,), {"seen": [], "auth": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_connection_compression_gzips_the_bulk_body(recorder: tuple[str, type[_Recorder]]) -> None:
    url, handler = recorder
    _client(url).bulk(BULK)
    _client(url, **{"connection.compression": "true"}).bulk(BULK)
    (plain_encoding, plain), (encoding, body) = handler.seen
    assert (plain_encoding, plain) == (None, BULK)
    assert encoding == "gzip"
    assert gzip.decompress(body) == BULK


def test_basic_auth_goes_with_every_request_compressed_or_not(recorder: tuple[str, type[_Recorder]]) -> None:
    url, handler = recorder
    auth = {"connection.username": "u", "connection.password": "p"}
    _client(url, **auth).bulk(BULK)
    _client(url, **auth, **{"connection.compression": "true"}).bulk(BULK)
    assert handler.auth == ["Basic dTpw", "Basic dTpw"]


def test_read_timeout_ms_bounds_the_wait_for_an_answer() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts (the kernel does), never answers
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        with pytest.raises(RetriableError, match=r"ReadTimeoutError.*read timeout=0\.15"):
            _client(url, **{"read.timeout.ms": "150"}).bulk(BULK)


def test_connection_timeout_ms_bounds_the_wait_for_a_connection() -> None:
    with socket.create_server(("127.0.0.1", 0), backlog=0) as server:
        address = server.getsockname()
        with socket.create_connection(address):  # fills the accept queue: the next connect is never answered
            url = f"http://127.0.0.1:{address[1]}"
            with pytest.raises(RetriableError, match=r"ConnectTimeoutError.*connect timeout=0\.15"):
                _client(url, **{"connection.timeout.ms": "150"}).bulk(BULK)

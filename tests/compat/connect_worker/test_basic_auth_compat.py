"""``lambda-connect up``'s REST authentication answers as Kafka Connect 4.3.1 with BasicAuthSecurityRestExtension.

One real worker runs the extension with a JAAS file (``KafkaConnect`` entry, ``PropertyFileLoginModule``); our HTTP
front reads the same JAAS file. Each request of the table goes to both, and status, Content-Type and body must be
the same bytes. Deliberate differences: our 401 carries ``WWW-Authenticate: Basic`` (a browser can then ask for
credentials on the status page), Kafka's has no challenge; credentials that are not base64 are Kafka's 500 (its
decoder's exception) and our plain 401.
"""

from __future__ import annotations

import base64
import json
import threading
from typing import TYPE_CHECKING

import pytest

from connect_core.local.basic_auth import UNAUTHORIZED_BODY, BasicAuth
from connect_core.local.http_front import serve
from functions.coordinator import app
from tests.compat.connect_worker.conftest import HERE, free_port, running_worker
from tests.integration.local.test_http_front import _Direct, _raw
from tests.unit.coordinator.fakes import Topics, make_coordinator

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"


def _basic(user_password: str) -> bytes:
    return b"Authorization: Basic " + base64.b64encode(user_password.encode()) + b"\r\n"


@pytest.fixture(scope="module")
def jaas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("basic-auth")
    credentials = directory / "credentials.properties"
    credentials.write_text("admin=s3cret\nreader: r3ad\n")
    jaas = directory / "jaas.conf"
    jaas.write_text("KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule "
                    f'required\n  file="{credentials}";\n}};\n')
    return jaas


@pytest.fixture(scope="module")
def kafka_worker(kafka_bootstrap: str, jaas: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectWorker]:
    with running_worker(HERE / "pom.xml", free_port(), kafka_bootstrap, tmp_path_factory.mktemp("auth-worker"),
                        "compat-auth", extra_properties=f"rest.extension.classes={EXTENSION}\n",
                        jvm_args=(f"-Djava.security.auth.login.config={jaas}",),
                        authorization="Basic " + base64.b64encode(b"admin:s3cret").decode()) as worker:
        yield worker


@pytest.fixture(scope="module")
def ours(jaas: Path) -> Iterator[int]:
    saved = app._coordinator
    app._coordinator = make_coordinator(Topics())  # type: ignore[assignment]
    server = serve("127.0.0.1", 0, _Direct(), auth=BasicAuth.from_jaas(jaas))  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    app._coordinator = saved


@pytest.mark.parametrize(("request_line", "authorization"), [
    (b"GET /connectors", b""),
    (b"GET /connectors", _basic("admin:wrong")),
    (b"GET /connectors", _basic("nobody:s3cret")),
    (b"GET /connectors", _basic("admin")),  # no colon
    (b"GET /connectors", b"Authorization: Bearer abc\r\n"),
    (b"GET /", b""),
    (b"GET /connector-plugins", _basic("reader:wrong")),
    (b"DELETE /connectors/x", b""),
])
def test_refused_requests_get_kafkas_401(
    kafka_worker: ConnectWorker, ours: int, request_line: bytes, authorization: bytes,
) -> None:
    request = request_line + b" HTTP/1.1\r\nHost: localhost\r\n" + authorization + b"Connection: close\r\n\r\n"
    kafka_port = int(kafka_worker.url.rpartition(":")[2])
    k_status, k_headers, k_body = _raw(kafka_port, request)
    o_status, o_headers, o_body = _raw(ours, request)
    assert (o_status, o_headers.get("content-type"), o_body) == (k_status, k_headers.get("content-type"), k_body)
    assert k_status == 401
    assert "www-authenticate" not in k_headers
    assert o_headers["www-authenticate"] == 'Basic realm="lambda-connect"'  # ours only, see the module docstring


@pytest.mark.parametrize("user_password", ["admin:s3cret", "reader:r3ad"])
def test_valid_credentials_pass_on_both(kafka_worker: ConnectWorker, ours: int, user_password: str) -> None:
    request = b"GET /connectors HTTP/1.1\r\nHost: localhost\r\n" + _basic(user_password) + b"Connection: close\r\n\r\n"
    kafka_port = int(kafka_worker.url.rpartition(":")[2])
    assert _raw(kafka_port, request)[0] == _raw(ours, request)[0] == 200


def test_credentials_that_are_not_base64_are_kafkas_500_and_our_401(kafka_worker: ConnectWorker, ours: int) -> None:
    request = b"GET /connectors HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic %%%x\r\nConnection: close\r\n\r\n"
    k_status, _, k_body = _raw(int(kafka_worker.url.rpartition(":")[2]), request)
    assert (k_status, json.loads(k_body)) == (500, {"error_code": 500, "message": "Illegal base64 character 25"})
    o_status, o_headers, o_body = _raw(ours, request)
    assert (o_status, o_headers["content-type"], o_body) == (401, "application/json", UNAUTHORIZED_BODY.encode())

"""The HTTP sink against a real HTTP server on 127.0.0.1: batching, retries (ending with the invocation's time),
errors to the DLQ and the error topic, responses to the result topic, and each auth.type."""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import ConnectError
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SinkTaskContext
from connect_core.connectors.http.sink_task import HttpSinkTask
from connect_core.runtime.sink_runner import SinkRunner
from connect_core.runtime.task_invocation import SinkInvocation
from tests.integration.connectors.http._server import Endpoint, Request, serve, token_endpoint
from tests.integration.runtime.conftest import consume_committed

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

HTTP_SINK = "io.confluent.connect.http.HttpSinkConnector"


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server, endpoint = serve()
    yield endpoint
    server.shutdown()
    server.server_close()


def _records(values: list[Any], topic: str = "orders", partition: int = 0) -> list[SinkRecord]:
    return [SinkRecord(topic, partition, None, f"k{i}", None, value, 100 + i, 1_700_000_000_000 + i)
            for i, value in enumerate(values)]


def _task(props: dict[str, str]) -> HttpSinkTask:
    task = HttpSinkTask()
    task.initialize(SinkTaskContext(props))
    task.start(props)
    return task


def test_records_are_batched_with_prefix_separator_and_suffix(endpoint: Endpoint) -> None:
    task = _task({"http.api.url": endpoint.url + "/api/${topic}", "batch.max.size": "2", "batch.prefix": "<",
                  "batch.suffix": ">", "batch.separator": ";"})
    task.put(_records(["a", {"x": 1}, 2.0, None, "e"]))  # the null value is ignored (behavior.on.null.values)

    assert [(r.method, r.path, r.body) for r in endpoint.requests] == [
        ("POST", "/api/orders", b"<a;{x=1}>"), ("POST", "/api/orders", b"<2.0;e>")]
    assert endpoint.requests[0].headers["content-type"] == "text/plain; charset=utf-8"


def test_json_batches_as_an_array_of_struct_values(endpoint: Endpoint) -> None:
    schema = SchemaBuilder.struct().field("id", SchemaBuilder.int32().build()).field(
        "name", SchemaBuilder.string().optional().build()).build()
    records = [SinkRecord("t", 0, None, None, schema, Struct(schema).put("id", i).put("name", f"n{i}"), i)
               for i in range(3)]
    task = _task({"http.api.url": endpoint.url, "batch.max.size": "10", "request.body.format": "json",
                  "batch.json.as.array": "true", "headers": "X-Tenant:blue|Content-Type:application/vnd+json"})
    task.put(records)

    [request] = endpoint.requests
    assert json.loads(request.body) == [{"id": 0, "name": "n0"}, {"id": 1, "name": "n1"}, {"id": 2, "name": "n2"}]
    assert (request.headers["x-tenant"], request.headers["content-type"]) == ("blue", "application/vnd+json")


def test_key_in_the_url_splits_batches_and_tombstones_delete(endpoint: Endpoint) -> None:
    task = _task({"http.api.url": endpoint.url + "/items/${key}", "batch.max.size": "5",
                  "behavior.on.null.values": "delete", "request.method": "put"})
    records = [SinkRecord("t", 0, None, key, None, value, i) for i, (key, value) in
               enumerate([("a b", "1"), ("c", "2"), ("a b", "3"), ("c", None)])]
    task.put(records)

    assert [(r.method, r.path, r.body) for r in endpoint.requests] == [
        ("DELETE", "/items/c", b""), ("PUT", "/items/a%20b", b"1,3"), ("PUT", "/items/c", b"2")]


def test_server_errors_are_retried_until_the_request_succeeds(endpoint: Endpoint) -> None:
    answers = iter([(503, b"busy"), (500, b"oops")])
    endpoint.respond = lambda _request: next(answers, (200, b"{}"))
    task = _task({"http.api.url": endpoint.url, "max.retries": "3", "retry.backoff.ms": "1",
                  "http.idempotency.key.header": "Idempotency-Key"})
    task.put(_records(["v"]))

    assert len(endpoint.requests) == 3
    keys = {r.headers["idempotency-key"] for r in endpoint.requests}
    assert len(keys) == 1  # the same key on every attempt of one batch


def test_exhausted_retries_fail_the_task_without_a_dead_letter_queue(endpoint: Endpoint) -> None:
    endpoint.respond = lambda _request: (502, b"bad gateway")
    task = _task({"http.api.url": endpoint.url, "max.retries": "2", "retry.backoff.ms": "1",
                  "retry.backoff.policy": "CONSTANT_VALUE"})

    with pytest.raises(ConnectError, match="HTTP 502: bad gateway"):
        task.put(_records(["v"]))
    assert len(endpoint.requests) == 3


def test_a_client_error_not_in_retry_codes_is_not_retried_and_ignored_when_told(endpoint: Endpoint) -> None:
    endpoint.respond = lambda _request: (422, b"unprocessable")
    task = _task({"http.api.url": endpoint.url, "retry.on.status.codes": "500-", "behavior.on.error": "ignore"})
    task.put(_records(["v", "w"]))

    assert len(endpoint.requests) == 2


def test_basic_auth(endpoint: Endpoint) -> None:
    task = _task({"http.api.url": endpoint.url, "auth.type": "BASIC", "connection.user": "ann",
                  "connection.password": "s3cret"})
    task.put(_records(["v"]))

    assert endpoint.requests[0].headers["authorization"] == "Basic " + base64.b64encode(b"ann:s3cret").decode()


def test_oauth2_client_credentials_token_is_fetched_once_and_refreshed_after_a_401(endpoint: Endpoint) -> None:
    tokens = iter(["tok-1", "tok-2"])
    current = {"token": next(tokens)}
    issued: list[str] = []

    def respond(request: Request) -> tuple[int, bytes]:
        answer = token_endpoint(current["token"], ("app", "pw"))(request)
        if answer is not None:
            issued.append(current["token"])
            return answer
        if request.headers.get("authorization") != "Bearer " + issued[-1]:
            return 401, b"expired"
        return 200, b"{}"

    endpoint.respond = respond
    task = _task({"http.api.url": endpoint.url + "/api", "auth.type": "OAUTH2",
                  "oauth2.token.url": endpoint.url + "/token", "oauth2.client.id": "app",
                  "oauth2.client.secret": "pw", "retry.on.status.codes": "500-"})
    task.put(_records(["a"]))
    task.put(_records(["b"]))
    current["token"] = next(tokens)
    issued.append("revoked")  # the server now wants a token the task does not have: a 401, then a new token
    task.put(_records(["c"]))

    assert [r.headers["authorization"] for r in endpoint.api()] == ["Bearer tok-1", "Bearer tok-1",
                                                                     "Bearer tok-1", "Bearer tok-2"]
    assert [r.body for r in endpoint.api()] == [b"a", b"b", b"c", b"c"]
    assert len([r for r in endpoint.requests if r.path.startswith("/token")]) == 2


def test_oauth2_bad_client_credentials_fail_naming_the_client(endpoint: Endpoint) -> None:
    endpoint.respond = lambda request: token_endpoint("t", ("app", "pw"))(request) or (200, b"{}")
    task = _task({"http.api.url": endpoint.url, "auth.type": "OAUTH2", "oauth2.token.url": endpoint.url + "/token",
                  "oauth2.client.id": "app", "oauth2.client.secret": "wrong"})

    with pytest.raises(ConnectError, match="refused the client credentials of oauth2.client.id app"):
        task.put(_records(["v"]))


@pytest.mark.parametrize(("location", "expect"), [("HEADER", "header"), ("URL_QUERY_PARAMETER", "query")])
def test_api_key(endpoint: Endpoint, location: str, expect: str) -> None:
    task = _task({"http.api.url": endpoint.url + "/in?x=1", "auth.type": "API_KEY", "api.key.value": "k-123",
                  "api.key.name": "X-Api-Key", "api.key.location": location})
    task.put(_records(["v"]))

    [request] = endpoint.requests
    if expect == "header":
        assert (request.path, request.headers["x-api-key"]) == ("/in?x=1", "k-123")
    else:
        assert request.path == "/in?x=1&X-Api-Key=k-123"


def test_mutual_tls_with_pem_files_under_the_file_roots(tmp_path: Any) -> None:
    import ssl

    from connect_core.api.file_roots import FileRoots
    from tests.unit.converters.test_schema_registry_client import _self_signed

    server_cert, server_store = _self_signed(tmp_path, "server")
    client_cert, client_store = _self_signed(tmp_path, "client")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(server_store)
    tls.verify_mode = ssl.CERT_REQUIRED
    tls.load_verify_locations(client_cert)
    server, endpoint = serve(tls)
    props = {"http.api.url": endpoint.url + "/secure", "https.ssl.truststore.type": "PEM",
             "https.ssl.truststore.location": str(server_cert), "max.retries": "0"}
    try:
        for extra, ok in (({"https.ssl.keystore.type": "PEM", "https.ssl.keystore.location": str(client_store)}, True),
                          ({}, False)):  # without a client certificate the server refuses the handshake
            task = HttpSinkTask()
            task.initialize(SinkTaskContext({**props, **extra}, file_roots=FileRoots.of([str(tmp_path)])))
            task.start({**props, **extra})
            if ok:
                task.put(_records(["over tls"]))
            else:
                with pytest.raises(ConnectError, match="SSLError|ProtocolError|ConnectionError"):
                    task.put(_records(["refused"]))
            task.stop()
    finally:
        server.shutdown()
        server.server_close()

    assert [r.body for r in endpoint.requests] == [b"over tls"]


def test_host_name_verification_can_be_turned_off(tmp_path: Any) -> None:
    import ssl

    from connect_core.api.file_roots import FileRoots
    from tests.unit.converters.test_schema_registry_client import _self_signed

    server_cert, server_store = _self_signed(tmp_path, "server")  # valid for the address 127.0.0.1 only
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(server_store)
    server, endpoint = serve(tls)
    url = endpoint.url.replace("127.0.0.1", "localhost")
    props = {"http.api.url": url, "https.ssl.truststore.type": "PEM", "https.ssl.truststore.location": str(server_cert),
             "max.retries": "0"}
    try:
        for verify, ok in (("true", False), ("false", True)):
            config = {**props, "https.host.verifier.enabled": verify}
            task = HttpSinkTask()
            task.initialize(SinkTaskContext(config, file_roots=FileRoots.of([str(tmp_path)])))
            task.start(config)
            if ok:
                task.put(_records(["unverified name"]))
            else:
                with pytest.raises(ConnectError, match="(?i)hostname|match"):
                    task.put(_records(["refused"]))
            task.stop()
    finally:
        server.shutdown()
        server.server_close()

    assert [r.body for r in endpoint.requests] == [b"unverified name"]


def test_pem_files_outside_the_file_roots_are_refused(tmp_path: Any) -> None:
    from connect_core.api.errors import ConfigError
    from connect_core.api.file_roots import FileRoots

    props = {"http.api.url": "https://127.0.0.1:1/x", "https.ssl.truststore.type": "PEM",
             "https.ssl.truststore.location": "/etc/ssl/certs/ca-certificates.crt"}
    task = HttpSinkTask()
    task.initialize(SinkTaskContext(props, file_roots=FileRoots.of([str(tmp_path)])))
    with pytest.raises(ConfigError, match="https.ssl.truststore.location.*outside the allowed file roots"):
        task.start(props)


# -- through the runtime: DLQ and Connect Reporter topics on the real broker -----------------------------------
def _event(topic: str, values: list[bytes]) -> dict[str, Any]:
    records = [{"topic": topic, "partition": 0, "offset": 7 + i, "timestamp": 1_700_000_000_000 + i,
                "timestampType": "CREATE_TIME", "headers": [], "key": base64.b64encode(f"k{i}".encode()).decode(),
                "value": base64.b64encode(value).decode()} for i, value in enumerate(values)]
    return {"eventSource": "aws:kafka", "eventSourceArn": "arn:aws:kafka:us-east-1:000000000000:cluster/c/1",
            "bootstrapServers": "127.0.0.1:9092", "records": {f"{topic}-0": records}}


def _deploy(cluster: Cluster, name: str, topic: str, **extra: str) -> None:
    config = {"connector.class": HTTP_SINK, "topics": topic, "tasks.max": "1",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.storage.StringConverter", **extra}
    cluster.deploy(name, config, [{"name": name, **config}])


def test_client_errors_go_to_the_dead_letter_queue_and_responses_to_the_reporter_topics(
    cluster: Cluster, endpoint: Endpoint, kafka_bootstrap: str,
) -> None:
    endpoint.respond = lambda request: (400, b'{"error":"bad id"}') if b"bad" in request.body else (201, b"created")
    name = f"http-{uuid.uuid4().hex[:8]}"
    dlq = f"{name}-dlq"
    _deploy(cluster, name, "payments", **{
        "http.api.url": endpoint.url + "/pay", "retry.on.status.codes": "500-", "batch.max.size": "1",
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1", "errors.deadletterqueue.context.headers.enable": "true",
        "reporter.bootstrap.servers": kafka_bootstrap, "report.errors.as": "http_response",
    })
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)

    result = runner.handle(_event("payments", [b"good-1", b"bad-2", b"good-3"]))

    assert result.response() == {}
    assert [r.body for r in endpoint.requests] == [b"good-1", b"bad-2", b"good-3"]
    [(key, value, headers)] = consume_committed(kafka_bootstrap, dlq, 1)
    context = dict(headers)
    assert (key, value, context["__connect.errors.offset"], context["__connect.errors.stage"]) == (
        b"k1", b"bad-2", b"8", b"TASK_PUT")
    assert b"HTTP 400" in context["__connect.errors.exception.message"]
    successes = consume_committed(kafka_bootstrap, f"{name}-success", 2)
    assert [(k, v, dict(h)["input_record_offset"], dict(h)["status_code"]) for k, v, h in successes] == [
        (b"k0", b"created", b"7", b"201"), (b"k2", b"created", b"9", b"201")]
    [(key, value, headers)] = consume_committed(kafka_bootstrap, f"{name}-error", 1)
    assert (key, value, dict(headers)["input_record_topic"], dict(headers)["status_code"]) == (
        b"k1", b'{"error":"bad id"}', b"payments", b"400")


def test_a_failed_request_without_tolerance_fails_the_batch(cluster: Cluster, endpoint: Endpoint) -> None:
    endpoint.respond = lambda _request: (404, b"no such route")
    name = f"http-{uuid.uuid4().hex[:8]}"
    _deploy(cluster, name, "orders", **{"http.api.url": endpoint.url, "max.retries": "0"})
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)

    with pytest.raises(Exception, match="HTTP 404: no such route"):
        runner.handle(_event("orders", [b"v"]))
    cluster.statuses.refresh()
    assert cluster.statuses.task_status(name, 0).state.value == "FAILED"


def test_a_relative_pem_path_is_opened_where_the_file_roots_check_found_it(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``https.ssl.truststore.location=server.pem`` is checked inside the first root and opened there too, not in the
    process's working directory (which holds a different file of that name here)."""
    from connect_core.api.file_roots import FileRoots
    from tests.unit.converters.test_schema_registry_client import _self_signed

    root, elsewhere = tmp_path / "root", tmp_path / "cwd"
    root.mkdir()
    elsewhere.mkdir()
    server_cert, server_store = _self_signed(root, "server")
    (elsewhere / server_cert.name).write_text("not a certificate")
    monkeypatch.chdir(elsewhere)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(server_store)
    server, endpoint = serve(tls)
    props = {"http.api.url": endpoint.url + "/secure", "https.ssl.truststore.type": "PEM",
             "https.ssl.truststore.location": server_cert.name, "max.retries": "0"}
    try:
        task = HttpSinkTask()
        task.initialize(SinkTaskContext(props, file_roots=FileRoots.of([str(root)])))
        task.start(props)
        task.put(_records(["relative"]))
        task.stop()
    finally:
        server.shutdown()
        server.server_close()

    assert [r.body for r in endpoint.requests] == [b"relative"]


# -- retries inside the invocation's time: an outage fails the invocation, counted, instead of outlasting it -----
BUDGET_S = 2.0


def _invoke(invocation: SinkInvocation, values: list[bytes]) -> float:
    """Invoke with :data:`BUDGET_S` of function time; how long it took."""
    ends = time.monotonic() + BUDGET_S
    started = time.monotonic()
    with pytest.raises(ConnectError, match="ran out of the invocation's time"):
        invocation.handle(_event("orders", values), 128, lambda: (ends - time.monotonic()) * 1000.0)
    return time.monotonic() - started


def test_retries_stop_at_the_invocations_deadline_and_the_failure_is_counted(
        cluster: Cluster, endpoint: Endpoint) -> None:
    endpoint.respond = lambda _request: (503, b"down for maintenance")
    name = f"http-dl-{uuid.uuid4().hex[:8]}"
    # 10 retries 1.5 s apart: 15 s of backoff, far past the 2 s the invocation has
    _deploy(cluster, name, "orders", **{"http.api.url": endpoint.url, "max.retries": "10",
                                        "retry.backoff.ms": "1500", "retry.backoff.policy": "CONSTANT_VALUE",
                                        "behavior.on.error": "log", "http.idempotency.key.header": "Idempotency-Key"})
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    invocation = SinkInvocation(cluster.worker, name, runner=runner)
    try:
        took = _invoke(invocation, [b"v0"])

        assert took < 15  # ended at its deadline (BUDGET_S), not after the 15 s of backoff
        # the first request and at most the one retry whose 1.5 s backoff fits the 2 s (none on a machine so loaded
        # that starting the task took the rest), all with the same idempotency key
        assert [r.body for r in endpoint.api()] in ([b"v0"], [b"v0"] * 2)
        assert len({r.headers["idempotency-key"] for r in endpoint.api()}) == 1
        cluster.statuses.refresh()
        status = cluster.statuses.task_status(name, 0)
        assert status.state.value == "FAILED"  # behavior.on.error=log does not swallow a batch that ran out of time
        assert "ran out of the invocation's time" in (status.trace or "")
        assert "lambda-connect: failure 1 in a row" in (status.trace or "")

        # The next invocation gets the same batch again (nothing was committed) and its failure counts too.
        _invoke(invocation, [b"v0"])
        cluster.statuses.refresh()
        assert "lambda-connect: failure 2 in a row" in (cluster.statuses.task_status(name, 0).trace or "")
    finally:
        invocation.close()


def test_a_request_hanging_past_the_invocations_deadline_is_cut_there(cluster: Cluster, endpoint: Endpoint) -> None:
    """The read timeout (http.request.timeout.ms, 30 s by default) is cut to what is left of the invocation."""
    released = threading.Event()

    def hang(_request: Request) -> tuple[int, bytes]:
        released.wait(60)  # far past the invocation's time and the 30 s read timeout
        return 200, b"too late"

    endpoint.respond = hang
    name = f"http-dl-{uuid.uuid4().hex[:8]}"
    _deploy(cluster, name, "orders", **{"http.api.url": endpoint.url, "max.retries": "0"})
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    invocation = SinkInvocation(cluster.worker, name, runner=runner)
    try:
        # ended at its deadline (BUDGET_S), not at the read timeout (30 s) or the answer (60 s)
        assert _invoke(invocation, [b"v0"]) < 30
        assert len(endpoint.api()) == 1
    finally:
        released.set()
        invocation.close()

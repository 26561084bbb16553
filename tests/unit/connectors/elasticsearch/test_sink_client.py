"""ElasticsearchClient retry, URL and auth handling with a fake connection pool (no sockets)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3

from connect_core.api import RetriableError
from connect_core.api.config import parse_config
from connect_core.connectors.elasticsearch._client import ElasticsearchClient, backoff_ms
from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig


class _Response:
    def __init__(self, status: int, body: Any = None) -> None:
        self.status = status
        self.data = json.dumps(body).encode() if body is not None else b""


class _Pool:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> _Response:
        self.calls.append((method, url))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(answers: list[Any], **props: str) -> tuple[ElasticsearchClient, _Pool, list[float]]:
    config = parse_config(ElasticsearchSinkConfig, {"connection.url": "es1:9200,https://es2:9200", **props})
    sleeps: list[float] = []
    client = ElasticsearchClient(config, sleeps.append)
    pool = _Pool(answers)
    client._pool = pool  # type: ignore[assignment]
    return client, pool, sleeps


def test_whole_request_failures_rotate_urls_and_back_off() -> None:
    error = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    client, pool, sleeps = _client([error, _Response(503), _Response(200, {"items": [{"index": {"status": 201}}]})])
    assert client.bulk(b"{}\n") == [{"index": {"status": 201}}]
    assert [url for _, url in pool.calls] == ["https://es1:9200/_bulk", "https://es2:9200/_bulk",
                                              "https://es1:9200/_bulk"]
    assert len(sleeps) == 2


def test_retries_are_bounded_by_max_retries() -> None:
    client, pool, _ = _client([_Response(429)] * 3, **{"max.retries": "2"})
    with pytest.raises(RetriableError, match="3 attempt"):
        client.bulk(b"{}\n")
    assert len(pool.calls) == 3


def test_client_errors_are_not_retried() -> None:
    client, pool, _ = _client([_Response(404)])
    assert client.index_exists("missing") is False
    assert len(pool.calls) == 1


def test_basic_auth_needs_username_and_password() -> None:
    config = parse_config(ElasticsearchSinkConfig, {"connection.url": "http://es:9200", "connection.username": "u",
                                                    "connection.password": "p"})
    client = ElasticsearchClient(config)
    assert client._pool.headers["Authorization"] == "Basic dTpw"


def test_backoff_is_jittered_exponential() -> None:
    assert backoff_ms(3, 100, rand=lambda: 1.0) == 800
    assert backoff_ms(0, 100, rand=lambda: 0.5) == 50
    assert backoff_ms(60, 100, rand=lambda: 1.0) == 24 * 60 * 60 * 1000


class _RawResponse:
    def __init__(self, status: int, data: bytes) -> None:
        self.status, self.data = status, data


@pytest.mark.parametrize("answer", [
    b'{"took":30,"errors":false,"items":[{"index":{"status":201}}]}',  # OpenSearch, Elasticsearch 7
    b'{"errors":false,"took":3,"items":[{"index":{"status":201}}]}\n',  # Elasticsearch 8
    b'{"took":1,"ingest_took":0,"errors":false,"items":[]}',
])
def test_a_bulk_answer_without_failed_items_is_not_parsed(answer: bytes) -> None:
    client, _, _ = _client([_RawResponse(200, answer)])
    assert client.bulk(b"{}\n") is None


@pytest.mark.parametrize("answer", [
    b'{"took":30,"errors":true,"items":[{"index":{"status":429,"error":{"type":"x"}}}]}',
    b'{"took": 30, "errors": false, "items": [{"index": {"status": 201}}]}',  # not compact: parsed as before
    b'{"items":[{"index":{"status":201}}],"errors":false}',  # items first: parsed as before
])
def test_other_bulk_answers_give_their_items(answer: bytes) -> None:
    client, _, _ = _client([_RawResponse(200, answer)])
    assert client.bulk(b"{}\n") == json.loads(answer)["items"]


@pytest.mark.parametrize("answer", [b'{"took":30,"errors":false,"items":[{"index"', b'{"took":1,"errors":false}'])
def test_a_broken_bulk_answer_still_fails(answer: bytes) -> None:
    client, _, _ = _client([_RawResponse(200, answer)])
    with pytest.raises(Exception, match="Bulk request failed|unexpected|Expecting|EOF"):
        client.bulk(b"{}\n")

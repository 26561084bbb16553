"""A small HTTP client for the few Elasticsearch/OpenSearch endpoints the sink needs (bulk, index, mapping).

urllib3 (already in the Lambda image through boto3) gives pooled keep-alive connections that survive across warm
invocations; no vendor client is used, so the same code talks to OpenSearch 2.x and Elasticsearch 7/8.
Whole-request failures (connection errors, 429, 5xx) are retried here with Confluent's jittered exponential
backoff, rotating through ``connection.url``; per-item outcomes are left to the caller.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import random
import re
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

import orjson

from connect_core.api.errors import ConnectError, RetriableError

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig

__all__ = ["ElasticsearchClient", "backoff_ms"]

log = logging.getLogger(__name__)

MAX_BACKOFF_MS = 24 * 60 * 60 * 1000
_NDJSON = "application/x-ndjson"
# The head of a bulk answer in which no item failed, as OpenSearch and Elasticsearch write it (compact; ``took``
# before or after ``errors``, then ``items``).
_NUMBERS = rb'(?:"(?:took|ingest_took)":\d+,)*'
_NO_ITEM_FAILED = re.compile(rb'\{' + _NUMBERS + rb'"errors":false,' + _NUMBERS + rb'"items":\[')


def backoff_ms(attempt: int, base_ms: int, rand: Callable[[], float] = random.random) -> float:
    """Confluent ``RetryUtil``: a random wait in [0, base * 2^attempt], capped at 24 hours."""
    return rand() * min(base_ms * (1 << min(attempt, 40)), MAX_BACKOFF_MS)


def _loads(data: bytes) -> Any:
    """A response body: orjson (a bulk answer holds one item per action), the json module for what it refuses."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _normalize(urls: list[str]) -> list[str]:
    # Confluent: one https URL makes every URL https; a URL without scheme gets the common scheme.
    scheme = "https" if any(u.lower().startswith("https:") for u in urls) else "http"
    return [(url if "://" in url else f"{scheme}://{url}").rstrip("/") for url in urls]


class ElasticsearchClient:
    """Bulk, index and mapping calls with retries; one instance per task, reused across warm invocations."""

    def __init__(self, config: ElasticsearchSinkConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        """Create the pool (lazily importing urllib3, so a cold start of another connector never pays for it)."""
        import urllib3

        self._urls = _normalize(config.connection_urls)
        self._next = 0
        self._config = config
        self._sleep = sleep
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if config.connection_username and config.connection_password is not None:
            secret = f"{config.connection_username}:{config.connection_password.get_secret_value()}"
            headers["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode("ascii")
        timeout = urllib3.Timeout(connect=config.connection_timeout_ms / 1000, read=config.read_timeout_ms / 1000)
        tls: dict[str, Any] = {"cert_reqs": "CERT_REQUIRED"}
        if config.truststore_location:
            tls["ca_certs"] = config.truststore_location
        if config.keystore_location:
            tls["cert_file"] = config.keystore_location
        if not config.endpoint_identification_algorithm:
            tls["assert_hostname"] = False
        self._headers = headers  # sent with every request: urllib3 replaces, not merges, the pool's own headers
        self._pool = urllib3.PoolManager(headers=headers, timeout=timeout, retries=False,
                                         maxsize=max(4, config.max_in_flight_requests), **tls)
        self._errors: tuple[type[BaseException], ...] = (urllib3.exceptions.HTTPError, OSError)

    def close(self) -> None:
        """Close pooled connections."""
        self._pool.clear()

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None, *,
        parse: bool = True,
    ) -> tuple[int, Any]:
        """Send one request with retries; returns (status, parsed JSON body or None) for non-retriable statuses
        (``parse=False``: the body's bytes).

        Raises:
            RetriableError: the cluster kept failing (connection errors, 429 or 5xx) after ``max.retries``.
        """
        headers = {**self._headers, "Content-Type": content_type} if content_type else dict(self._headers)
        if body is not None and self._config.connection_compression:
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        attempts = self._config.max_retries + 1
        problem = ""
        for attempt in range(attempts):
            url = self._urls[self._next % len(self._urls)] + path
            try:
                response = self._pool.request(method, url, body=body, headers=headers)
            except self._errors as e:
                problem = f"{type(e).__name__}: {e}"
            else:
                if response.status != 429 and response.status < 500:
                    data = response.data
                    return response.status, (_loads(data) if data else None) if parse else data
                problem = f"HTTP {response.status}: {response.data[:500]!r}"
            self._next += 1
            if attempt + 1 < attempts:
                wait = backoff_ms(attempt, self._config.retry_backoff_ms)
                log.warning("%s %s failed (%s); retry %d/%d in %.0f ms", method, path, problem, attempt + 1,
                            attempts - 1, wait)
                self._sleep(wait / 1000)
        raise RetriableError(f"{method} {path} failed after {attempts} attempt(s): {problem}")

    def bulk(self, body: bytes) -> list[dict[str, Any]] | None:
        """POST ``_bulk``; returns the per-item results (``{"index": {...}}`` etc.) in request order, or None when
        the answer says no item failed (``"errors":false``): then its items, one per action, are not parsed."""
        status, raw = self.request("POST", "/_bulk", body, _NDJSON, parse=False)
        if status < 300 and _NO_ITEM_FAILED.match(raw) and raw.rstrip().endswith(b"}"):
            return None
        data = _loads(raw) if raw else None
        if status >= 300 or not isinstance(data, dict) or "items" not in data:
            raise ConnectError(f"Bulk request failed with HTTP {status}: {str(data)[:1000]}")
        items: list[dict[str, Any]] = data["items"]
        return items

    def index_exists(self, name: str) -> bool:
        """Whether the index, alias or data stream ``name`` exists."""
        status, _ = self.request("HEAD", "/" + urllib.parse.quote(name))
        return status == 200

    def create_index(self, name: str) -> None:
        """Create index ``name``; a concurrent creation (``resource_already_exists_exception``) is fine."""
        status, data = self.request("PUT", "/" + urllib.parse.quote(name))
        if status >= 300 and "resource_already_exists_exception" not in json.dumps(data):
            raise ConnectError(f"Could not create index '{name}': HTTP {status}: {data}")

    def has_mapping(self, name: str) -> bool:
        """Whether index ``name`` already has mapped properties."""
        status, data = self.request("GET", f"/{urllib.parse.quote(name)}/_mapping")
        if status >= 300 or not isinstance(data, dict):
            return False
        return any((entry.get("mappings") or {}).get("properties") for entry in data.values())

    def put_mapping(self, name: str, mapping: dict[str, Any]) -> None:
        """Put ``mapping`` on index ``name``."""
        status, data = self.request("PUT", f"/{urllib.parse.quote(name)}/_mapping", json.dumps(mapping).encode())
        if status >= 300:
            raise ConnectError(f"Could not create mapping for index '{name}': HTTP {status}: {data}")

"""The HTTP transport of the sink: a urllib3 pool (already in the Lambda image through boto3), TLS from PEM
files, and Confluent's retries (``retry.on.status.codes``, ``max.retries``, ``retry.backoff.ms``).

Retries end where the invocation's time ends (``api/deadline.py``, the scope the runtime puts around ``put``): a
backoff that does not fit what is left is not slept, and each request's timeouts are cut to what is left, so an
outage fails the invocation (the batch is not committed, and the restart policy counts the failure) instead of
the function being killed at its timeout.

The pool lives as long as the task, so a warm container keeps its keep-alive connections between invocations.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connect_core.api import deadline
from connect_core.connectors.http.config import StatusCodes

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.connectors.http._auth import Auth
    from connect_core.connectors.http.config import HttpSinkConfig

__all__ = ["HttpClient", "Outcome"]

log = logging.getLogger(__name__)

_MAX_BACKOFF_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class Outcome:
    """The last answer to a request: its status and body, or the I/O error that stopped it (status 0).

    ``out_of_time``: retries were stopped by the invocation's deadline, not exhausted; the request did not fail for
    good (``behavior.on.error`` does not apply) and the batch must come again.
    """

    status: int
    body: bytes
    error: str | None = None
    out_of_time: bool = False

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.error is None and 200 <= self.status < 300

    def describe(self) -> str:
        """The failure as a sentence, for logs and error records."""
        if self.error is not None:
            return self.error
        return f"HTTP {self.status}: {self.body[:1000].decode('utf-8', 'replace')}"


class HttpClient:
    """Sends requests with the config's TLS settings, timeouts and retries."""

    def __init__(self, config: HttpSinkConfig, *, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        """Build the pool (``urllib3`` imported here, not when a config is validated)."""
        import urllib3

        self._config = config
        self._retry_codes = StatusCodes(config.retry_on_status_codes)
        self._sleep = sleep
        self._rand = rand
        tls: dict[str, Any] = {}
        if config.truststore_location:
            tls["ca_certs"] = config.truststore_location
        if config.keystore_location:
            tls["cert_file"] = config.keystore_location
        if not config.host_verifier_enabled:
            tls["assert_hostname"] = False
        self._timeout = urllib3.Timeout
        self._pool = urllib3.PoolManager(retries=False, **tls)
        self._io_errors: tuple[type[BaseException], ...] = (urllib3.exceptions.HTTPError, OSError)

    def raw(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        """One request, no retries (the OAuth2 token endpoint's transport); its connect and read timeouts are cut
        to what is left of the invocation's deadline."""
        timeout = self._timeout(connect=deadline.bounded(self._config.http_connect_timeout_ms / 1000),
                                read=deadline.bounded(self._config.http_request_timeout_ms / 1000))
        response = self._pool.request(method, url, body=body, headers=headers, redirect=False, timeout=timeout)
        return response.status, response.data

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str], auth: Auth) -> Outcome:
        """Send, retrying I/O errors and ``retry.on.status.codes`` up to ``max.retries`` times, or until a backoff
        would end past the invocation's deadline (the outcome is then ``out_of_time``)."""
        attempt = 0
        refreshed = False
        while True:
            request_headers = dict(headers)
            target = auth.apply(url, request_headers)
            try:
                status, data = self.raw(method, target, body, request_headers)
                outcome = Outcome(status, data)
            except self._io_errors as error:
                outcome = Outcome(0, b"", f"{method} {url} failed: {type(error).__name__}: {error}")
            if outcome.ok:
                return outcome
            if outcome.status == 401 and not refreshed and auth.invalidate():
                refreshed = True  # an expired or revoked token: fetch a new one once, not counted as a retry
                continue
            if not (outcome.error or outcome.status in self._retry_codes):
                return outcome
            left = deadline.remaining_s()
            if outcome.error and left is not None and left <= 0:  # the deadline cut the request's own timeout
                return Outcome(outcome.status, outcome.body, outcome.error, out_of_time=True)
            if attempt >= self._config.max_retries:
                return outcome
            wait_ms = self._backoff_ms(attempt)
            if left is not None and wait_ms / 1000 >= left:
                log.warning("HTTP sink: %s; retry %d of %d not made: its backoff of %.0f ms does not fit the %.0f ms "
                            "left of the invocation", outcome.describe()[:300], attempt + 1, self._config.max_retries,
                            wait_ms, max(left, 0.0) * 1000)
                return Outcome(outcome.status, outcome.body, outcome.error, out_of_time=True)
            log.warning("HTTP sink: %s; retry %d of %d in %.0f ms", outcome.describe()[:300], attempt + 1,
                        self._config.max_retries, wait_ms)
            self._sleep(wait_ms / 1000)
            attempt += 1

    def _backoff_ms(self, attempt: int) -> float:
        base = self._config.retry_backoff_ms
        if self._config.retry_backoff_policy == "CONSTANT_VALUE":
            return float(base)
        return self._rand() * min(base * (1 << min(attempt + 1, 40)), _MAX_BACKOFF_MS)

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.clear()

"""``HttpSinkTask``: each ``put`` becomes requests to ``http.api.url``, batched as Confluent batches them.

Records with the same URL and ``batch.key.pattern`` text go in one request of at most ``batch.max.size`` records,
in order. Retries follow ``retry.on.status.codes``/``max.retries``; a request failed for good is handled by
``behavior.on.error`` (error topic, errant record reporter, or ``fail``: the batch comes again), as is one whose
retries the invocation's deadline stopped. With ``lambda.connect.max.in.flight.requests`` above 1 requests go out
beside the building of the next (``api/in_flight_writes``): a partition's in order, partitions side by side, and one
that fails the batch stops its partitions' requests not yet sent. Every request is answered before ``put`` returns,
so offsets are committed only after the endpoint took the records.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError
from connect_core.api.file_roots import file_roots_of
from connect_core.api.in_flight_writes import InFlightWrites, StopKeys
from connect_core.api.task import SinkTask
from connect_core.connectors.http._auth import Auth
from connect_core.connectors.http._body import batch_body, content_type, substitute
from connect_core.connectors.http._client import HttpClient, Outcome
from connect_core.connectors.http.config import PEM_FILE_KEYS, HttpSinkConfig

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord
    from connect_core.connectors.http._reporter import Reporter

__all__ = ["HttpSinkTask"]

log = logging.getLogger(__name__)


class HttpSinkTask(SinkTask):
    """Writes records to an HTTP API (Confluent ``HttpSinkTask``)."""

    def __init__(self) -> None:
        """Create a stopped task."""
        self._config: HttpSinkConfig | None = None
        self._client: HttpClient | None = None
        self._auth: Auth | None = None
        self._reporter: Reporter | None = None
        self._headers: dict[str, str] = {}
        self._writes = InFlightWrites(1, "http-request")

    def start(self, props: dict[str, str]) -> None:
        """Parse the config, check its PEM files against the file roots, open the pool and the reporter."""
        config = parse_config(HttpSinkConfig, props)
        roots = file_roots_of(self)
        # the client opens the very files the check accepted (a relative path inside the first root), never a path
        # relative to the process's working directory
        resolved = {key: roots.resolve(key, path) for key, path in config.host_files()}
        config = config.model_copy(update={
            "truststore_location": resolved.get(PEM_FILE_KEYS[0], config.truststore_location),
            "keystore_location": resolved.get(PEM_FILE_KEYS[1], config.keystore_location),
        })
        self._config = config
        self._headers = {"Content-Type": content_type(config)}
        for name, value in config.header_pairs():
            self._headers = {k: v for k, v in self._headers.items() if k.lower() != name.lower()} | {name: value}
        self._client = HttpClient(config)
        self._auth = Auth(config, self._client.raw)
        self._writes.close()
        self._writes = InFlightWrites(config.lambda_connect_max_in_flight_requests, "http-request")
        if config.reporter_bootstrap_servers.strip():
            from connect_core.connectors.http._reporter import Reporter

            self._reporter = Reporter(config, props)

    def put(self, records: list[SinkRecord]) -> None:
        """Send ``records`` (batched per URL and batch key) and report every outcome before returning."""
        config = self._require()
        groups: dict[tuple[str, str], list[SinkRecord]] = {}
        try:
            for record in records:
                if record.value is None and self._null_value(config, record):
                    continue
                group_key = (substitute(config.http_api_url, record, quote=True),
                             substitute(config.batch_key_pattern, record, quote=False))
                group = groups.setdefault(group_key, [])
                group.append(record)
                if len(group) >= config.batch_max_size:
                    self._send(config, group_key[0], config.request_method, groups.pop(group_key))
            for (url, _), group in groups.items():
                self._send(config, url, config.request_method, group)
            self._writes.wait()  # every request answered and its outcome handled before put returns
        except BaseException:
            self._writes.cancel()  # the batch comes again: nothing of it keeps running
            raise
        finally:
            if self._reporter is not None:
                self._reporter.flush()

    @property
    def network_wait_seconds(self) -> float:
        """Seconds the task's thread waited on requests (overlapped requests wait less)."""
        return self._writes.waiting_seconds

    def _null_value(self, config: HttpSinkConfig, record: SinkRecord) -> bool:
        """Handle a record with a null value; True when it is done with (not batched)."""
        behavior = config.behavior_on_null_values
        if behavior == "delete":
            self._send(config, substitute(config.http_api_url, record, quote=True), "DELETE", [record])
        elif behavior == "log":
            log.info("HTTP sink: null value of %s-%s@%s (key %r) skipped", record.topic, record.kafka_partition,
                     record.kafka_offset, record.key)
        elif behavior == "fail":
            self._failed(config, [record], Outcome(0, b"", "NullRecordException: the record's value is null "
                                                   "(behavior.on.null.values=fail)"))
        return True

    def _send(self, config: HttpSinkConfig, url: str, method: str, batch: list[SinkRecord]) -> None:
        """Build one request and send it beside the next (in order after the requests of its partitions)."""
        client, auth = self._client, self._auth
        assert client is not None and auth is not None
        body = None if method == "DELETE" else batch_body(config, batch)
        headers = dict(self._headers)
        if config.idempotency_key_header:
            first = batch[0]
            seed = f"{first.topic}/{first.kafka_partition}/{first.kafka_offset}/{len(batch)}/{method}"
            headers[config.idempotency_key_header] = hashlib.sha256(seed.encode()).hexdigest()[:32]
        errant = self.context.errant_record_reporter if hasattr(self, "context") else None
        fails = errant is None and config.behavior_on_error == "fail"  # a request failed for good fails the batch

        def write() -> Outcome:
            outcome = client.send(method, url, body, headers, auth)
            if outcome.out_of_time or (fails and not outcome.ok):
                raise StopKeys(outcome)  # the batch fails: its partitions' later requests are not sent
            return outcome

        self._writes.submit(write, keys={(record.topic, record.kafka_partition) for record in batch},
                            done=lambda outcome: self._sent(config, batch, outcome))

    def _sent(self, config: HttpSinkConfig, batch: list[SinkRecord], outcome: Outcome) -> None:
        """A request's outcome, in the task's thread in the order the requests were built."""
        if outcome.out_of_time:  # not failed for good: the batch comes again, and the failure is counted
            raise ConnectError(f"Sending {len(batch)} record(s) to {config.http_api_url} ran out of the invocation's "
                               f"time while retrying ({outcome.describe()}); the batch is not committed and comes "
                               "again")
        if not outcome.ok:
            self._failed(config, batch, outcome)
        elif self._reporter is not None:
            for record in batch:
                self._reporter.result(record, outcome.status, outcome.body)

    def _failed(self, config: HttpSinkConfig, batch: list[SinkRecord], outcome: Outcome) -> None:
        """A request that failed for good (``behavior.on.error``), or a null value refused."""
        message = f"Error sending {len(batch)} record(s) to {config.http_api_url}: {outcome.describe()}"
        if self._reporter is not None:
            value = outcome.body if config.report_errors_as == "http_response" else message.encode()
            for record in batch:
                self._reporter.error(record, value, message, outcome.status)
        errant = self.context.errant_record_reporter if hasattr(self, "context") else None
        if errant is not None:
            for record in batch:
                errant(record, ConnectError(message))
        elif config.behavior_on_error == "fail":
            if self._reporter is not None:
                self._reporter.flush()
            raise ConnectError(message)
        if config.behavior_on_error == "log":
            log.error("HTTP sink: %s", message)

    def _require(self) -> HttpSinkConfig:
        if self._config is None:
            raise ConnectError("HttpSinkTask used before start()")
        return self._config

    def stop(self) -> None:
        """Close the requests in flight, the pool and the reporter's producer."""
        self._writes.close()
        if self._client is not None:
            self._client.close()
        if self._reporter is not None:
            self._reporter.close()
        self._client = self._auth = self._reporter = None

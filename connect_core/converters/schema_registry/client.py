"""A Confluent Schema Registry REST client (the API Confluent, Apicurio ``/apis/ccompat/v7`` and Karapace serve).

Answers are cached in the process, shared by every converter that talks to the same registry, so a warm Lambda
invocation asks nothing it asked before: schemas by id never change, ``(subject, schema) -> id`` never changes,
and the latest version of a subject is kept for ``latest.cache.ttl.sec`` (-1: for the process lifetime).

Errors: a registry that cannot be reached or answers 5xx/429 raises ``RegistryUnavailableError`` (retriable: the
batch is retried); a 4xx (unknown id or subject, incompatible schema, bad auth) raises ``RegistryRequestError``, a
``DataError`` that goes through ``errors.tolerance``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError, ServiceUnavailableError

if TYPE_CHECKING:
    import ssl

__all__ = ["RegisteredSchema", "RegistryRequestError", "RegistryUnavailableError", "SchemaRegistryClient",
           "client_for"]

_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class RegistryUnavailableError(ServiceUnavailableError):
    """The schema registry could not be reached or failed (5xx, 429): retried, then the batch fails (never DLQ)."""


class RegistryRequestError(DataError):
    """The schema registry refused the request (4xx): its Confluent error code and message are kept."""

    def __init__(self, message: str, status: int, error_code: int | None = None) -> None:
        """Keep HTTP status and the registry's ``error_code`` (40401 subject not found, 40403 schema not found)."""
        super().__init__(message)
        self.status = status
        self.error_code = error_code


@dataclass(frozen=True)
class RegisteredSchema:
    """A schema as the registry returns it."""

    schema: str
    schema_type: str = "AVRO"
    id: int | None = None
    version: int | None = None
    subject: str | None = None
    references: tuple[dict[str, Any], ...] = ()


@dataclass
class _Cache:
    by_id: dict[int, RegisteredSchema] = field(default_factory=dict)
    ids: dict[tuple[str, str, str, bool], int] = field(default_factory=dict)
    versions: dict[tuple[str, str, str, bool], RegisteredSchema] = field(default_factory=dict)
    latest: dict[str, tuple[float, RegisteredSchema]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_CACHES: dict[tuple[str, ...], _Cache] = {}


class SchemaRegistryClient:
    """Talks to one registry (several URLs are tried in turn on connection errors, like Confluent's RestService)."""

    def __init__(self, urls: list[str], *, user_info: str | None = None, ssl_context: ssl.SSLContext | None = None,
                 timeout_s: float = 30.0, latest_ttl_s: float = -1.0, headers: dict[str, str] | None = None) -> None:
        """``user_info`` is ``user:password`` for HTTP basic auth."""
        if not urls:
            raise DataError("schema.registry.url must name at least one URL")
        self.urls = [u.rstrip("/") for u in urls]
        self._headers = {"Content-Type": _CONTENT_TYPE, "Accept": _CONTENT_TYPE, **(headers or {})}
        if user_info:
            self._headers["Authorization"] = "Basic " + base64.b64encode(user_info.encode()).decode("ascii")
        self._ssl = ssl_context
        self._timeout = timeout_s
        self._latest_ttl = latest_ttl_s
        self._cache = _CACHES.setdefault(tuple(self.urls), _Cache())

    # -- API -------------------------------------------------------------------------------------------
    def schema_by_id(self, schema_id: int) -> RegisteredSchema:
        """``GET /schemas/ids/{id}`` (cached forever: ids are immutable)."""
        cached = self._cache.by_id.get(schema_id)
        if cached is not None:
            return cached
        body = self._request("GET", f"/schemas/ids/{schema_id}")
        result = RegisteredSchema(body["schema"], body.get("schemaType") or "AVRO", schema_id,
                                  references=tuple(body.get("references") or ()))
        self._cache.by_id[schema_id] = result
        return result

    def register(self, subject: str, schema: str, schema_type: str = "AVRO", *, normalize: bool = False,
                 references: list[dict[str, Any]] | None = None) -> int:
        """``POST /subjects/{subject}/versions``: the schema's id, registering it if new."""
        key = (subject, schema_type, schema, normalize)
        cached = self._cache.ids.get(key)
        if cached is not None:
            return cached
        query = "?normalize=true" if normalize else ""
        body = self._request("POST", f"/subjects/{_q(subject)}/versions{query}",
                             self._payload(schema, schema_type, references))
        schema_id = int(body["id"])
        self._remember(key, schema_id, schema, schema_type)
        return schema_id

    def lookup(self, subject: str, schema: str, schema_type: str = "AVRO", *, normalize: bool = False,
               references: list[dict[str, Any]] | None = None) -> RegisteredSchema:
        """``POST /subjects/{subject}``: id and version of an already registered schema (cached)."""
        key = (subject, schema_type, schema, normalize)
        cached = self._cache.versions.get(key)
        if cached is not None:
            return cached
        query = "?normalize=true" if normalize else ""
        body = self._request("POST", f"/subjects/{_q(subject)}{query}", self._payload(schema, schema_type, references))
        result = RegisteredSchema(schema, schema_type, int(body["id"]), int(body["version"]), subject)
        with self._cache.lock:
            self._cache.versions[key] = result
            self._cache.by_id.setdefault(result.id, result)  # type: ignore[arg-type]
        return result

    def latest(self, subject: str) -> RegisteredSchema:
        """``GET /subjects/{subject}/versions/latest`` (cached for ``latest.cache.ttl.sec``)."""
        now = time.monotonic()
        cached = self._cache.latest.get(subject)
        if cached is not None and (self._latest_ttl < 0 or now - cached[0] < self._latest_ttl):
            return cached[1]
        body = self._request("GET", f"/subjects/{_q(subject)}/versions/latest")
        result = RegisteredSchema(body["schema"], body.get("schemaType") or "AVRO", int(body["id"]),
                                  int(body["version"]), subject, tuple(body.get("references") or ()))
        self._cache.latest[subject] = (now, result)
        self._cache.by_id.setdefault(int(body["id"]), result)
        return result

    def is_compatible(self, subject: str, schema: str, schema_type: str = "AVRO") -> bool:
        """``POST /compatibility/subjects/{subject}/versions/latest``: may ``schema`` follow the latest version."""
        body = self._request("POST", f"/compatibility/subjects/{_q(subject)}/versions/latest",
                             self._payload(schema, schema_type, None))
        return bool(body.get("is_compatible"))

    # -- plumbing --------------------------------------------------------------------------------------
    @staticmethod
    def _payload(schema: str, schema_type: str, references: list[dict[str, Any]] | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"schema": schema}
        if schema_type != "AVRO":
            payload["schemaType"] = schema_type
        if references:
            payload["references"] = references
        return payload

    def _remember(self, key: tuple[str, str, str, bool], schema_id: int, schema: str, schema_type: str) -> None:
        with self._cache.lock:
            self._cache.ids[key] = schema_id
            self._cache.by_id.setdefault(schema_id, RegisteredSchema(schema, schema_type, schema_id))

    def _request(self, method: str, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        last: Exception | None = None
        for base in self.urls:
            request = urllib.request.Request(base + path, data=data, method=method, headers=self._headers)
            try:
                with urllib.request.urlopen(request, timeout=self._timeout, context=self._ssl) as response:
                    return json.load(response)
            except urllib.error.HTTPError as error:
                body = _error_body(error)
                message = f"{body.get('message') or error.reason}; error code: {body.get('error_code', error.code)}"
                if error.code >= 500 or error.code == 429:
                    last = RegistryUnavailableError(f"Schema registry {base} failed: {message}")
                    continue
                raise RegistryRequestError(f"Schema registry {method} {path}: {message}", error.code,
                                           body.get("error_code")) from error
            except (OSError, ValueError) as error:
                last = error
        raise RegistryUnavailableError(f"Schema registry {', '.join(self.urls)} unreachable: {last}") from last


def _error_body(error: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        body = json.loads(error.read() or b"{}")
    except (OSError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _q(subject: str) -> str:
    return urllib.parse.quote(subject, safe="")


_CLIENTS: dict[tuple[Any, ...], SchemaRegistryClient] = {}


def client_for(urls: list[str], *, user_info: str | None = None, ssl_context: ssl.SSLContext | None = None,
               ssl_key: tuple[Any, ...] = (), latest_ttl_s: float = -1.0) -> SchemaRegistryClient:
    """The process-wide client for these settings (warm invocations reuse it and its caches)."""
    key = (tuple(urls), user_info, ssl_key, latest_ttl_s)
    client = _CLIENTS.get(key)
    if client is None:
        client = _CLIENTS[key] = SchemaRegistryClient(urls, user_info=user_info, ssl_context=ssl_context,
                                                      latest_ttl_s=latest_ttl_s)
    return client

"""A framework-free HTTP model: ``Request``, ``Response``, ``RestError`` and a path-template ``Router``.

The coordinator is plain request -> response logic so the same code serves a Lambda HTTP API event, a local
server and unit tests. Errors carry Kafka Connect's body ``{"error_code": <int>, "message": str}``; unknown paths
and wrong methods answer with the messages Jersey gives a Connect worker ("HTTP 404 Not Found", ...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from connect_core.api.errors import ConnectError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["JSON", "string_map", "Request", "Response", "RestError", "Router", "bad_request", "error_body"]

JSON = "application/json"
# A connector config is one record of the config topic, and a broker takes about 1 MB per record by default
# (message.max.bytes): a bigger body can never be stored, so it is refused up front (Kafka: a 500 from the producer).
MAX_BODY_BYTES = 1_000_000
NOT_FOUND = "HTTP 404 Not Found"
METHOD_NOT_ALLOWED = "HTTP 405 Method Not Allowed"
UNSUPPORTED_MEDIA_TYPE = "HTTP 415 Unsupported Media Type"
AMBIGUOUS_EMPTY_SEGMENT = "Ambiguous URI empty segment"  # Jetty 12 refuses ``//`` in a path with this 400
_PARAM = re.compile(r"\{(\w+)\}")


class RestError(ConnectError):
    """An error with its own HTTP status (Kafka ``ConnectRestException``); ``error_code`` defaults to the status."""

    def __init__(self, status: int, message: str, error_code: int | None = None) -> None:
        """Keep the status, the message and the body's error code."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = status if error_code is None else error_code


def bad_request(message: str) -> RestError:
    """Kafka's ``BadRequestException`` (400)."""
    return RestError(400, message)


def error_body(error_code: int, message: str | None) -> dict[str, Any]:
    """Kafka's ``ErrorMessage`` entity."""
    return {"error_code": error_code, "message": message}


@dataclass(frozen=True)
class Request:
    """One HTTP request: header names are lower case, the query keeps repeated keys (``?expand=a&expand=b``)."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    path_params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        query_string: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> Request:
        """Create a request from raw parts (the path may still be percent-encoded; params are decoded on match)."""
        raw_body = body.encode("utf-8") if isinstance(body, str) else body
        return cls(
            method=method.upper(),
            path=path or "/",
            query=parse_qs(query_string or "", keep_blank_values=True),
            headers={k.lower(): v for k, v in (headers or {}).items()},
            body=raw_body,
        )

    def param(self, name: str) -> str:
        """A decoded path parameter such as ``{connector}``."""
        return self.path_params[name]

    def query_param(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter (JAX-RS ``@QueryParam``)."""
        values = self.query.get(name)
        return values[0] if values else default

    def query_flag(self, name: str, default: bool) -> bool:
        """A boolean query parameter parsed like Java's ``Boolean.valueOf``: only "true" (any case) is true."""
        value = self.query_param(name)
        return default if value is None else value.strip().lower() == "true"

    def json(self) -> Any:
        """The parsed JSON body; None when there is none.

        Every unreadable body is the client's mistake, so a 4xx (Kafka answers Jackson's parse errors with 500):
        413 past ``MAX_BODY_BYTES``, 400 for invalid UTF-8, malformed or too deeply nested JSON.
        """
        if not self.body or not self.body.strip():
            return None
        if len(self.body) > MAX_BODY_BYTES:
            raise RestError(413, f"Request body of {len(self.body)} bytes is larger than the limit of "
                                 f"{MAX_BODY_BYTES} bytes")
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise bad_request(f"Request body is not valid UTF-8: {error}") from None
        try:
            return json.loads(text)
        except RecursionError:
            raise bad_request("Cannot parse the request body as JSON: nested too deeply") from None
        except ValueError as error:
            raise bad_request(f"Cannot parse the request body as JSON: {error}") from None


def string_map(body: Any, what: str = "Request body") -> dict[str, str | None]:
    """A ``Map<String, String>`` as Jackson reads it: scalars become strings, nulls stay null.

    Anything else is a 400 naming the offending key (Kafka answers Jackson's type errors with 500).
    """
    if not isinstance(body, dict):
        raise bad_request(f"{what} must be a JSON object of string keys to string values, not "
                          f"{_json_kind(body)}")
    out: dict[str, str | None] = {}
    for key, value in body.items():
        if value is None or isinstance(value, str):
            out[key] = value
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (int, float)):
            out[key] = str(value)
        else:
            raise bad_request(f"{what}: the value of '{key}' must be a string, number, boolean or null, not "
                              f"{_json_kind(value)}")
    return out


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    return "a string" if isinstance(value, str) else "a number or boolean"


@dataclass(frozen=True)
class Response:
    """Status, a JSON-serialisable body (None: no body) and extra headers; other media types carry text.

    A response without a body has no Content-Type, as Jersey sends a resource's ``void`` answers (204, 202).
    """

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = JSON

    def wire_headers(self) -> dict[str, str]:
        """The headers to send: Content-Type only with a body, then the response's own headers."""
        typed = {} if self.body is None else {"Content-Type": self.content_type}
        return {**typed, **self.headers}

    def body_text(self) -> str:
        """The body as compact JSON, like Jackson writes it (text as it is for other types); empty when none."""
        if self.body is None:
            return ""
        if self.content_type != JSON and isinstance(self.body, str):
            return self.body
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def error(cls, error_code: int, message: str | None, status: int | None = None) -> Response:
        """An error response with Kafka's body."""
        return cls(error_code if status is None else status, error_body(error_code, message))


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Request], Response]
    consumes_json: bool


class Router:
    """Method + path-template dispatch (``/connectors/{connector}/tasks/{task}/status``)."""

    def __init__(self) -> None:
        """Start with no routes."""
        self._routes: list[_Route] = []

    def add(
        self, method: str, template: str, handler: Callable[[Request], Response], *, consumes_json: bool = False
    ) -> None:
        """Register ``handler``; ``consumes_json`` routes reject a non-JSON Content-Type with 415, as Jersey does."""
        parts = _PARAM.split(template)  # literal, name, literal, name, ..., literal
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts))
        self._routes.append(_Route(method.upper(), re.compile(f"^{regex}$"), handler, consumes_json))

    def dispatch(self, request: Request) -> Response:
        """Run the matching handler; 404 for an unknown path, 405 for a known path with another method.

        Every route takes one optional trailing slash, as Jersey's ``(/)?``; an empty segment (``//``) is Jetty's
        400, never a match.
        """
        if "//" in request.path:
            raise RestError(400, AMBIGUOUS_EMPTY_SEGMENT)
        path = request.path[:-1] if request.path.endswith("/") and request.path != "/" else request.path
        path_matched = False
        for route in self._routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            path_matched = True
            if route.method != request.method and not (request.method == "HEAD" and route.method == "GET"):
                continue  # HEAD is GET without a body (the HTTP layer drops it), as Jersey answers it
            if route.consumes_json and not _is_json(request):
                raise RestError(415, UNSUPPORTED_MEDIA_TYPE)
            params = {name: unquote(value) for name, value in match.groupdict().items()}
            return route.handler(_with_params(request, params))
        if path_matched:
            raise RestError(405, METHOD_NOT_ALLOWED)
        raise RestError(404, NOT_FOUND)


def _with_params(request: Request, params: dict[str, str]) -> Request:
    return Request(request.method, request.path, request.query, request.headers, request.body, params)


def _is_json(request: Request) -> bool:
    if not request.body:
        return True  # no entity: nothing to read
    content_type = request.headers.get("content-type")
    if content_type is None:
        return False  # a body of no declared type: 415, as a Connect worker answers
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in (JSON, "*/*", "application/*") or media_type.endswith("+json")

"""What the AWS providers share: their ``.param.*`` options, a lazily built boto3 client, a TTL cache.

boto3 is imported on the first lookup only, so a function whose config uses no AWS placeholder never loads it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["DEFAULT_CACHE_TTL_MS", "AwsProviderOptions", "TtlCache"]

DEFAULT_CACHE_TTL_MS = 300_000  # a rotated secret reaches a warm container within five minutes
# Option names, with the spellings popular Kafka providers use (jcustenborder, Lenses) accepted as aliases.
_REGION = ("region", "aws.region")
_ENDPOINT = ("endpoint", "endpoint.url", "aws.endpoint.override", "aws.endpoint")
_ACCESS_KEY = ("aws.access.key", "aws.access.key.id")
_SECRET_KEY = ("aws.secret.key", "aws.secret.access.key")
_TTL = ("cache.ttl.ms", "secret.ttl.ms")


def _first(params: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = params.get(name)
        if value not in (None, ""):
            return value
    return None


class AwsProviderOptions:
    """Region, endpoint (LocalStack), static keys (tests only; prefer the function's role) and the cache TTL."""

    def __init__(self, params: Mapping[str, str] | None = None) -> None:
        """Read the options; unset ones fall back to boto3's own resolution (AWS_REGION, role credentials)."""
        params = params or {}
        self.region = _first(params, _REGION)
        self.endpoint = _first(params, _ENDPOINT)
        self.access_key = _first(params, _ACCESS_KEY)
        self.secret_key = _first(params, _SECRET_KEY)
        ttl = _first(params, _TTL)
        self.ttl_ms = int(ttl) if ttl is not None else DEFAULT_CACHE_TTL_MS

    def client(self, service: Literal["secretsmanager", "ssm"]) -> Any:
        """A boto3 client for ``service`` with these options."""
        import boto3

        kwargs: dict[str, Any] = {}
        if self.region:
            kwargs["region_name"] = self.region
        if self.endpoint:
            kwargs["endpoint_url"] = self.endpoint
        if self.access_key and self.secret_key:
            kwargs["aws_access_key_id"] = self.access_key
            kwargs["aws_secret_access_key"] = self.secret_key
        return boto3.client(service, **kwargs)


class TtlCache:
    """Values fetched per container, kept ``ttl_ms`` (0 disables caching, negative keeps them forever)."""

    def __init__(self, ttl_ms: int, clock: Callable[[], float] = time.monotonic) -> None:
        """An empty cache."""
        self.ttl_ms = ttl_ms
        self._clock = clock
        self._entries: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any | None:
        """The cached value, or None when absent or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self.ttl_ms >= 0 and (self._clock() - stored_at) * 1000.0 >= self.ttl_ms:
            del self._entries[key]
            return None
        return value

    def put(self, key: str, value: Any) -> None:
        """Remember a value (nothing is kept when the TTL is 0)."""
        if self.ttl_ms != 0:
            self._entries[key] = (self._clock(), value)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()

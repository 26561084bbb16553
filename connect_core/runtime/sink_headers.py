"""A consumed record's headers as Connect headers: each ``(key, bytes)`` through the ``header.converter`` (Kafka
``WorkerSinkTask.convertHeadersFor``), the plan ``headers_plan`` picks.

``ConnectHeadersOf`` is the reference: every header of every record through the converter, then validated against
the schema the converter gave. ``CachedConnectHeadersOf`` gives the same headers for a converter we ship and know to
be pure (``PURE_HEADER_CONVERTERS``: its result depends only on the bytes) and converts a ``(key, bytes)`` pair once:
topics often carry the same headers on every record (Debezium's ``__debezium.context.*``), and ``Header`` is
immutable, so one object serves every record whose value is of an immutable type. A converter's failure is raised
where the reference raises it (nothing failed is cached), so the error handler sees it at the same stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.header import Header, Headers
from connect_core.runtime.source_headers import CACHE_SIZE, IMMUTABLE_VALUES, PURE_HEADER_CONVERTERS

if TYPE_CHECKING:
    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.api.converter import HeaderConverter

__all__ = ["CachedConnectHeadersOf", "ConnectHeadersOf", "headers_plan"]

_new = object.__new__


class ConnectHeadersOf:
    """The reference: every header through the converter, in order (a key may repeat)."""

    __slots__ = ("converter",)

    def __init__(self, converter: HeaderConverter) -> None:
        """Convert with ``converter``."""
        self.converter = converter

    def __call__(self, consumed: ConsumedRecord) -> Headers:
        """The Connect headers of ``consumed`` (a new ``Headers``; empty when it has none)."""
        headers = Headers()
        if consumed.headers:
            to_header = self.converter.to_connect_header
            for name, raw in consumed.headers:
                schema_and_value = to_header(consumed.topic, name, raw)
                headers.add(name, schema_and_value.value, schema_and_value.schema)
        return headers


class CachedConnectHeadersOf(ConnectHeadersOf):
    """``ConnectHeadersOf`` for a pure converter: a ``(key, bytes)`` pair is converted (and validated) once.

    When the cache is full it is emptied and fills again with the pairs that come; if a whole fill found fewer pairs
    than it converted (every record brings new values: a trace id), caching stops for the task's run and each call
    is the reference's.
    """

    __slots__ = ("_caching", "_found", "_headers", "_hits")

    def __init__(self, converter: HeaderConverter) -> None:
        """Convert with ``converter`` (pure: ``PURE_HEADER_CONVERTERS``)."""
        super().__init__(converter)
        self._headers: dict[tuple[str, bytes | None], Header] = {}
        self._found = self._headers.get
        self._hits = 0  # pairs found since the cache was last emptied
        self._caching = True

    def __call__(self, consumed: ConsumedRecord) -> Headers:
        """``ConnectHeadersOf.__call__``, each known pair's ``Header`` from the cache."""
        if not self._caching or not consumed.headers:
            return super().__call__(consumed)
        try:  # the pairs are the cache's keys (tuples, as consumers give them: looked up from C)
            built = list(map(self._found, consumed.headers))
        except TypeError:  # a pair that is a list, or a value that is not bytes (unhashable): the reference
            return super().__call__(consumed)
        if not all(built):  # a pair not cached (None; a Header is always true: no Header.__eq__ call a pair)
            self._fill(consumed, built)
        else:
            self._hits += len(built)
        headers = _new(Headers)  # Headers(built) without copying a fresh list of immutable headers
        headers._headers = built  # type: ignore[assignment]  # no None left: _fill filled each
        return headers

    def _fill(self, consumed: ConsumedRecord, built: list[Header | None]) -> None:
        """``built`` with the pairs not found converted (as the reference does), and kept when their value cannot
        change."""
        to_header, topic = self.converter.to_connect_header, consumed.topic
        for index, (name, raw) in enumerate(consumed.headers):
            if built[index] is not None:
                self._hits += 1
                continue
            schema_and_value = to_header(topic, name, raw)
            # added (and validated) as the reference adds it
            header = built[index] = next(iter(Headers().add(name, schema_and_value.value, schema_and_value.schema)))
            if header.value.__class__ in IMMUTABLE_VALUES:
                self._keep((name, raw), header)

    def _keep(self, pair: tuple[str, bytes | None], header: Header) -> None:
        """Cache ``pair``'s header; a full cache is emptied first, and caching stops when its fill found fewer
        pairs than it converted."""
        cache = self._headers
        if len(cache) >= CACHE_SIZE:
            self._caching = self._hits >= len(cache)
            cache.clear()
            self._hits = 0
        if self._caching:
            cache[pair] = header


def headers_plan(converter: HeaderConverter) -> ConnectHeadersOf:
    """The one place a sink task's header plan is chosen: the cache for a converter known pure, else the
    reference."""
    cls = type(converter)
    if f"{cls.__module__}.{cls.__qualname__}" in PURE_HEADER_CONVERTERS:
        return CachedConnectHeadersOf(converter)
    return ConnectHeadersOf(converter)

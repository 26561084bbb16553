"""A source record's headers as the bytes to produce: each header through the ``header.converter`` (Kafka
``WorkerSourceTask.convertHeaderFor``), the plan ``header_plan`` picks.

``HeaderBytes`` is the reference: every header of every record through the converter. ``CachedHeaderBytes`` gives
the same bytes for a converter we ship and know to be pure (its bytes depend only on the header's schema and value)
and converts a ``Header`` object once: tasks often hand every record the same header objects (Debezium's
``__debezium.context.*``), and ``Header`` is immutable (its schema too), so only a value of an immutable type is
kept. A user's converter may not be pure (a counter, a clock): it always gets the reference.
``PassThroughHeaderBytes``, for ByteArrayConverter, writes headers still as a client read them (``BytesHeaders``,
MirrorMaker 2's) as they are.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from types import MethodType
from typing import TYPE_CHECKING, Any

from connect_core.api.header import BytesHeaders

if TYPE_CHECKING:
    from connect_core.api.converter import HeaderConverter
    from connect_core.api.header import Header, Headers

__all__ = ["CachedHeaderBytes", "HeaderBytes", "PassThroughHeaderBytes", "header_plan"]

# Our header converters whose bytes depend only on the header's schema and value (not on the topic, the key or any
# state that changes): Kafka's SimpleHeaderConverter, StringConverter and ByteArrayConverter. Exact classes: a
# subclass may override the conversion.
PURE_HEADER_CONVERTERS = frozenset({
    "connect_core.converters.simple_header.SimpleHeaderConverter",
    "connect_core.converters.string.StringConverter",
    "connect_core.converters.byte_array.ByteArrayConverter",
})
# the header converter whose bytes of a BYTES header (or a null) are the value itself (exact class, as above)
PASS_THROUGH_HEADER_CONVERTER = "connect_core.converters.byte_array.ByteArrayConverter"
# value types whose objects cannot change: a Header holding one converts to the same bytes every time (and the sink's
# plan, runtime/sink_headers.py, may hand one Header holding one to every record)
IMMUTABLE_VALUES = frozenset({type(None), str, bytes, bool, int, float, decimal.Decimal, _dt.date, _dt.time,
                              _dt.datetime})
CACHE_SIZE = 256  # Header objects remembered at most (then forgotten, and remembered again as they come)


class HeaderBytes:
    """The reference: every header through the converter, in order (a key may repeat)."""

    __slots__ = ("converter",)

    def __init__(self, converter: HeaderConverter) -> None:
        """Convert with ``converter``."""
        self.converter = converter

    def convert(self, topic: str, headers: Headers) -> list[tuple[str, bytes | None]]:
        """``(key, bytes)`` of each of ``headers`` (not empty) for a record of ``topic``."""
        from_header = self.converter.from_connect_header
        return [(header.key, from_header(topic, header.key, header.schema, header.value)) for header in headers]


class CachedHeaderBytes(HeaderBytes):
    """``HeaderBytes`` for a pure converter: a ``Header`` object with an immutable value is converted once.

    The pairs are kept by the object's ``id``, and the object with them: an id is unique among live objects, so a
    header found by its id is that very object. When the cache is full it is emptied and fills again with the
    headers that come; if a whole fill found fewer headers than it converted (every record brings new ones), caching
    stops for the task's run and ``convert`` is the reference's.
    """

    def __init__(self, converter: HeaderConverter) -> None:
        """Convert with ``converter`` (pure: ``PURE_HEADER_CONVERTERS``)."""
        super().__init__(converter)
        self._pairs: dict[int, tuple[str, bytes | None]] = {}
        self._kept: list[Header] = []  # the cached headers, alive while their ids are keys
        self._found = self._pairs.get
        self._hits = 0  # headers found since the cache was last emptied
        self._caching = True

    def convert(self, topic: str, headers: Headers) -> list[tuple[str, bytes | None]]:
        """``HeaderBytes.convert``, each known header's pair from the cache."""
        pairs = list(map(self._found, map(id, headers)))
        if None not in pairs:
            self._hits += len(pairs)
            return pairs  # type: ignore[return-value]
        return self._fill(topic, headers, pairs)

    def _fill(self, topic: str, headers: Headers, pairs: list[Any]) -> list[tuple[str, bytes | None]]:
        """``pairs`` with the headers not found converted, and kept when their value cannot change."""
        from_header = self.converter.from_connect_header
        for index, header in enumerate(headers):
            if pairs[index] is not None:
                self._hits += 1
                continue
            key, value = header.key, header.value
            pair = pairs[index] = (key, from_header(topic, key, header.schema, value))
            if value.__class__ in IMMUTABLE_VALUES:
                self._keep(header, pair)
        return pairs

    def _keep(self, header: Header, pair: tuple[str, bytes | None]) -> None:
        """Cache ``header``'s pair; a full cache is emptied first, and caching stops when its fill found fewer
        headers than it converted."""
        if len(self._kept) >= CACHE_SIZE:
            self._caching = self._hits >= len(self._kept)
            if not self._caching:  # from now on (the pipeline looks ``convert`` up again each poll)
                self.convert = MethodType(HeaderBytes.convert, self)  # type: ignore[method-assign]
            self._pairs.clear()
            self._kept.clear()
            self._hits = 0
        if self._caching:
            self._pairs[id(header)] = pair
            self._kept.append(header)


class PassThroughHeaderBytes(HeaderBytes):
    """``CachedHeaderBytes`` for ByteArrayConverter, whose bytes of a BYTES header are its value: headers a task
    hands over as a client read them, unread since (``BytesHeaders.pairs``), are their own bytes."""

    __slots__ = ("_others",)

    def __init__(self, converter: HeaderConverter) -> None:
        """Convert other headers with ``CachedHeaderBytes`` of ``converter``."""
        super().__init__(converter)
        self._others = CachedHeaderBytes(converter)

    def convert(self, topic: str, headers: Headers) -> list[tuple[str, bytes | None]]:
        """The pairs of unread ``BytesHeaders``, else ``CachedHeaderBytes.convert``."""
        if headers.__class__ is BytesHeaders:
            pairs = headers.pairs()
            if pairs is not None:
                return pairs
        return self._others.convert(topic, headers)


def header_plan(converter: HeaderConverter) -> HeaderBytes:
    """The one place a task's header plan is chosen: the pairs as read for ByteArrayConverter, the cache for a
    converter known pure, else the reference."""
    cls = type(converter)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name == PASS_THROUGH_HEADER_CONVERTER:
        return PassThroughHeaderBytes(converter)
    if name in PURE_HEADER_CONVERTERS:
        return CachedHeaderBytes(converter)
    return HeaderBytes(converter)

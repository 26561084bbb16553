"""Record headers: ``Header`` and the ordered multi-map ``Headers`` (Kafka ``ConnectHeaders``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.schema import BYTES_SCHEMA, OPTIONAL_BYTES_SCHEMA, validate_value
from connect_core.api.schema_and_value import SchemaAndValue

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from connect_core.api.schema import Schema

__all__ = ["BytesHeaders", "Header", "Headers"]

_NONE: tuple[()] = ()


class Header:
    """One header: a key plus a value with its optional schema (Kafka ``Header``); immutable."""

    __slots__ = ("key", "schema", "value")

    key: str
    schema: Schema | None
    value: Any

    def __init__(self, key: str, schema: Schema | None, value: Any) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "schema", schema)
        object.__setattr__(self, "value", value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Header is immutable")

    def with_value(self, schema: Schema | None, value: Any) -> Header:
        """A copy with the same key and a new value (Kafka ``Header.with``)."""
        return Header(self.key, schema, value)

    def rename(self, key: str) -> Header:
        """A copy with a new key."""
        return Header(key, self.schema, self.value)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Header):
            return NotImplemented
        return self.key == other.key and self.schema == other.schema and self.value == other.value

    def __hash__(self) -> int:
        return hash((self.key, self.schema))

    def __repr__(self) -> str:
        return f"ConnectHeader(key={self.key}, value={self.value!r}, schema={self.schema!r})"


class Headers:
    """Headers in insertion order; a key may repeat, and the last one wins for ``last_with_name``."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Iterable[Header] | None = None) -> None:
        """Create headers, optionally copying ``headers``."""
        # No list until the first header: most records carry none, and one object less per record is measurable
        self._headers: list[Header] | tuple[()] = list(headers) if headers is not None else _NONE

    def add(self, key: str, value: Any, schema: Schema | None = None) -> Headers:
        """Append a header; when a schema is given the value is validated against it."""
        if isinstance(value, SchemaAndValue):
            schema, value = value.schema, value.value
        if schema is not None:
            validate_value(schema, value)
        self._mutable().append(Header(key, schema, value))
        return self

    def add_header(self, header: Header) -> Headers:
        """Append an existing ``Header``."""
        self._mutable().append(header)
        return self

    def _mutable(self) -> list[Header]:
        headers = self._headers
        if headers.__class__ is tuple:
            headers = self._headers = []
        return headers  # type: ignore[return-value]

    def last_with_name(self, key: str) -> Header | None:
        """The last header called ``key``, or None."""
        for header in reversed(self._headers):
            if header.key == key:
                return header
        return None

    def all_with_name(self, key: str) -> list[Header]:
        """Every header called ``key``, in order."""
        return [h for h in self._headers if h.key == key]

    def remove(self, key: str) -> Headers:
        """Drop every header called ``key``."""
        self._headers = [h for h in self._headers if h.key != key]
        return self

    def retain_latest(self, key: str | None = None) -> Headers:
        """Keep only the last header of ``key`` (or of every key when None), preserving order."""
        seen: set[str] = set()
        kept: list[Header] = []
        for header in reversed(self._headers):
            if key is not None and header.key != key:
                kept.append(header)
            elif header.key not in seen:
                seen.add(header.key)
                kept.append(header)
        kept.reverse()
        self._headers = kept
        return self

    def clear(self) -> Headers:
        """Remove all headers."""
        self._headers = []
        return self

    def duplicate(self) -> Headers:
        """A shallow copy (headers are immutable, so this is a full copy in effect)."""
        return Headers(self._headers) if self._headers else Headers()

    def apply(self, transform: Callable[[Header], Header | None], key: str | None = None) -> Headers:
        """Replace each header (or each called ``key``) by ``transform(header)``; None removes it."""
        out: list[Header] = []
        for header in self._headers:
            if key is not None and header.key != key:
                out.append(header)
                continue
            new = transform(header)
            if new is not None:
                out.append(new)
        self._headers = out
        return self

    def __iter__(self) -> Iterator[Header]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Headers):
            return NotImplemented
        return list(self._headers) == list(other._headers)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ConnectHeaders(headers={self._headers!r})"


class BytesHeaders(Headers):
    """Headers as a Kafka client read them, ``(key, bytes or None)`` pairs (ours, not Kafka's): each reads as a
    ``Header`` with the BYTES schema (OPTIONAL_BYTES for a null), as MirrorMaker 2 adds them, but the objects are
    made only when the headers are first read. Until then (no SMT read or changed them) ``pairs`` hands the pairs
    back, so a runtime that writes them with a pass-through converter need not build a ``Header`` a pair."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: list[tuple[str, bytes | None]]) -> None:
        """Headers of ``pairs`` (kept, not copied)."""
        # ``_headers`` stays unset until read (``__getattr__``); setting it in any way forgets the pairs
        object.__setattr__(self, "_pairs", pairs)

    def __getattr__(self, name: str) -> Any:
        if name != "_headers":
            raise AttributeError(name)
        pairs = self._pairs
        built = [Header(key, BYTES_SCHEMA if value is not None else OPTIONAL_BYTES_SCHEMA, value)
                 for key, value in pairs or ()]
        self._headers = built
        return built

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "_headers":
            object.__setattr__(self, "_pairs", None)

    def pairs(self) -> list[tuple[str, bytes | None]] | None:
        """The pairs these headers were made of, or None once they were read as ``Header`` objects (an SMT may
        have changed them since): the bytes a pass-through header converter writes, in order."""
        return self._pairs

    def __len__(self) -> int:
        pairs = self._pairs
        return len(pairs) if pairs is not None else len(self._headers)

    def __copy__(self) -> Headers:
        pairs = self._pairs  # never changed in place (a change builds the objects): a copy may share them
        return BytesHeaders(pairs) if pairs is not None else Headers(self._headers)

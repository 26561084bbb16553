"""Plugin versions and version ranges as Kafka Connect 4.1 reads them (KIP-891): Maven's ``ComparableVersion`` and
``VersionRange`` (maven-artifact 3.9.6 in connect-runtime 4.1.1, 3.9.15 in 4.3.1: the same answers) and ``PluginUtils
.connectorVersionRequirement``.

``connector.plugin.version`` and the converter, transformation and predicate ``*.plugin.version`` keys hold a
range (``[1.0,2.0)``, ``(,3.0]``, ``[1.0],[2.0,)``) or a bare version, which Kafka makes the hard range
``[v,v]``; ``latest`` or no value means the newest installed version. Versions order as Maven orders them
(``1.0 == 1``, ``1.0-alpha-1 < 1.0-beta < 1.0-rc1 < 1.0-SNAPSHOT < 1.0 < 1.0-sp1 < 1.0.1``), so a plugin package's
declared version (its distribution's) compares as the JVM would compare a jar's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from connect_core.api.errors import ConfigError

__all__ = ["LATEST", "ArtifactVersion", "InvalidVersionSpecification", "VersionRange", "requirement"]

LATEST = "latest"
_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_QUALIFIER_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE = str(_QUALIFIERS.index(""))


class InvalidVersionSpecification(ConfigError):
    """Maven's ``InvalidVersionSpecificationException``; the message is Maven's (``Unbounded range: [1.0``)."""


# Items of a parsed version: int (a number), str (a qualifier) or list (a sub-list after '-' or a digit/letter
# switch), compared as Maven's IntItem/StringItem/ListItem are.
_Item = int | str | list


def _qualifier_key(qualifier: str) -> str:
    return str(_QUALIFIERS.index(qualifier)) if qualifier in _QUALIFIERS else f"{len(_QUALIFIERS)}-{qualifier}"


def _is_null(item: _Item) -> bool:
    if isinstance(item, int):
        return item == 0
    if isinstance(item, str):
        return _qualifier_key(item) == _RELEASE
    return not item


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def _compare(left: _Item, right: _Item | None) -> int:
    """Maven's ``Item.compareTo``: ``right`` None is "nothing there" (``1.0`` against ``1``)."""
    if isinstance(left, int):
        if right is None:
            return 0 if left == 0 else 1
        if isinstance(right, int):
            return _sign(left - right)
        return 1  # 1.1 > 1-sp, 1.1 > 1-1
    if isinstance(left, str):
        if right is None:
            return _sign(_cmp_str(_qualifier_key(left), _RELEASE))
        if isinstance(right, int | list):
            return -1
        return _sign(_cmp_str(_qualifier_key(left), _qualifier_key(right)))
    if right is None:
        for item in left:
            result = _compare(item, None)
            if result:
                return result
        return 0
    if isinstance(right, int):
        return -1  # 1-1 < 1.0.x
    if isinstance(right, str):
        return 1  # 1-1 > 1-sp
    for index in range(max(len(left), len(right))):
        mine = left[index] if index < len(left) else None
        theirs = right[index] if index < len(right) else None
        if mine is None:
            result = 0 if theirs is None else -_compare(theirs, None)
        else:
            result = _compare(mine, theirs)
        if result:
            return result
    return 0


def _cmp_str(left: str, right: str) -> int:
    """Java's ``String.compareTo`` (UTF-16 code units; equal to code point order for these keys)."""
    return (left > right) - (left < right)


def _normalize(items: list[_Item]) -> None:
    for index in range(len(items) - 1, -1, -1):
        item = items[index]
        if _is_null(item):
            del items[index]
        elif not isinstance(item, list):
            break


def _number(text: str) -> int:
    """A numeric item; one past Python's integer digit limit is refused (Maven takes any size), never a 500."""
    try:
        return int(text.lstrip("0") or "0")
    except ValueError:
        raise InvalidVersionSpecification(f"A version number of {len(text)} digits is too long") from None


def _parse(version: str) -> list[_Item]:
    """Maven's ``ComparableVersion.parseVersion``."""
    text = version.lower()
    items: list[_Item] = []
    current = items
    stack = [items]
    is_digit = False
    start = 0

    def push() -> list[_Item]:
        child: list[_Item] = []
        current.append(child)
        stack.append(child)
        return child

    for index, char in enumerate(text):
        if char in ".-":
            current.append(0 if index == start else _item(is_digit, text[start:index]))
            start = index + 1
            if char == "-":
                current = push()
        elif char.isdecimal():
            if not is_digit and index > start:
                if current:
                    current = push()
                current.append(_string_item(text[start:index], followed_by_digit=True))
                start = index
                current = push()
            is_digit = True
        else:
            if is_digit and index > start:
                current.append(_item(True, text[start:index]))
                start = index
                current = push()
            is_digit = False
    if len(text) > start:
        if not is_digit and current:
            current = push()
        current.append(_item(is_digit, text[start:]))
    while stack:
        _normalize(stack.pop())
    return items


def _item(is_digit: bool, text: str) -> _Item:
    return _number(text) if is_digit else _string_item(text, followed_by_digit=False)


def _string_item(text: str, *, followed_by_digit: bool) -> str:
    if followed_by_digit and len(text) == 1:
        text = {"a": "alpha", "b": "beta", "m": "milestone"}.get(text, text)
    return _QUALIFIER_ALIASES.get(text, text)


@functools.total_ordering
class ArtifactVersion:
    """Maven's ``DefaultArtifactVersion``: ordered as ``ComparableVersion``, printed as given."""

    __slots__ = ("_items", "text")

    def __init__(self, text: str) -> None:
        """``text`` is any string; Maven accepts every one."""
        self.text = text
        self._items = _parse(text)

    def compare(self, other: ArtifactVersion) -> int:
        """-1, 0 or 1, as Maven's ``compareTo``."""
        return _compare(self._items, other._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArtifactVersion) and self.compare(other) == 0

    def __lt__(self, other: ArtifactVersion) -> bool:
        return self.compare(other) < 0

    def __hash__(self) -> int:
        return hash(repr(self._items))

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"ArtifactVersion({self.text!r})"


@dataclass(frozen=True, slots=True)
class _Restriction:
    lower: ArtifactVersion | None
    lower_inclusive: bool
    upper: ArtifactVersion | None
    upper_inclusive: bool

    def contains(self, version: ArtifactVersion) -> bool:
        if self.lower is not None:
            comparison = self.lower.compare(version)
            if comparison > 0 or (comparison == 0 and not self.lower_inclusive):
                return False
        if self.upper is not None:
            comparison = self.upper.compare(version)
            if comparison < 0 or (comparison == 0 and not self.upper_inclusive):
                return False
        return True

    def __str__(self) -> str:
        return "".join(("[" if self.lower_inclusive else "(", str(self.lower or ""), ",", str(self.upper or ""),
                        "]" if self.upper_inclusive else ")"))


_EVERYTHING = _Restriction(None, False, None, False)


@dataclass(frozen=True, slots=True)
class VersionRange:
    """Maven's ``VersionRange``: restrictions, or a soft ``recommended`` version that any version satisfies."""

    restrictions: tuple[_Restriction, ...]
    recommended: ArtifactVersion | None = None

    @classmethod
    def parse(cls, spec: str) -> VersionRange:
        """``VersionRange.createFromVersionSpec``, with Maven's messages.

        Raises:
            InvalidVersionSpecification: an unbounded, overlapping or misordered range.
        """
        restrictions: list[_Restriction] = []
        process = spec
        upper_bound: ArtifactVersion | None = None
        while process.startswith(("[", "(")):
            close_paren, close_bracket = process.find(")"), process.find("]")
            index = close_bracket
            if (close_bracket < 0 or close_paren < close_bracket) and close_paren >= 0:
                index = close_paren
            if index < 0:
                raise InvalidVersionSpecification(f"Unbounded range: {spec}")
            restriction = _restriction(process[: index + 1])
            if upper_bound is not None and (restriction.lower is None or restriction.lower.compare(upper_bound) < 0):
                raise InvalidVersionSpecification(f"Ranges overlap: {spec}")
            restrictions.append(restriction)
            upper_bound = restriction.upper
            process = process[index + 1:].strip()
            if process.startswith(","):
                process = process[1:].strip()
        if process:
            if restrictions:
                raise InvalidVersionSpecification(
                    f"Only fully-qualified sets allowed in multiple set scenario: {spec}")
            return cls((_EVERYTHING,), ArtifactVersion(process))
        return cls(tuple(restrictions))

    @property
    def has_restrictions(self) -> bool:
        """Maven's ``hasRestrictions``: false for a soft version."""
        return bool(self.restrictions) and self.recommended is None

    def contains(self, version: str | ArtifactVersion) -> bool:
        """Whether ``version`` satisfies any restriction."""
        artifact = version if isinstance(version, ArtifactVersion) else ArtifactVersion(version)
        return any(restriction.contains(artifact) for restriction in self.restrictions)

    def __str__(self) -> str:
        if self.recommended is not None:
            return str(self.recommended)
        return ",".join(str(restriction) for restriction in self.restrictions)


def _restriction(spec: str) -> _Restriction:
    lower_inclusive, upper_inclusive = spec.startswith("["), spec.endswith("]")
    process = spec[1:-1].strip()
    lower_text, comma, upper_text = process.partition(",")
    if not comma:
        if not (lower_inclusive and upper_inclusive):
            raise InvalidVersionSpecification(f"Single version must be surrounded by []: {spec}")
        version = ArtifactVersion(process)
        return _Restriction(version, True, version, True)
    lower = ArtifactVersion(lower_text.strip()) if lower_text.strip() else None
    upper = ArtifactVersion(upper_text.strip()) if upper_text.strip() else None
    if lower is not None and upper is not None:
        result = upper.compare(lower)
        if result < 0 or (result == 0 and not (lower_inclusive and upper_inclusive)):
            raise InvalidVersionSpecification(f"Range defies version ordering: {spec}")
    return _Restriction(lower, lower_inclusive, upper, upper_inclusive)


def requirement(spec: str | None) -> VersionRange | None:
    """``PluginUtils.connectorVersionRequirement``: None for no value or ``latest``; a bare version becomes the
    hard range ``[v]``.

    Raises:
        InvalidVersionSpecification: Maven's message for a malformed range.
    """
    if spec is None or spec == LATEST:
        return None
    text = spec.strip()
    parsed = VersionRange.parse(text)
    if parsed.has_restrictions:
        return parsed
    return VersionRange.parse(f"[{text}]")

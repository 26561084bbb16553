"""Random strings matching a regular expression, as the Avro Random Generator's ``regex`` property asks (Generex
on the JVM): Python's own regex parser gives the pattern's tree and each node is generated from it.

Literals, classes (ranges, ``\\d \\w \\s``, negation), ``.``, groups and back-references, alternation and
repetition; an unbounded repetition (``*``, ``+``, ``{n,}``) repeats at most ``UNBOUNDED_EXTRA`` times more than
its minimum. Characters come from printable ASCII, as Generex's automaton over the pattern gives them.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConfigError

try:  # Python 3.11+: the parser is re._parser (sre_parse is its deprecated alias)
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c
    import sre_parse as _p

if TYPE_CHECKING:
    import random

__all__ = ["RegexGenerator"]

UNBOUNDED_EXTRA = 8
_PRINTABLE = [chr(c) for c in range(32, 127)]
_CATEGORIES: dict[Any, str] = {
    _c.CATEGORY_DIGIT: string.digits,
    _c.CATEGORY_NOT_DIGIT: "".join(c for c in _PRINTABLE if not c.isdigit()),
    _c.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    _c.CATEGORY_NOT_WORD: "".join(c for c in _PRINTABLE if not (c.isalnum() or c == "_")),
    _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_SPACE: "".join(c for c in _PRINTABLE if c != " "),
}


class RegexGenerator:
    """Generates strings matching one pattern; the parsed tree is kept (one per schema, as Generex's cache)."""

    def __init__(self, pattern: str) -> None:
        """Parse ``pattern``, naming it in a ``ConfigError`` when it is not a regular expression."""
        try:
            self._tree = _p.parse(pattern)
        except re.error as error:
            raise ConfigError(f"Invalid regex property '{pattern}' in arg.properties: {error}") from error
        self.pattern = pattern
        self._classes: dict[int, list[str]] = {}

    def generate(self, rng: random.Random) -> str:
        """One random string the whole pattern matches."""
        groups: dict[int, str] = {}
        return self._sequence(self._tree, rng, groups)

    def _sequence(self, items: Any, rng: random.Random, groups: dict[int, str]) -> str:
        return "".join(self._node(op, av, rng, groups) for op, av in items)

    def _node(self, op: Any, av: Any, rng: random.Random, groups: dict[int, str]) -> str:
        if op is _c.LITERAL:
            return chr(av)
        if op is _c.NOT_LITERAL:
            return rng.choice([c for c in _PRINTABLE if ord(c) != av])
        if op is _c.ANY:
            return rng.choice(_PRINTABLE)
        if op is _c.IN:
            return rng.choice(self._class(av))
        if op is _c.CATEGORY:
            return rng.choice(_CATEGORIES[av])
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = av
            high = low + UNBOUNDED_EXTRA if high is _c.MAXREPEAT else high
            return "".join(self._sequence(sub, rng, groups) for _ in range(rng.randint(low, high)))
        if op is _c.SUBPATTERN:
            group, _, _, sub = av
            text = self._sequence(sub, rng, groups)
            if group is not None:
                groups[group] = text
            return text
        if op is _c.BRANCH:
            return self._sequence(rng.choice(av[1]), rng, groups)
        if op is _c.GROUPREF:
            return groups.get(av, "")
        if op is _c.AT or op in (_c.ASSERT, _c.ASSERT_NOT):
            return ""  # anchors and look-arounds add no characters
        raise ConfigError(f"Unsupported construct {op} in the regex property '{self.pattern}'")

    def _class(self, items: Any) -> list[str]:
        key = id(items)
        cached = self._classes.get(key)
        if cached is not None:
            return cached
        chosen: set[str] = set()
        negate = False
        for op, av in items:
            if op is _c.NEGATE:
                negate = True
            elif op is _c.LITERAL:
                chosen.add(chr(av))
            elif op is _c.RANGE:
                chosen.update(chr(c) for c in range(av[0], av[1] + 1))
            elif op is _c.CATEGORY:
                chosen.update(_CATEGORIES[av])
        chars = [c for c in _PRINTABLE if c not in chosen] if negate else sorted(chosen)
        if not chars:
            raise ConfigError(f"The character class in the regex property '{self.pattern}' matches nothing")
        self._classes[key] = chars
        return chars

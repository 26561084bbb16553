"""The JsonPath subset Confluent's Filter and ExtractTopic use (Jayway JsonPath's syntax and results).

Paths: ``$``, ``.name``, ``['name']``/``["name"]`` (several, comma separated), ``[n]`` (negative from the end),
``[*]``/``.*``, ``..name`` (deep scan) and filters ``[?(<expr>)]``. Filter expressions: ``||``, ``&&``, ``!``,
parentheses, ``== != < <= > >= =~ in nin``, operands ``@...``/``$...`` paths, strings, numbers, ``true``/``false``/
``null``, ``/regex/flags`` and ``[...]`` lists; ``@.x`` alone tests existence. A definite path to a field that does
not exist raises :class:`PathNotFoundError`, as Jayway's PathNotFoundException; inside a filter it is undefined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonPath", "PathNotFoundError"]

_MISSING = object()


class PathNotFoundError(Exception):
    """Jayway's ``PathNotFoundException``: a definite path names a field the document does not have."""


class JsonPathSyntaxError(ValueError):
    """Jayway's ``InvalidPathException``."""


@dataclass(frozen=True)
class _Step:
    kind: str  # "names", "index", "wild", "deep", "filter"
    arg: Any = None


class _Parser:
    """Recursive descent over one path text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def error(self, what: str) -> JsonPathSyntaxError:
        return JsonPathSyntaxError(f"{what} at position {self.i} of path {self.text!r}")

    def peek(self, n: int = 1) -> str:
        return self.text[self.i:self.i + n]

    def skip_ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def path(self, root: str) -> list[_Step]:
        if self.peek() != root:
            raise self.error(f"Path must start with {root}")
        self.i += 1
        steps: list[_Step] = []
        while self.i < len(self.text):
            c = self.peek()
            if self.peek(2) == "..":
                self.i += 2
                if self.peek() == "[":
                    steps.append(_Step("deep"))
                    continue
                steps.append(_Step("deep"))
                steps.append(self._dot_name())
            elif c == ".":
                self.i += 1
                if self.peek() != "[":  # ``$.[?(...)]``: Jayway reads the dot before a bracket as nothing
                    steps.append(self._dot_name())
            elif c == "[":
                steps.append(self._bracket())
            else:
                break
        return steps

    def _dot_name(self) -> _Step:
        if self.peek() == "*":
            self.i += 1
            return _Step("wild")
        start = self.i
        while self.i < len(self.text) and (self.text[self.i].isalnum() or self.text[self.i] in "_-$:"):
            self.i += 1
        if start == self.i:
            raise self.error("Expected a field name")
        return _Step("names", (self.text[start:self.i],))

    def _bracket(self) -> _Step:
        self.i += 1
        self.skip_ws()
        c = self.peek()
        if c == "*":
            self.i += 1
            step = _Step("wild")
        elif c in "'\"":
            names = [self._string()]
            self.skip_ws()
            while self.peek() == ",":
                self.i += 1
                self.skip_ws()
                names.append(self._string())
                self.skip_ws()
            step = _Step("names", tuple(names))
        elif c == "?":
            self.i += 1
            self.skip_ws()
            if self.peek() != "(":
                raise self.error("Expected (")
            self.i += 1
            expr = self.expr()
            self.skip_ws()
            if self.peek() != ")":
                raise self.error("Expected )")
            self.i += 1
            step = _Step("filter", expr)
        else:
            match = re.compile(r"-?\d+").match(self.text, self.i)
            if match is None:
                raise self.error("Expected an index, a name or a filter")
            self.i = match.end()
            step = _Step("index", int(match.group()))
        self.skip_ws()
        if self.peek() != "]":
            raise self.error("Expected ]")
        self.i += 1
        return step

    def _string(self) -> str:
        quote = self.peek()
        self.i += 1
        out = []
        while self.i < len(self.text) and self.text[self.i] != quote:
            if self.text[self.i] == "\\" and self.i + 1 < len(self.text):
                self.i += 1
            out.append(self.text[self.i])
            self.i += 1
        if self.i >= len(self.text):
            raise self.error("Unterminated string")
        self.i += 1
        return "".join(out)

    # -- filter expressions -------------------------------------------------------------------------------------
    def expr(self) -> Any:
        left = self._and()
        while True:
            self.skip_ws()
            if self.peek(2) != "||":
                return left
            self.i += 2
            left = ("or", left, self._and())

    def _and(self) -> Any:
        left = self._unary()
        while True:
            self.skip_ws()
            if self.peek(2) != "&&":
                return left
            self.i += 2
            left = ("and", left, self._unary())

    def _unary(self) -> Any:
        self.skip_ws()
        if self.peek() == "!" and self.peek(2) != "!=":
            self.i += 1
            return ("not", self._unary())
        if self.peek() == "(":
            self.i += 1
            inner = self.expr()
            self.skip_ws()
            if self.peek() != ")":
                raise self.error("Expected )")
            self.i += 1
            return inner
        left = self._operand()
        self.skip_ws()
        match = re.compile(r"(==|!=|<=|>=|=~|<|>|\bnin\b|\bin\b)").match(self.text, self.i)
        if match is None:
            return ("exists", left)
        self.i = match.end()
        return ("cmp", match.group(), left, self._operand())

    def _operand(self) -> Any:
        self.skip_ws()
        c = self.peek()
        if c in "@$":
            return ("path", c, tuple(_Parser(self.text)._sub(self, c)))
        if c in "'\"":
            return ("lit", self._string())
        if c == "/":
            end = self.text.index("/", self.i + 1)
            pattern = self.text[self.i + 1:end]
            self.i = end + 1
            flags = 0
            while self.peek() in ("i", "m", "s", "x") and self.peek():
                flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[self.peek()]
                self.i += 1
            return ("regex", re.compile(pattern, flags))
        if c == "[":
            self.i += 1
            items: list[Any] = []
            while True:
                self.skip_ws()
                if self.peek() == "]":
                    self.i += 1
                    return ("lit", items)
                items.append(self._operand()[1])
                self.skip_ws()
                if self.peek() == ",":
                    self.i += 1
        match = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|true\b|false\b|null\b").match(self.text, self.i)
        if match is None:
            raise self.error("Expected an operand")
        self.i = match.end()
        token = match.group()
        literal = {"true": True, "false": False, "null": None}.get(token, _MISSING)
        if literal is _MISSING:
            literal = float(token) if any(ch in token for ch in ".eE") else int(token)
        return ("lit", literal)

    def _sub(self, outer: _Parser, root: str) -> list[_Step]:
        self.i = outer.i
        steps = self.path(root)
        outer.i = self.i
        return steps


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class JsonPath:
    """A compiled path: ``read(document)`` returns the value (definite path) or the list of matches."""

    def __init__(self, text: str) -> None:
        """Compile ``text``; JsonPathSyntaxError if it is not a path."""
        parser = _Parser(text.strip())
        self.steps = parser.path("$")
        if parser.i != len(parser.text):
            raise parser.error("Unexpected text")
        self.definite = all(step.kind in ("names", "index") and (step.kind != "names" or len(step.arg) == 1)
                            for step in self.steps)

    def read(self, document: Any) -> Any:
        """The value at the path (definite) or the list of values (indefinite); PathNotFoundError when a definite
        path's field is missing."""
        if self.definite:
            current = document
            for step in self.steps:
                current = _definite(current, step)
            return current
        return _select(self.steps, [document], document, strict=True)


def _definite(current: Any, step: _Step) -> Any:
    if step.kind == "names":
        name = step.arg[0]
        if not isinstance(current, dict) or name not in current:
            raise PathNotFoundError(f"No results for path: ['{name}']")
        return current[name]
    if not isinstance(current, list) or not -len(current) <= step.arg < len(current):
        raise PathNotFoundError(f"Index out of bounds: [{step.arg}]")
    return current[step.arg]


def _select(steps: list[_Step] | tuple[_Step, ...], nodes: list[Any], root: Any, strict: bool = False) -> list[Any]:
    """Apply ``steps``; with ``strict``, a missing field while the path so far is definite raises
    PathNotFoundError (Jayway's "Missing property in path")."""
    upstream_definite = True
    for step in steps:
        single = step.kind == "index" or (step.kind == "names" and len(step.arg) == 1)
        if strict and upstream_definite and single:
            nodes = [_definite(node, step) for node in nodes]
            continue
        upstream_definite = False
        out: list[Any] = []
        for node in nodes:
            out.extend(_apply(step, node, root))
        nodes = out
    return nodes


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return list(node)
    return []


def _descendants(node: Any) -> list[Any]:
    out = [node]
    for child in _children(node):
        out.extend(_descendants(child))
    return out


def _apply(step: _Step, node: Any, root: Any) -> list[Any]:
    if step.kind == "names":
        return [node[name] for name in step.arg if isinstance(node, dict) and name in node]
    if step.kind == "index":
        return [node[step.arg]] if isinstance(node, list) and -len(node) <= step.arg < len(node) else []
    if step.kind == "wild":
        return _children(node)
    if step.kind == "deep":
        return _descendants(node)
    candidates = node if isinstance(node, list) else [node]
    return [item for item in candidates if _truth(step.arg, item, root)]


def _value(operand: Any, item: Any, root: Any) -> Any:
    kind = operand[0]
    if kind != "path":
        return operand[1]
    base = item if operand[1] == "@" else root
    current = base
    for step in operand[2]:
        if step.kind in ("names", "index") and (step.kind != "names" or len(step.arg) == 1):
            try:
                current = _definite(current, step)
            except PathNotFoundError:
                return _MISSING
        else:
            return _select(operand[2], [base], root)
    return current


def _truth(expr: Any, item: Any, root: Any) -> bool:
    kind = expr[0]
    if kind == "or":
        return _truth(expr[1], item, root) or _truth(expr[2], item, root)
    if kind == "and":
        return _truth(expr[1], item, root) and _truth(expr[2], item, root)
    if kind == "not":
        return not _truth(expr[1], item, root)
    if kind == "exists":
        found = _value(expr[1], item, root)
        return found is not _MISSING and found != []
    op, left, right = expr[1], _value(expr[2], item, root), expr[3]
    if op == "=~":
        return isinstance(left, str) and right[0] == "regex" and right[1].fullmatch(left) is not None
    right = _value(right, item, root)
    if left is _MISSING or right is _MISSING:
        return False
    return _compare(op, left, right)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("in", "nin"):
        found = isinstance(right, list) and any(_equal(left, r) for r in right)
        return found if op == "in" else not found
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if _is_number(left) and _is_number(right) or isinstance(left, str) and isinstance(right, str):
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    return False


def _equal(left: Any, right: Any) -> bool:
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right) and type(left) is type(right)

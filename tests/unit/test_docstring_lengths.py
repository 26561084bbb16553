"""Docstrings of the runtime and the connectors show the flow: short module docstrings, no test citations.

A module docstring says what the module does and why in a summary line and a few lines, so the code is on the
first screen; design detail lives in docs/architecture.md, docs/connectors/ and a package's README, and history in
git. A docstring names no test file: the tests name what they prove.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (ROOT / "connect_core" / "runtime", ROOT / "connect_core" / "connectors")
MAX_MODULE_DOCSTRING_LINES = 10
# Over the limit only while someone else edits them; trim and remove from here.
EXCEPTIONS: frozenset[str] = frozenset()

TEST_CITATION = re.compile(r"\btests/[\w/]|\btest_\w+\.py\b")


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in package.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_module_docstrings_fit_the_first_screen() -> None:
    too_long = []
    for path in _modules():
        docstring = ast.get_docstring(ast.parse(path.read_text()))
        lines = len(docstring.splitlines()) if docstring else 0
        if lines > MAX_MODULE_DOCSTRING_LINES and _name(path) not in EXCEPTIONS:
            too_long.append(f"{_name(path)}: {lines} lines")
    assert too_long == [], f"module docstrings over {MAX_MODULE_DOCSTRING_LINES} lines: {too_long}"


def test_the_exceptions_are_still_needed() -> None:
    fitting = [name for name in sorted(EXCEPTIONS)
               if len((ast.get_docstring(ast.parse((ROOT / name).read_text())) or "").splitlines())
               <= MAX_MODULE_DOCSTRING_LINES]
    assert fitting == [], f"remove from EXCEPTIONS: {fitting}"


def test_no_docstring_cites_a_test() -> None:
    citing = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                docstring = ast.get_docstring(node)
                if docstring and TEST_CITATION.search(docstring):
                    citing.append(f"{_name(path)}:{getattr(node, 'lineno', 1)}")
    assert citing == [], f"docstrings citing tests: {citing}"

"""The documentation site and the front door: `mkdocs build --strict` passes (nav, links, anchors), README.md stays
short, and every claim names the test that proves it, which exists.

The claims convention (docs/index.md, "How these pages prove what they say"): every section of a page (its opening
and each `##` section with its subsections) names at least one test, in its text or in a `!!! success "Proven by"`
box; a section that claims nothing testable says `<!-- claims: none: why -->`. README.md is held closer: each
paragraph, list item and table row names its test, or its section is marked the same way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
TESTS = ROOT / "tests"
README_MAX_LINES = 320
# Pages generated from the code, proven as a whole by the test named here rather than section by section.
GENERATED = {"reference.md": "tests/unit/local/test_reference_docs.py"}
NO_CLAIMS = "<!-- claims: none"
PATH_REF = re.compile(r"(?<![\w/.])tests/[\w/.-]*[\w/](?:::\w+(?:\.\.\.)?)?")
FILE_REF = re.compile(r"\btest_\w+\.py\b")
FUNCTION_REF = re.compile(r"`(test_\w+?)(_?\.\.\.)?`")
FENCE = re.compile(r"^(```|~~~)")


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


@cache
def _test_functions() -> frozenset[str]:
    return frozenset(name for path in TESTS.rglob("*.py")
                     for name in re.findall(r"^\s*(?:async )?def (test_\w+)", path.read_text(), re.MULTILINE))


def _resolves(ref: str) -> bool:
    """A test path (file or directory, optionally `::function`, `...` for a prefix), a test file's name, or a test
    function's name (`...` for a prefix) that exists in tests/."""
    if ref.startswith("tests/"):
        path, _, function = ref.partition("::")
        if not (ROOT / path).exists():
            return False
        if not function:
            return True
        prefix = function.removesuffix("...")
        text = (ROOT / path).read_text()
        pattern = rf"def {re.escape(prefix)}" + (r"\w*" if function.endswith("...") else r"\b")
        return re.search(pattern, text) is not None
    if ref.endswith(".py"):
        return any(TESTS.rglob(ref))
    prefix = ref.removesuffix("...")
    return any(name == prefix or (ref.endswith("...") and name.startswith(prefix)) for name in _test_functions())


def _refs(text: str) -> list[str]:
    """The tests a piece of text names."""
    found = [m if m.endswith("...") else m.rstrip(".") for m in PATH_REF.findall(text)]
    found += [m for m in FILE_REF.findall(text) if not any(m in f for f in found)]
    found += [name + ("..." if dots else "") for name, dots in FUNCTION_REF.findall(text)]
    return found


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (a command's comment is no claim)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of the page's opening and of each `##` section, its `###` subsections included."""
    sections: list[tuple[str, list[str]]] = [("(opening)", [])]
    for line in _prose_lines(text):
        if line.startswith("## "):
            sections.append((line, []))
        elif not line.startswith("# "):
            sections[-1][1].append(line)
    return [(heading, "\n".join(body)) for heading, body in sections]


def _separator(line: str) -> bool:
    return line.startswith("|") and set(line) <= set("|-: ")


def _claim_units(text: str) -> list[tuple[str, str]]:
    """(section, unit) for each paragraph, list item and table row of README outside code and unmarked sections."""
    units: list[tuple[str, str]] = []
    for heading, body in _sections(text):
        if NO_CLAIMS in body:
            continue
        current: list[str] = []
        lines = [line.strip() for line in [*body.splitlines(), ""]]
        for stripped, following in zip(lines, [*lines[1:], ""], strict=True):
            new_unit = stripped.startswith(("- ", "|")) or not stripped
            if new_unit and current:
                units.append((heading, " ".join(current)))
                current = []
            if stripped.startswith("|") and (_separator(stripped) or _separator(following)):
                continue  # a table's separator or header row
            if stripped and not stripped.startswith("<!--"):
                current.append(stripped)
    return units


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """A broken link or anchor, a page missing from the nav or a nav entry without its page fails the build."""
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    assert (tmp_path / "site" / "index.html").exists()


def test_readme_is_a_front_door() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


@pytest.mark.parametrize("page", _pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_every_section_of_a_page_names_its_tests(page: Path) -> None:
    name = str(page.relative_to(DOCS))
    if name in GENERATED:
        assert (ROOT / GENERATED[name]).exists()
        return
    bare = [heading for heading, body in _sections(page.read_text())
            if body.strip() and NO_CLAIMS not in body and not _refs(body)]
    assert bare == [], f"{name}: sections that name no test (add one, or mark `{NO_CLAIMS}: why -->`)"


def test_every_readme_claim_names_its_test() -> None:
    bare = [f"{heading}: {unit[:100]}" for heading, unit in _claim_units(README.read_text()) if not _refs(unit)]
    assert bare == []


@pytest.mark.parametrize("document", [README, *_pages()], ids=lambda path: str(path.relative_to(ROOT)))
def test_every_named_test_exists(document: Path) -> None:
    missing = sorted({ref for ref in _refs("\n".join(_prose_lines(document.read_text()))) if not _resolves(ref)})
    assert missing == []


def test_readme_creates_the_connector_make_demo_creates() -> None:
    """README's `POST /connectors` body is demo/connectors/jdbc_source_mysql_01.json, which
    tests/e2e/test_seed_scenario.py posts to `lambda-connect up` and follows to the CRM table."""
    body = re.search(r"/connectors -d '(\{.*?\})'", README.read_text(), re.DOTALL)
    assert body is not None, "README has no curl -X POST .../connectors -d '{...}'"
    demo = json.loads((ROOT / "demo" / "connectors" / "jdbc_source_mysql_01.json").read_text())
    assert json.loads(body.group(1)) == demo


def test_the_checks_catch_what_they_are_for() -> None:
    """The helpers above see a missing test, a section without one, and a README paragraph without one."""
    assert _resolves("tests/docs/test_site.py::test_readme_is_a_front_door")
    assert _resolves("`tests/docs/test_site.py::test_readme_is_...`".strip("`"))
    assert not _resolves("tests/docs/test_site.py::test_that_does_not_exist")
    assert not _resolves("tests/unit/test_nothing_here.py")
    assert _resolves("test_every_readme_claim_names_its_test")
    assert not _resolves("test_every_readme_claim_names_its_tes")
    page = ("# T\n\nIntro (`tests/docs/test_site.py`).\n\n## A\n\nNo test.\n\n```\ntests/docs/\n```\n\n"
            "## B\n\n<!-- claims: none: links -->\n")
    assert [h for h, body in _sections(page) if body.strip() and NO_CLAIMS not in body and not _refs(body)] == ["## A"]
    readme = ("# R\n\n## S\n\nOne (`tests/docs/test_site.py`).\n\n- two\n- three `test_site.py`\n\n"
              "| what | x |\n|---|---|\n| row | y |\n")
    assert [unit for _, unit in _claim_units(readme) if not _refs(unit)] == ["- two", "| row | y |"]

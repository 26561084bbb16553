"""docs/architecture.md stays a map of the code, and the code points only inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
# Where a path in the page may be relative to: the repository, the core package, the coordinator.
BASES = (ROOT, ROOT / "connect_core", ROOT / "connect_core" / "coordinator")
OUTSIDE = re.compile(r"DESIGN\.md|STYLE\.md|STYLE point|\.\./shared|shared/reference|\bissue \d+|\bissues? #\d+")
SCANNED = ("connect_core", "functions", "infra", "tests", "bench", "demo")


def test_readme_links_the_architecture_page() -> None:
    assert "(docs/architecture.md)" in (ROOT / "README.md").read_text()


def test_every_module_the_architecture_page_names_exists() -> None:
    named = set(re.findall(r"`([\w./-]+(?:\.py|/))`", ARCHITECTURE.read_text()))
    assert len(named) > 40
    missing = sorted(path for path in named if not any((base / path).exists() for base in BASES))
    assert missing == []


def test_no_comment_or_docstring_points_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for top in SCANNED
        for path in sorted((ROOT / top).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if OUTSIDE.search(line) and path != Path(__file__).resolve()
    ]
    assert found == []

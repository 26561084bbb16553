"""The layering rules of docs/architecture.md, checked on the real import graph (parsed with ast, nothing imported)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("boto3", "botocore", "confluent_kafka", "sqlalchemy", "pymysql")
ARCHITECTURE = ROOT / "docs" / "architecture.md"
CHECKED = ("connect_core", "functions", "infra")


def _allowed_table() -> dict[str, tuple[str, ...]]:
    """Package -> the project packages it may import, from the table in docs/architecture.md (the one home)."""
    text = ARCHITECTURE.read_text()
    section = text.split("## Layers and what each may import", 1)[1].split("\n## ", 1)[0]
    table: dict[str, tuple[str, ...]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            table[cells[0].split("`")[1]] = tuple(cells[1].split("`")[1::2])
    return table


ALLOWED = _allowed_table()


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def _imports(path: Path, *, top_level_only: bool = False) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: list[tuple[str, int]] = []
    for node in nodes:
        if isinstance(node, ast.If) and top_level_only:
            continue  # `if TYPE_CHECKING:` blocks cost nothing at import time
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def _own_package(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _rule(module: str) -> str | None:
    """The most specific row of the table that covers ``module``."""
    rows = [package for package in ALLOWED if _within(module, package)]
    return max(rows, key=len) if rows else None


def test_the_table_covers_every_package() -> None:
    assert {"connect_core.api", "connect_core.kafka", "connect_core.storage", "connect_core.runtime",
            "connect_core.coordinator.herder", "connect_core.coordinator.rest", "connect_core.local",
            "functions", "infra"} <= set(ALLOWED)  # fmt: skip
    uncovered = [str(path.relative_to(ROOT)) for top in CHECKED for path in _modules(top)
                 if _rule(_own_package(path)) is None]  # fmt: skip
    assert uncovered == []


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_the_table_allows(package: str) -> None:
    violations = []
    for path in _modules(package):
        own = _own_package(path)
        if _rule(own) != package:
            continue  # a more specific row governs this module
        for module, line in _imports(path):
            if not module.startswith(CHECKED):
                continue
            if package == "connect_core.connectors":  # the api and the connector's own subpackage only
                allowed = _within(module, "connect_core.api") or _within(module, ".".join(own.split(".")[:3]))
            else:
                allowed = _rule(module) == package or any(_within(module, other) for other in ALLOWED[package])
            if allowed:
                continue
            violations.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert violations == []


def test_rooms_of_the_coordinator_do_not_import_rest() -> None:
    # The HTTP mapping lives in rest/ only; the domain and the AWS/cluster rooms never see it.
    for room in ("herder", "aws", "cluster"):
        assert not any(_within(a, "connect_core.coordinator.rest") for a in ALLOWED[f"connect_core.coordinator.{room}"])


def test_nothing_in_connect_core_imports_local() -> None:
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules("connect_core") if "connect_core/local" not in str(path)
        for module, line in _imports(path) if module.startswith(("connect_core.local", "infra"))
    ]
    assert violations == []


def test_api_imports_no_client_libraries() -> None:
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules("connect_core.api")
        for module, line in _imports(path) if module.split(".")[0] in (*HEAVY, "aws_lambda_powertools")
    ]
    assert violations == []


def test_package_inits_import_no_heavy_client_library_at_import_time() -> None:
    """Cold start: `__init__` modules must not pull boto3/confluent_kafka/sqlalchemy/pymysql in eagerly."""
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in ROOT.joinpath("connect_core").rglob("__init__.py")
        for module, line in _imports(path, top_level_only=True) if module.split(".")[0] in HEAVY
    ]
    assert violations == []

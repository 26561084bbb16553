"""The layering rules of DESIGN.md, checked on the real import graph (parsed with ast, nothing imported)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("boto3", "botocore", "confluent_kafka", "sqlalchemy", "pymysql")

# package prefix -> project packages it may import (besides itself)
ALLOWED: dict[str, tuple[str, ...]] = {
    "connect_core.api": (),
    "connect_core.converters": ("connect_core.api",),
    "connect_core.transforms": ("connect_core.api",),
    "connect_core.errors": ("connect_core.api",),
    "connect_core.connectors": ("connect_core.api",),
    "functions": ("connect_core.runtime", "connect_core.coordinator"),
}


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


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_lower_layers(package: str) -> None:
    violations = []
    for path in _modules(package):
        for module, line in _imports(path):
            if not module.startswith(("connect_core", "functions", "infra")):
                continue
            if module.startswith(package) or module.startswith(ALLOWED[package]):
                continue
            if package == "connect_core.connectors":
                own = ".".join(_own_package(path).split(".")[:3])
                if module.startswith(own):
                    continue
            violations.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert violations == []


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

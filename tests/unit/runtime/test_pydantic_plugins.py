"""connect_core/runtime/pydantic_plugins.py: the no-plugin loader only where no distribution can declare a plugin."""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from connect_core.runtime import pydantic_plugins
from connect_core.runtime.pydantic_plugins import LOADER, declares_plugins, skip_plugin_scan

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _dist(root: Path, name: str, entry_points: str | None) -> None:
    info = root / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Name: {name}\nVersion: 1.0\n")
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points)


def test_distributions_without_the_pydantic_group_declare_no_plugin(tmp_path: Path) -> None:
    _dist(tmp_path, "plain", None)
    _dist(tmp_path, "scripts", "[console_scripts]\nrun = scripts:main\n")
    assert not declares_plugins([str(tmp_path), str(tmp_path / "missing")])


def test_a_pydantic_entry_point_group_declares_a_plugin(tmp_path: Path) -> None:
    _dist(tmp_path, "logfire", "[console_scripts]\nx = y:z\n\n [pydantic] \nlogfire = logfire.integrations:plugin\n")
    assert declares_plugins([str(tmp_path)])


def test_what_it_cannot_read_without_importlib_metadata_counts_as_a_plugin(tmp_path: Path) -> None:
    (tmp_path / "old.egg").mkdir()
    assert declares_plugins([str(tmp_path)])
    archive = tmp_path / "packages.zip"
    archive.write_bytes(b"PK")
    assert declares_plugins([str(archive)])


def test_another_distribution_finder_counts_as_a_plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Finder:
        def find_distributions(self) -> list[object]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert declares_plugins([str(tmp_path)])


def test_skip_installs_a_loader_that_answers_no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, LOADER, raising=False)
    monkeypatch.setattr(pydantic_plugins, "declares_plugins", lambda path: False)
    assert skip_plugin_scan()
    assert list(sys.modules[LOADER].get_plugins()) == []  # type: ignore[attr-defined]
    assert not skip_plugin_scan()  # once: a loader is in place


def test_skip_leaves_pydantic_its_loader_when_a_plugin_may_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, LOADER, raising=False)
    monkeypatch.setattr(pydantic_plugins, "declares_plugins", lambda path: True)
    assert not skip_plugin_scan()
    assert LOADER not in sys.modules


def test_skip_keeps_a_loader_already_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = types.ModuleType(LOADER)
    monkeypatch.setitem(sys.modules, LOADER, loaded)
    assert not skip_plugin_scan()
    assert sys.modules[LOADER] is loaded


# --- the stub against the installed pydantic (pyproject.toml bounds pydantic to the release series tested here) ---


def _loader_names_pydantic_uses() -> set[str]:
    """Every name pydantic's own modules take from ``pydantic.plugin._loader`` (imports and attribute reads)."""
    import ast
    from pathlib import Path

    import pydantic

    names: set[str] = set()
    for path in Path(pydantic.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = ".".join(["pydantic", *path.relative_to(Path(pydantic.__file__).parent).parent.parts])
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                module = ".".join([*base, node.module] if node.module else base)
                if module == LOADER:
                    names.update(alias.name for alias in node.names)
                elif module == LOADER.rsplit(".", 1)[0] and any(a.name == "_loader" for a in node.names):
                    names.add("*")  # the module object itself: its attribute reads are collected below
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "_loader":
                names.add(node.attr)
    names.discard("*")
    return names


def test_the_stub_has_every_name_the_installed_pydantic_takes_from_its_loader(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import inspect

    monkeypatch.delitem(sys.modules, LOADER, raising=False)  # a handler imported earlier may have put the stub there
    real = importlib.import_module(LOADER)
    assert getattr(real, "__file__", None), "pydantic's own loader"
    monkeypatch.delitem(sys.modules, LOADER)
    monkeypatch.setattr(pydantic_plugins, "declares_plugins", lambda path: False)
    assert skip_plugin_scan()
    stub = sys.modules[LOADER]
    used = _loader_names_pydantic_uses()
    assert used == {"get_plugins"}, f"pydantic now uses {sorted(used)} of {LOADER}: check the stub against them"
    for name in used:  # the same call shape (annotations name pydantic's private types)
        shape = [(p.name, p.kind, p.default) for p in inspect.signature(getattr(real, name)).parameters.values()]
        assert [(p.name, p.kind, p.default) for p in inspect.signature(getattr(stub, name)).parameters.values()] == \
            shape, name


def test_the_installed_pydantic_validates_through_the_stub_and_its_own_loader_answers_the_same() -> None:
    """In fresh interpreters: with the stub, models validate and importlib.metadata stays unloaded; without it,
    pydantic's loader finds no plugin here either (the answer the stub gives)."""
    import subprocess
    import textwrap

    with_stub = textwrap.dedent("""
        import sys
        from connect_core.runtime.pydantic_plugins import skip_plugin_scan
        assert skip_plugin_scan()
        import pydantic
        from pydantic.plugin._schema_validator import create_schema_validator
        class Model(pydantic.BaseModel):
            size: int
        assert Model.model_validate({"size": "3"}).size == 3
        assert pydantic.TypeAdapter(list[int]).validate_json("[1, 2]") == [1, 2]
        assert type(Model.__pydantic_validator__).__name__ == "SchemaValidator"  # not the pluggable one
        assert "importlib.metadata" not in sys.modules
    """)
    without = textwrap.dedent("""
        from pydantic.plugin._loader import get_plugins
        assert list(get_plugins()) == [], list(get_plugins())
    """)
    for script in (with_stub, without):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                                check=False)
        assert result.returncode == 0, result.stderr


def test_pydantic_is_bound_to_the_tested_release_series_in_the_project_and_the_layer() -> None:
    import tomllib
    from pathlib import Path

    import pydantic
    from packaging.requirements import Requirement

    root = Path(__file__).resolve().parents[3]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [line.split("#")[0].strip() for line in (root / "infra/sam/requirements.txt").read_text().splitlines()]
    [bound] = {str(Requirement(r).specifier) for r in [*project, *layer] if r and Requirement(r).name == "pydantic"}
    major, minor = (int(part) for part in pydantic.VERSION.split(".")[:2])
    assert Requirement(f"pydantic{bound}").specifier == Requirement(
        f"pydantic>={major}.{minor},<{major}.{minor + 1}").specifier, f"pydantic {pydantic.VERSION} vs {bound}"

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

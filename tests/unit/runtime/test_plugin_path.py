"""Where worker plugins come from: LAMBDA_CONNECT_PLUGINS, installed packages' entry points, the plugin path."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from connect_core.runtime import registry
from connect_core.runtime.plugin_path import ENTRY_POINT_GROUP, WorkerPlugin, worker_plugins
from connect_core.runtime.registry import PluginType

if TYPE_CHECKING:
    from pathlib import Path

CONNECTOR = '''
from connect_core.api.connector import SinkConnector

class AcmeSinkConnector(SinkConnector):
    config_model = None
    def start(self, props): pass
    def stop(self): pass
    def task_class(self): return None
    def task_configs(self, max_tasks): return []
'''


def _installed(root: Path, version: str = "1.2.3") -> Path:
    """A distribution as pip installs it: its package and a .dist-info with entry_points.txt."""
    (root / "acme_plugin").mkdir(parents=True)
    (root / "acme_plugin" / "__init__.py").write_text(CONNECTOR)
    info = root / f"acme_plugin-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: acme-plugin\nVersion: {version}\n\n")
    (info / "entry_points.txt").write_text(
        f"[console_scripts]\nacme = acme_plugin:main\n\n[{ENTRY_POINT_GROUP}]\n"
        "com.acme.AcmeSinkConnector = acme_plugin:AcmeSinkConnector\n")
    return root


@pytest.fixture
def clean_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("LAMBDA_CONNECT_PLUGINS", raising=False)
    monkeypatch.delitem(sys.modules, "acme_plugin", raising=False)


@pytest.mark.usefixtures("clean_path")
def test_entry_points_of_packages_on_the_plugin_path_register_their_classes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(registry.NotFoundError):
        registry.describe("com.acme.AcmeSinkConnector")
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGIN_PATH", str(_installed(tmp_path)))
    assert WorkerPlugin("com.acme.AcmeSinkConnector", "acme_plugin:AcmeSinkConnector", "1.2.3",
                        "acme_plugin") in worker_plugins()
    assert sys.path[-1] == str(tmp_path)  # after the runtime's own paths: its libraries win
    desc = registry.describe("AcmeSink")
    assert (desc.class_name, desc.type, desc.target) == \
        ("com.acme.AcmeSinkConnector", PluginType.SINK, "acme_plugin:AcmeSinkConnector")
    assert desc.info() == {"class": "com.acme.AcmeSinkConnector", "type": "sink", "version": "1.2.3"}
    assert registry.load("com.acme.AcmeSinkConnector").__name__ == "AcmeSinkConnector"


@pytest.mark.usefixtures("clean_path")
def test_a_class_named_in_plugins_and_by_an_entry_point_is_listed_once_per_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGIN_PATH", str(_installed(tmp_path)))
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", "acme_plugin:AcmeSinkConnector")
    names = [p.class_name for p in worker_plugins()]
    assert names == ["acme_plugin:AcmeSinkConnector", "com.acme.AcmeSinkConnector"]
    assert registry.describe("acme_plugin:AcmeSinkConnector").version == ""  # not from a distribution


@pytest.mark.usefixtures("clean_path")
def test_a_broken_entry_point_is_logged_and_skipped_and_the_others_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    root = _installed(tmp_path)
    (root / "acme_plugin-1.2.3.dist-info" / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nBad = tempfile:TemporaryDirectory\nGone = acme_plugin.missing:Nothing\n"
        "com.acme.AcmeSinkConnector = acme_plugin:AcmeSinkConnector\n")
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGIN_PATH", str(root))
    assert registry.describe("AcmeSink").class_name == "com.acme.AcmeSinkConnector"
    with pytest.raises(registry.NotFoundError):
        registry.describe("Bad")
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert logged == ["plugin Bad of the installed package acme_plugin cannot be loaded; it is not offered",
                      "plugin Gone of the installed package acme_plugin cannot be loaded; it is not offered"]

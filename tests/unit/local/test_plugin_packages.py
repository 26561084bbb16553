"""The forms of a plugin package (wheel, project, bare package, directory of those) and what each becomes."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from connect_core.local import plugin_packages
from connect_core.local.plugin_packages import PluginPackageError, build_wheels, copy_modules, layout, split_plugins

PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "acme-plugin"
version = "2.0.0"

[project.entry-points."lambda_connect.plugins"]
"com.acme.AcmeSinkConnector" = "acme_plugin:AcmeSinkConnector"
"""


def _project(root: Path) -> Path:
    (root / "acme_plugin").mkdir(parents=True)
    (root / "acme_plugin" / "__init__.py").write_text("X = 1\n")
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


def test_each_form_is_recognised_and_a_directory_of_plugins_is_walked(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    project = _project(plugins / "acme")
    (plugins / "bare").mkdir()
    (plugins / "bare" / "__init__.py").write_text("")
    (plugins / "other-1.0-py3-none-any.whl").write_bytes(b"")
    (plugins / "README.md").write_text("not a plugin")
    found = layout([plugins])
    assert (found.projects, found.modules, found.wheels) == \
        ([project], [plugins / "bare"], [plugins / "other-1.0-py3-none-any.whl"])


def test_an_entry_that_is_no_plugin_package_names_itself(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(PluginPackageError, match="notes.txt is not a wheel, a Python project"):
        layout([tmp_path / "notes.txt"])
    with pytest.raises(PluginPackageError, match="missing does not exist"):
        layout([tmp_path / "missing"])


def test_a_project_builds_a_wheel_with_its_entry_points_and_leaves_its_tree_alone(tmp_path: Path) -> None:
    project = _project(tmp_path / "acme")
    wheels = build_wheels(layout([project]), tmp_path / "out")
    assert [w.name for w in wheels] == ["acme_plugin-2.0.0-py3-none-any.whl"]
    with zipfile.ZipFile(wheels[0]) as wheel:
        assert "com.acme.AcmeSinkConnector = acme_plugin:AcmeSinkConnector" in \
            wheel.read("acme_plugin-2.0.0.dist-info/entry_points.txt").decode()
    assert sorted(p.name for p in project.iterdir()) == ["acme_plugin", "pyproject.toml"]  # no build/, egg-info


def test_a_bare_package_is_copied_without_byte_code(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    (bare / "__pycache__").mkdir(parents=True)
    (bare / "__init__.py").write_text("")
    (bare / "__pycache__" / "x.pyc").write_bytes(b"")
    copies = copy_modules(layout([bare]), tmp_path / "layer")
    assert copies == [tmp_path / "layer" / "bare"]
    assert sorted(p.name for p in copies[0].iterdir()) == ["__init__.py"]


def test_plugins_option_separates_class_references_from_packages(tmp_path: Path) -> None:
    classes, packages = split_plugins(f"a.b:C, {tmp_path}, ./x.whl,,d:E")
    assert classes == ["a.b:C", "d:E"]
    assert packages[0] == tmp_path and packages[1].name == "x.whl"


def test_the_build_reads_the_variable_and_the_plugins_directory(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugin_packages, "REPO_PLUGINS", tmp_path / "plugins")
    monkeypatch.setenv(plugin_packages.PACKAGES_VARIABLE, f"{tmp_path / 'a'}:{tmp_path / 'b'},{tmp_path / 'c'}")
    assert plugin_packages.requested() == [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    (tmp_path / "plugins").mkdir()
    assert plugin_packages.requested("") == [tmp_path / "plugins"]
    (tmp_path / "plugins" / "README.md").write_text("what goes here")  # the one file plugins/ holds in the repo
    project = _project(tmp_path / "plugins" / "acme")
    assert layout(plugin_packages.requested("")).projects == [project]


_VERSIONED_MODULE = """from connect_core.api.converter import Converter

VERSION = "{version}"


class AcmeConverter(Converter):
    def configure(self, configs, is_key):
        pass

    def from_connect_data(self, topic, schema, value):
        return VERSION.encode()

    def to_connect_data(self, topic, value):
        return None
"""


def test_two_versions_of_one_package_are_installed_side_by_side(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from connect_core.runtime import registry

    projects = []
    for version in ("1.10.0", "1.9.0"):  # Maven's order: 1.10.0 is the newer
        root = tmp_path / f"acme-{version}"
        (root / "side_plugin").mkdir(parents=True)  # a name no other test imports (sys.modules is shared)
        (root / "side_plugin" / "__init__.py").write_text(_VERSIONED_MODULE.format(version=version))
        pyproject = PYPROJECT.replace('version = "2.0.0"', f'version = "{version}"')
        pyproject = pyproject.replace("acme-plugin", "side-plugin").replace("acme_plugin", "side_plugin")
        pyproject = pyproject.replace("com.acme.AcmeSinkConnector", "com.side.SideConverter")
        (root / "pyproject.toml").write_text(pyproject.replace("AcmeSinkConnector", "AcmeConverter"))
        projects.append(root)
    target = plugin_packages.install(projects, tmp_path / "installed")
    assert (target / "side_plugin").is_dir()  # the newest, shared
    assert (target / "side_plugin-1.9.0-py3-none-any" / "side_plugin-1.9.0.dist-info").is_dir()  # isolated
    monkeypatch.setattr(sys, "path", list(sys.path))  # the registry appends the plugin path to it
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGIN_PATH", str(target))
    assert registry.available_versions("com.side.SideConverter") == ["1.9.0", "1.10.0"]
    for wanted in ("1.9.0", "1.10.0", None):
        converter = registry.load("com.side.SideConverter", wanted)()
        assert converter.from_connect_data("t", None, None) == (wanted or "1.10.0").encode()


_LAYER_CHECK = """
from connect_core.runtime import registry
print(registry.available_versions("com.layer.LayerConverter"))
for version in ("[1.0]", "[2.0,)", None):
    print(registry.load("com.layer.LayerConverter", version)().from_connect_data("t", None, None).decode())
"""


def test_the_layer_build_installs_older_versions_in_the_layers_plugin_directory(tmp_path: Path) -> None:
    """As infra/sam/Makefile runs it (by path, the script's own process): ``wheels`` prints the newest version of each
    distribution, ``isolated`` installs the older ones into ``<site>/lambda-connect-plugins/<wheel name>``; a
    ``connect_core`` in ``<site>`` (the layer's ``/opt/python``) then offers every version, each running its code."""
    import os
    import subprocess

    packages = []
    for version in ("2.0", "1.0"):
        root = tmp_path / "packages" / f"layer-{version}"
        (root / "layer_plugin").mkdir(parents=True)
        (root / "layer_plugin" / "__init__.py").write_text(_VERSIONED_MODULE.format(version=version))
        (root / "pyproject.toml").write_text(
            PYPROJECT.replace('version = "2.0.0"', f'version = "{version}"').replace("acme-plugin", "layer-plugin")
            .replace('"com.acme.AcmeSinkConnector" = "acme_plugin:AcmeSinkConnector"',
                     '"com.layer.LayerConverter" = "layer_plugin:AcmeConverter"'))
        packages.append(str(root))
    script = plugin_packages.__file__
    env = {**os.environ, plugin_packages.PACKAGES_VARIABLE: os.pathsep.join(packages)}
    wheels, site = tmp_path / "wheels", tmp_path / "site"

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, script, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    newest = run("wheels", str(wheels)).split()
    assert [os.path.basename(w) for w in newest] == ["layer_plugin-2.0-py3-none-any.whl"]
    assert sorted(w.name for w in wheels.iterdir()) == ["layer_plugin-1.0-py3-none-any.whl", *map(os.path.basename,
                                                                                                newest)]
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), *newest],
                   check=True, timeout=300)
    run("isolated", str(wheels), str(site), "--no-compile")
    isolated = site / "lambda-connect-plugins" / "layer_plugin-1.0-py3-none-any"
    assert (isolated / "layer_plugin-1.0.dist-info").is_dir() and (isolated / "layer_plugin").is_dir()
    assert not (site / "lambda-connect-plugins" / "layer_plugin-2.0-py3-none-any").exists()

    (site / "connect_core").symlink_to(Path(plugin_packages.__file__).resolve().parents[1])
    check = subprocess.run([sys.executable, "-c", _LAYER_CHECK], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(site), "LAMBDA_CONNECT_PLUGIN_PATH": ""}, cwd=tmp_path,
                           check=False)
    assert check.returncode == 0, check.stderr
    assert check.stdout.split("\n")[:4] == ["['1.0', '2.0']", "1.0", "2.0", "2.0"]

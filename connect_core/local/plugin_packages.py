"""Plugin packages (Kafka's ``plugin.path`` entries) turned into what pip installs; the one home of their forms.

A plugin package is one of:

- a wheel (``*.whl``);
- a project directory (``pyproject.toml`` or ``setup.py``), built into a wheel here with the building Python's own
  build backend (``pip wheel --no-deps --no-build-isolation``: no index is needed for a pure-Python plugin);
- a bare Python package directory (``__init__.py``, no metadata): copied as is, its classes named in
  ``PluginClasses`` / ``--plugins module:Class`` (it has no entry points);
- any other directory: each of its entries is one of the above (a ``plugin.path`` directory of plugins).

The wheels are then installed in one pip run with the runtime's own requirements (``infra/sam/Makefile``: the layer;
``local/up.py``: ``lambda-connect up --plugins``), so a plugin's dependencies resolve together with lambda-connect's
and never overwrite them. ``connect_core`` itself is provided by the runtime: a plugin does not list
``lambda-connect`` among its dependencies (Maven's ``provided`` scope).

Several versions of one distribution (KIP-891) cannot share one pip run or one ``site-packages``: the newest is
installed as above, every older one without its dependencies into a directory of its own, an isolated location of the
plugin path (``runtime/plugin_path.py``, ``runtime/plugin_isolation.py``), as Kafka keeps each plugin in its own
``plugin.path`` directory. In the layer that is ``python/lambda-connect-plugins/<wheel name>/``.

Runnable by path with the standard library alone (the SAM build calls it before anything is installed)::

    python connect_core/local/plugin_packages.py wheels <dir>    # builds/copies wheels, prints the newest ones' paths
    python connect_core/local/plugin_packages.py isolated <dir> <site> [pip options]  # the older wheels of <dir>,
                                                                 # each into <site>/lambda-connect-plugins/<wheel name>
    python connect_core/local/plugin_packages.py modules <dir>   # copies bare package directories into <dir>

``wheels`` and ``modules`` read the packages from ``LAMBDA_CONNECT_PLUGIN_PACKAGES`` (entries separated by
``os.pathsep`` or commas) and from the ``plugins/`` directory beside ``template.yaml``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["PACKAGES_VARIABLE", "Layout", "PluginPackageError", "build_wheels", "copy_modules", "install",
           "install_isolated", "layout", "requested", "side_by_side", "split_plugins"]

PACKAGES_VARIABLE = "LAMBDA_CONNECT_PLUGIN_PACKAGES"
REPO_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
_PROJECT_FILES = ("pyproject.toml", "setup.py")


class PluginPackageError(RuntimeError):
    """A plugin package that is none of the known forms, or whose wheel does not build."""


class Layout:
    """The wheels, projects and bare packages found among the given entries."""

    def __init__(self) -> None:
        """Start empty."""
        self.wheels: list[Path] = []
        self.projects: list[Path] = []
        self.modules: list[Path] = []

    def add(self, entry: Path, *, top: bool) -> None:
        """Classify ``entry``; a directory of plugins is walked one level down."""
        if entry.is_file() and entry.suffix == ".whl":
            self.wheels.append(entry)
        elif entry.is_dir() and any((entry / name).is_file() for name in _PROJECT_FILES):
            self.projects.append(entry)
        elif entry.is_dir() and (entry / "__init__.py").is_file():
            self.modules.append(entry)
        elif entry.is_dir() and top:
            for child in sorted(entry.iterdir()):
                if not child.name.startswith((".", "_")):
                    self.add(child, top=False)
        elif top:
            raise PluginPackageError(f"{PACKAGES_VARIABLE}: {entry} is not a wheel, a Python project, a Python package "
                                     "or a directory of those")


def requested(value: str | None = None) -> list[Path]:
    """The entries of ``value`` (default: ``LAMBDA_CONNECT_PLUGIN_PACKAGES``) plus ``plugins/`` when it exists (the
    SAM build's list)."""
    raw = os.environ.get(PACKAGES_VARIABLE, "") if value is None else value
    entries = [Path(part.strip()).expanduser().resolve() for chunk in raw.split(os.pathsep)
               for part in chunk.split(",") if part.strip()]
    if REPO_PLUGINS.is_dir():
        entries.append(REPO_PLUGINS)
    return entries


def layout(entries: list[Path]) -> Layout:
    """Classify every entry (``PluginPackageError`` for one that is none of the forms or does not exist)."""
    found = Layout()
    for entry in entries:
        if not entry.exists():
            raise PluginPackageError(f"{PACKAGES_VARIABLE}: {entry} does not exist")
        found.add(entry, top=True)
    return found


def build_wheels(found: Layout, out: Path, python: str = sys.executable) -> list[Path]:
    """The layout's wheels copied into ``out`` and its projects built there; every wheel's path."""
    out.mkdir(parents=True, exist_ok=True)
    for wheel in found.wheels:
        shutil.copy2(wheel, out / wheel.name)
    for project in found.projects:
        with tempfile.TemporaryDirectory() as scratch:  # setuptools writes build/ and *.egg-info into the tree
            copy = Path(scratch) / project.name
            shutil.copytree(project, copy, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", ".git", ".venv", "build", "dist", "*.egg-info", ".pytest_cache"))
            built = subprocess.run([python, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                                    "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(copy)],
                                   capture_output=True, text=True, check=False)
        if built.returncode != 0:
            raise PluginPackageError(f"the plugin project {project} did not build a wheel:\n"
                                     + (built.stdout + built.stderr).strip())
    return sorted(out.glob("*.whl"))


def copy_modules(found: Layout, target: Path) -> list[Path]:
    """Copy the bare package directories into ``target`` (``__pycache__`` left out); the copies."""
    copies = []
    for module in found.modules:
        copy = target / module.name
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(module, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        copies.append(copy)
    return copies


def split_plugins(value: str) -> tuple[list[str], list[Path]]:
    """``--plugins``' comma list: ``"module:Class"`` references, and plugin packages (anything that is a path)."""
    classes: list[str] = []
    packages: list[Path] = []
    for part in (item.strip() for item in value.split(",")):
        if not part:
            continue
        path = Path(part).expanduser()
        if path.exists() or part.endswith(".whl") or ":" not in part:
            packages.append(path.resolve())
        else:
            classes.append(part)
    return classes, packages


def side_by_side(wheels: list[Path]) -> tuple[list[Path], list[Path]]:
    """The newest wheel of each distribution, and the older ones (KIP-891: installed side by side), each list in the
    given order. Versions compare as the plugin registry compares them (Maven's order; ``runtime/version_range.py``)."""
    from connect_core.runtime.version_range import ArtifactVersion

    by_name: dict[str, list[Path]] = {}
    for wheel in wheels:  # a wheel's name: <distribution>-<version>-..., the distribution normalized by the builder
        by_name.setdefault(wheel.name.split("-")[0].lower(), []).append(wheel)
    newest = {max(same, key=lambda w: ArtifactVersion(w.name.split("-")[1])) for same in by_name.values()}
    return [w for w in wheels if w in newest], [w for w in wheels if w not in newest]


def _pip_install(python: str, target: Path, wheels: list[Path], *options: str) -> None:
    done = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *options,
                           "--target", str(target), *map(str, wheels)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PluginPackageError("the plugin packages did not install:\n" + (done.stdout + done.stderr).strip())


def install_isolated(wheels: list[Path], root: Path, python: str = sys.executable, *options: str) -> list[Path]:
    """Install each wheel without its dependencies into ``root/<wheel name>``, an isolated location (its imports
    find its own package first, then the shared dependencies); the locations. ``options`` go to pip (the layer's
    target platform)."""
    locations = []
    for wheel in wheels:
        location = root / wheel.name.removesuffix(".whl")
        shutil.rmtree(location, ignore_errors=True)
        _pip_install(python, location, [wheel], "--no-deps", *options)
        locations.append(location)
    return locations


def install(packages: list[Path], target: Path, python: str = sys.executable) -> Path:
    """Install plugin packages and their dependencies into ``target`` (emptied first), for the local runtime to append
    to ``sys.path`` (``LAMBDA_CONNECT_PLUGIN_PATH``): after the runtime's own paths, so its libraries win.

    Several versions of one distribution are installed side by side (KIP-891): the newest as above, each older one
    into ``target/<wheel name>`` (``install_isolated``), an isolated location of the plugin path.
    """
    found = layout(packages)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        newest, older = side_by_side(build_wheels(found, Path(scratch), python))
        if newest:
            _pip_install(python, target, newest)
        install_isolated(older, target, python)
    copy_modules(found, target)
    return target


def main(argv: list[str]) -> int:
    """``wheels <dir>`` | ``isolated <dir> <site> [pip options]`` | ``modules <dir>`` (module docstring)."""
    command = argv[0] if argv else ""
    if not ((command in ("wheels", "modules") and len(argv) == 2) or (command == "isolated" and len(argv) >= 3)):
        print("usage: plugin_packages.py wheels|modules <dir> | isolated <dir> <site> [pip options]", file=sys.stderr)
        return 2
    try:
        if command == "isolated":
            from connect_core.runtime.plugin_path import INSTALLATION_PLUGIN_DIR

            older = side_by_side(sorted(Path(argv[1]).glob("*.whl")))[1]
            install_isolated(older, Path(argv[2]) / INSTALLATION_PLUGIN_DIR, sys.executable, *argv[3:])
            return 0
        found = layout(requested())
        if command == "wheels":
            print("\n".join(str(wheel) for wheel in side_by_side(build_wheels(found, Path(argv[1])))[0]))
        else:
            copy_modules(found, Path(argv[1]))
    except PluginPackageError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run by path: connect_core's version order
    sys.exit(main(sys.argv[1:]))

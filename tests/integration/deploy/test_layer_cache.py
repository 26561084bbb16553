"""The layer targets of infra/sam/Makefile with the install cache (layer_cache.py): a build from the cache is the
same tree, file for file and byte for byte, as one without it, and lambda-connect's own code never comes from it.

Each target runs as `sam build` runs it (``make build-<LogicalId>`` in a copy of the resource's source, with
ARTIFACTS_DIR), always into the same ARTIFACTS_DIR (byte-code records the path it was compiled at): the IcebergLayer
into an empty cache and from the cache; ConnectCoreLayer into an empty cache, after a change to its own code from the
cache, and with a plugin package past it (pip's own run: the uncached tree). The switch that bypasses the cache:
tests/unit/infra/test_layer_cache.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.plugin_packages import contract_sink_package

ROOT = Path(__file__).resolve().parents[3]
MAKEFILE = ROOT / "infra" / "sam" / "Makefile"

pytestmark = pytest.mark.integration


def _tree(root: Path) -> dict[str, tuple[int, str]]:
    """Relative path -> (size, sha256) of every file; a symlink by its target."""
    found: dict[str, tuple[int, str]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(root))] = (-1, os.readlink(path))
        elif path.is_file():
            data = path.read_bytes()
            found[str(path.relative_to(root))] = (len(data), hashlib.sha256(data).hexdigest())
    return found


class Target:
    """One Makefile target run from ``source`` into ``artifacts``, the cache under ``cache``."""

    def __init__(self, name: str, source: Path, artifacts: Path, cache: Path) -> None:
        self.name, self.source, self.artifacts, self.cache = name, source, artifacts, cache

    def build(self, *, bypass: bool = False, plugins: str = "") -> tuple[dict[str, tuple[int, str]], str]:
        """The built tree and the build's stderr; the artifacts directory is emptied first."""
        shutil.rmtree(self.artifacts, ignore_errors=True)
        env = {**os.environ, "LAMBDA_CONNECT_CACHE_DIR": str(self.cache), "LAMBDA_ARCHITECTURE": "x86_64",
               "LAMBDA_CONNECT_PLUGIN_PACKAGES": plugins, "LAMBDA_CONNECT_LAYER_CACHE": "0" if bypass else "1",
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        result = subprocess.run(
            ["make", "-s", "-f", str(MAKEFILE), f"build-{self.name}", f"ARTIFACTS_DIR={self.artifacts}",
             f"PYTHON={sys.executable}"], cwd=self.source, env=env, capture_output=True, text=True, timeout=900,
            check=False)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return _tree(self.artifacts), result.stderr

    def entry(self) -> Path:
        (found,) = [p for p in (self.cache / "sam-layers").iterdir() if p.is_dir() and p.name.startswith(self.name)]
        return found / "tree"


def test_the_iceberg_layer_from_the_cache_is_the_layer_pip_installed(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(ROOT / "infra" / "sam" / "iceberg", source)
    target = Target("IcebergLayer", source, tmp_path / "IcebergLayer", tmp_path / "cache")
    cold, log = target.build()
    assert "from the cache" not in log
    cached, log = target.build()
    assert "(from the cache)" in log
    assert "python/pyarrow/__init__.py" in cold and len(cold) > 500
    assert cached == cold
    assert not list(target.entry().rglob("__pycache__"))  # byte-code is compiled in the layer, never cached


def test_the_core_layer_takes_its_dependencies_from_the_cache_and_its_own_code_from_the_source(tmp_path: Path) -> None:
    source = tmp_path / "connect_core"  # a snapshot: the working tree may change while this runs
    shutil.copytree(ROOT / "connect_core", source, ignore=shutil.ignore_patterns("__pycache__"))
    target = Target("ConnectCoreLayer", source, tmp_path / "ConnectCoreLayer", tmp_path / "cache")
    cold, log = target.build()
    assert "third-party packages installed" in log
    (source / "cache_probe.py").write_text("PROBE = 1\n")  # our code changed; the requirements did not
    cached, log = target.build()
    assert "third-party packages from the cache" in log
    probe = {path for path in cached if "cache_probe" in path}
    assert probe == {"python/connect_core/cache_probe.py",
                     "python/connect_core/__pycache__/cache_probe.cpython-312.pyc"}
    assert {path: found for path, found in cached.items() if path not in probe} == cold
    entry = {str(p.relative_to(target.entry())) for p in target.entry().iterdir()}
    assert {"pydantic", "confluent_kafka", "boto3"} <= entry
    assert not {name for name in entry if name.startswith(("connect_core", "functions", "lambda_connect"))}
    # a plugin package resolves with the requirements in one pip run: that run is not cached, nor is the plugin
    with_plugin, log = target.build(plugins=str(contract_sink_package(tmp_path / "plugins")))
    assert "third-party packages installed" in log
    assert "python/contract_sink_plugin.py" in with_plugin
    assert not list(target.entry().glob("contract_sink_plugin*"))
    assert {path: with_plugin.get(path) for path in cached} == cached

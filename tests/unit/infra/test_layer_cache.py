"""infra/sam/layer_cache.py: one build per key, a copy for every later build, fresh entries only, safe across
processes. The layer targets, cached and not, are compared in tests/integration/deploy/test_layer_cache.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.local import _process as proc
from infra.sam import layer_cache

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAMBDA_CONNECT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(layer_cache.SWITCH, raising=False)
    monkeypatch.delenv(layer_cache.MAX_AGE_VARIABLE, raising=False)
    return tmp_path / "cache" / "sam-layers"


class Builder:
    """A build that writes a small tree (a file, a subdirectory, a symlink) and counts its runs."""

    def __init__(self, content: str = "v1") -> None:
        self.content, self.runs = content, 0

    def __call__(self, into: Path) -> None:
        self.runs += 1
        (into / "pkg").mkdir(parents=True)
        (into / "pkg" / "__init__.py").write_text(self.content)
        (into / "top.txt").write_text("top")
        (into / "link").symlink_to("top.txt")


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if p.is_dir())


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): (f"-> {os.readlink(p)}" if p.is_symlink() else p.read_text())
            for p in sorted(root.rglob("*")) if p.is_file() or p.is_symlink()}


def test_the_cache_lives_under_the_services_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert layer_cache.root() == proc.CACHE_DIR / "sam-layers"  # the same variable and default as _process
    monkeypatch.setenv("LAMBDA_CONNECT_CACHE_DIR", str(tmp_path))
    assert layer_cache.root() == tmp_path.resolve() / "sam-layers"


def test_a_key_is_built_once_and_copied_after(cache: Path, tmp_path: Path) -> None:
    build = Builder()
    assert layer_cache.install("Layer", ["a"], tmp_path / "one", build) is False
    assert layer_cache.install("Layer", ["a"], tmp_path / "two", build) is True
    assert build.runs == 1
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two") == {
        "link": "-> top.txt", "pkg/__init__.py": "v1", "top.txt": "top"}
    (tmp_path / "two" / "pkg" / "__init__.py").write_text("edited")  # a later build step writes into its copy
    assert _tree(_entries(cache)[0] / "tree")["pkg/__init__.py"] == "v1"


def test_another_input_is_another_entry(cache: Path, tmp_path: Path) -> None:
    first, second = Builder("v1"), Builder("v2")
    layer_cache.install("Layer", ["requirements", b"boto3>=1"], tmp_path / "one", first)
    layer_cache.install("Layer", ["requirements", b"boto3>=2"], tmp_path / "two", second)
    assert (first.runs, second.runs) == (1, 1)
    assert _tree(tmp_path / "two")["pkg/__init__.py"] == "v2"
    assert layer_cache.key(["ab", "c"]) != layer_cache.key(["a", "bc"])  # parts never run into each other
    assert len(_entries(cache)) == 2


def test_the_switch_bypasses_the_cache(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(layer_cache.SWITCH, "0")
    build = Builder()
    assert layer_cache.install("Layer", ["a"], tmp_path / "one", build) is False
    assert layer_cache.install("Layer", ["a"], tmp_path / "two", build) is False
    assert build.runs == 2 and not cache.exists()


def test_an_entry_past_its_age_is_built_again(cache: Path, tmp_path: Path) -> None:
    layer_cache.install("Layer", ["a"], tmp_path / "one", Builder("old"))
    entry = _entries(cache)[0]
    (entry / "entry.json").write_text(json.dumps({"built": time.time() - 25 * 3600}))
    build = Builder("new")
    assert layer_cache.install("Layer", ["a"], tmp_path / "two", build) is False
    assert build.runs == 1 and _tree(entry / "tree")["pkg/__init__.py"] == "new"
    assert _tree(tmp_path / "two")["pkg/__init__.py"] == "new"


def test_a_build_that_fails_leaves_no_entry(cache: Path, tmp_path: Path) -> None:
    def failing(into: Path) -> None:
        into.mkdir(parents=True)
        (into / "half").write_text("")
        raise subprocess.CalledProcessError(1, "pip")

    with pytest.raises(subprocess.CalledProcessError):
        layer_cache.install("Layer", ["a"], tmp_path / "one", failing)
    assert _entries(cache) == []
    build = Builder()
    assert layer_cache.install("Layer", ["a"], tmp_path / "two", build) is False and build.runs == 1


def test_expired_entries_of_other_keys_are_removed_when_one_is_stored(cache: Path, tmp_path: Path) -> None:
    layer_cache.install("Layer", ["old"], tmp_path / "one", Builder())
    old = _entries(cache)[0]
    (old / "entry.json").write_text(json.dumps({"built": time.time() - 25 * 3600}))
    layer_cache.install("Layer", ["fresh"], tmp_path / "two", Builder())
    assert not old.exists() and len(_entries(cache)) == 1


_WORKER = """
import sys, time
from pathlib import Path
from infra.sam import layer_cache

def build(into):
    with open(sys.argv[2], "a") as runs:
        runs.write("build\\n")
    into.mkdir(parents=True)
    time.sleep(0.5)  # the others arrive while this one builds
    for i in range(50):
        (into / f"m{i}.py").write_text(str(i) * 1000)

print(layer_cache.install("Layer", ["shared"], Path(sys.argv[1]), build))
"""


def test_concurrent_builds_of_one_key_run_pip_once(cache: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs.txt"
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path / f"target{n}"), str(runs)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True) for n in range(4)]
    answers = sorted(worker.communicate(timeout=120)[0].strip() for worker in workers)
    assert [worker.returncode for worker in workers] == [0] * 4
    assert runs.read_text() == "build\n" and answers == ["False", "True", "True", "True"]
    for n in range(4):
        assert _tree(tmp_path / f"target{n}") == {f"m{i}.py": str(i) * 1000 for i in range(50)}

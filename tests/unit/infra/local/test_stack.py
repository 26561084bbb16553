"""infra/local/stack.py's shared build: one `sam build` per content of what it packs, for every stack deployed
without plugin packages (the real builds and deploys: tests/integration/stack_cluster, stack_iceberg)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest

from infra.local import stack

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


class Builds:
    """Stands for `sam build` (its output's template.yaml), counting the builds and failing when told to."""

    def __init__(self) -> None:
        self.made: list[Path] = []
        self.fail = False

    def __call__(self, name: str = "", plugins: Sequence[Path | str] = (), into: Path | None = None) -> Path:
        assert into is not None and not plugins
        time.sleep(0.05)  # long enough for a concurrent caller to arrive while it builds
        into.mkdir(parents=True)
        if self.fail:
            raise stack.StackError("stack shared: `sam build` failed (1)")
        (into / "template.yaml").write_text("Resources: {}\n")
        self.made.append(into)
        return into


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Builds:
    repo = tmp_path / "repo"
    for name in stack.BUILD_SOURCES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / "template.yaml").write_text("Resources: {}\n")
    (repo / "pyproject.toml").write_text("[project]\n")
    for name in ("connect_core", "functions", "infra/sam", "plugins"):
        (repo / name).mkdir(parents=True, exist_ok=True)
        (repo / name / "module.py").write_text("x = 1\n")
    monkeypatch.setattr(stack.proc, "REPO_ROOT", repo)
    monkeypatch.setattr(stack, "BUILD_DIR", tmp_path / "sam")
    made = Builds()
    monkeypatch.setattr(stack, "build", made)
    return made


def test_stacks_without_plugins_share_one_build_per_content(builds: Builds) -> None:
    first = stack.shared_build()
    assert stack.shared_build() == first and builds.made == [first.with_name(first.name + ".partial")]
    assert (first / "template.yaml").exists()
    (stack.proc.REPO_ROOT / "connect_core" / "module.py").write_text("x = 2\n")
    second = stack.shared_build()
    assert second != first and len(builds.made) == 2
    assert not first.exists()  # an earlier content's build is removed


def test_byte_code_is_not_part_of_the_content(builds: Builds) -> None:
    before = stack.sources_digest()
    cache = stack.proc.REPO_ROOT / "connect_core" / "__pycache__"
    cache.mkdir()
    (cache / "module.cpython-311.pyc").write_bytes(b"\0")
    assert stack.sources_digest() == before


def test_a_failed_build_is_never_deployed_and_the_next_caller_builds_again(builds: Builds) -> None:
    builds.fail = True
    with pytest.raises(stack.StackError):
        stack.shared_build()
    assert not (stack.BUILD_DIR / f"shared-{stack.sources_digest()}").exists()
    builds.fail = False
    built = stack.shared_build()
    assert (built / "template.yaml").exists() and len(builds.made) == 1


def test_concurrent_callers_wait_for_the_one_build(builds: Builds) -> None:
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(stack.shared_build())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 3 and len(builds.made) == 1

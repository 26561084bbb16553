"""A content-addressed cache of the layers' third-party installs, so a second `sam build` copies them instead of
running pip again (infra/sam/layers.py ``core`` and ``iceberg``).

An entry is ``$LAMBDA_CONNECT_CACHE_DIR/sam-layers/<layer>-<key>/tree`` (``~/.cache/lambda-connect`` by default), its
key a hash of everything its caller says determines the tree (requirements, pip target options, pip's version and
configuration, the build's own source). It holds third-party files only: lambda-connect's code and the plugin
packages are added after the copy. An entry is built in a scratch directory and renamed into place under an
exclusive lock per key (concurrent builds wait for one pip run); readers copy under a shared lock.

The requirements name ranges, so a release on the index changes what an uncached build installs: an entry serves
for ``LAMBDA_CONNECT_LAYER_CACHE_HOURS`` (24) after it was built, then the next build installs again and replaces it.
``LAMBDA_CONNECT_LAYER_CACHE=0`` bypasses the cache.

Standard library only: layers.py runs it by path inside `sam build`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

SWITCH = "LAMBDA_CONNECT_LAYER_CACHE"
MAX_AGE_VARIABLE = "LAMBDA_CONNECT_LAYER_CACHE_HOURS"
DEFAULT_MAX_AGE_H = 24.0
SCRATCH_MAX_AGE_S = 3600.0  # a scratch directory this old belongs to a build that died


def root() -> Path:
    """``sam-layers/`` under ``infra.local._process.CACHE_DIR`` (same variable and default)."""
    base = os.environ.get("LAMBDA_CONNECT_CACHE_DIR", str(Path.home() / ".cache" / "lambda-connect"))
    return Path(base).resolve() / "sam-layers"


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def max_age_s() -> float:
    return float(os.environ.get(MAX_AGE_VARIABLE, DEFAULT_MAX_AGE_H)) * 3600


def key(parts: Iterable[str | bytes]) -> str:
    """The hash of ``parts`` (order matters; each part length-prefixed, so no two lists collide)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:32]


def pip_environment() -> list[str]:
    """What configures pip beyond its arguments: the ``PIP_*`` variables and the configuration files it reads."""
    found = [f"{name}={value}" for name, value in sorted(os.environ.items()) if name.startswith("PIP_")]
    files = [Path("/etc/pip.conf"), Path.home() / ".pip" / "pip.conf", Path.home() / ".config" / "pip" / "pip.conf",
             Path(sys.prefix) / "pip.conf"]
    files += [Path(p) for p in os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep) if p]
    for given in files:
        path = given / "pip" / "pip.conf" if given.is_dir() else given
        if path.is_file():
            found.append(f"{path}:{path.read_text(errors='replace')}")
    return found


def install(layer: str, parts: Iterable[str | bytes], target: Path, build: Callable[[Path], None]) -> bool:
    """``target`` filled with ``build``'s tree for ``parts``: copied from the cache when a fresh entry exists, else
    built into the cache first. Returns whether the entry was there already. Bypassed: ``build(target)``."""
    if not enabled():
        build(target)
        return False
    parts = list(parts)
    home = root()
    home.mkdir(parents=True, exist_ok=True)
    entry = home / f"{layer}-{key(parts)}"
    # what the key was made of, to tell why a build missed (file contents by their hash)
    described = [p if isinstance(p, str) else f"sha256:{hashlib.sha256(p).hexdigest()}" for p in parts]
    with _lock(entry, shared=True):
        if _fresh(entry):
            _copy(entry / "tree", target)
            return True
    with _lock(entry, shared=False):
        hit = _fresh(entry)
        if not hit:
            _store(entry, build, described)
            _evict(home, keep=entry)
    with _lock(entry, shared=True):
        _copy(entry / "tree", target)
    return hit


def _fresh(entry: Path) -> bool:
    try:
        built = json.loads((entry / "entry.json").read_text())["built"]
    except (OSError, ValueError, KeyError):
        return False
    return (entry / "tree").is_dir() and time.time() - float(built) < max_age_s()


def _store(entry: Path, build: Callable[[Path], None], described: list[str]) -> None:
    """Build into a scratch directory beside ``entry``, then rename it into place (the old entry goes first)."""
    scratch = Path(tempfile.mkdtemp(prefix=f".scratch-{entry.name}-", dir=entry.parent))
    try:
        build(scratch / "tree")
        (scratch / "entry.json").write_text(json.dumps({"built": time.time(), "key": described}, indent=1))
        if entry.exists():
            old = entry.with_name(f".old-{entry.name}-{os.getpid()}")
            entry.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        scratch.rename(entry)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _copy(tree: Path, target: Path) -> None:
    """A copy, not hard links: later build steps (strip, byte-code) write into the layer."""
    shutil.copytree(tree, target, symlinks=True, dirs_exist_ok=True)


def _evict(home: Path, keep: Path) -> None:
    """Remove entries past their age and scratch directories of builds that died; an entry in use is skipped."""
    for entry in home.iterdir():
        if entry == keep or not entry.is_dir():
            continue
        if entry.name.startswith((".scratch-", ".old-")):
            if time.time() - entry.stat().st_mtime > SCRATCH_MAX_AGE_S:
                shutil.rmtree(entry, ignore_errors=True)
            continue
        try:
            with _lock(entry, shared=False, wait=False):
                if not _fresh(entry):
                    shutil.rmtree(entry, ignore_errors=True)
        except BlockingIOError:
            continue


@contextmanager
def _lock(entry: Path, *, shared: bool, wait: bool = True) -> Iterator[None]:
    """``flock`` on ``<entry>.lock`` (kept: removing a lock file others may hold would split the lock)."""
    with (entry.parent / f"{entry.name}.lock").open("a") as file:
        fcntl.flock(file, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)

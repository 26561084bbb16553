"""What every compatibility oracle needs: Java, the Kafka jars resolved by Maven, and a rule for a missing tool.

On a developer machine without Java or Maven the oracle tests skip; in CI (``CI`` set, as ``.ci/run`` does) they
fail, so that a CI image that lost its JDK cannot turn the compatibility suite green by skipping it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests._parallel import run_lock

__all__ = ["KAFKA_VERSION", "RUN_DIR", "java_major", "kafka_before", "maven_classpath", "require_tool"]

RUN_DIR = Path(os.environ.get("LAMBDA_CONNECT_COMPAT_DIR", Path(__file__).parents[2] / ".run" / "compat"))
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
# The Kafka release every oracle runs (jars, worker): the poms' kafka.version, or LAMBDA_CONNECT_COMPAT_KAFKA to run
# the suites against another release (`make compat-4.1`: the previous oracle, kept passing where releases differ).
_POM_KAFKA_VERSION = re.search(r"<kafka.version>([^<]+)</kafka.version>",
                               (Path(__file__).parent / "pom.xml").read_text())
KAFKA_VERSION = os.environ.get("LAMBDA_CONNECT_COMPAT_KAFKA") or (_POM_KAFKA_VERSION.group(1) if _POM_KAFKA_VERSION
                                                                   else "")


def kafka_before(version: str) -> bool:
    """Whether the oracle's Kafka is older than ``version`` ("4.2"): for expectations that changed between releases."""
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", text)[:3])

    return parts(KAFKA_VERSION) < parts(version)


def in_ci() -> bool:
    """True in CI, where a missing oracle tool is a failure rather than a skip."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require_tool(name: str) -> str:
    """The path of ``name`` on PATH; skips the test without it, or fails in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed; the compatibility oracle needs it"
        if in_ci():
            pytest.fail(f"{message} (CI must provide it)", pytrace=False)
        pytest.skip(message)
    return path


def maven_classpath(pom: Path, *extra: str) -> str:
    """Resolve (once per pom content) the classpath of ``pom`` with ``mvn dependency:build-classpath``, with the
    oracle's Kafka release (``KAFKA_VERSION``) as the pom's ``kafka.version``."""
    extra = (f"-Dkafka.version={KAFKA_VERSION}", *extra) if KAFKA_VERSION else extra
    digest = hashlib.sha256(pom.read_bytes() + "\0".join(extra).encode()).hexdigest()[:12]
    cp_file = RUN_DIR / f"{pom.parent.name}-{digest}.classpath"
    with run_lock("maven"):  # one Maven at a time (parallel workers): one download into ~/.m2, one writer per file
        return _cached_classpath(cp_file) or _resolve_classpath(pom, cp_file, extra)


def _cached_classpath(cp_file: Path) -> str | None:
    if cp_file.exists():
        classpath = cp_file.read_text().strip()
        if classpath and all(Path(jar).exists() for jar in classpath.split(os.pathsep)):
            return classpath
    return None


def _resolve_classpath(pom: Path, cp_file: Path, extra: tuple[str, ...]) -> str:
    mvn = require_tool("mvn")
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(pom), f"{MAVEN_DEPENDENCY_PLUGIN}:build-classpath",
         f"-Dmdep.outputFile={cp_file}", *extra],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"could not resolve the classpath of {pom}:\n{result.stdout}{result.stderr}", pytrace=False)
    return cp_file.read_text().strip()


@functools.cache
def java_major() -> int:
    """The major version of the ``java`` on PATH (17 for ``openjdk version "17.0.15"``), asked once (a JVM start)."""
    out = subprocess.run([require_tool("java"), "-version"], capture_output=True, text=True, check=True).stderr
    return int(out.split('"')[1].split(".")[0])

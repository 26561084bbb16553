"""Plugin versions and version ranges (``runtime/version_range.py``) against maven-artifact on the JVM, the
library the worker's connect-runtime (4.3.1: 3.9.15; 4.1.1: 3.9.6) resolves ``*.plugin.version`` with:
``VersionRangeOracle.java`` answers each case with ``DefaultArtifactVersion.compareTo`` and
``VersionRange.createFromVersionSpec`` / ``containsVersion``."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from connect_core.runtime.version_range import ArtifactVersion, InvalidVersionSpecification, VersionRange
from tests.compat._oracle import maven_classpath, require_tool

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
_RANDOM = random.Random(20261125)
_PIECES = ["0", "1", "2", "10", "007", "1234567890123", "99999999999999999999", "a", "b", "m", "alpha", "beta",
           "milestone", "rc", "cr", "snapshot", "SNAPSHOT", "ga", "final", "release", "sp", "foo", "Z", ""]
_SEPARATORS = [".", "-", ""]
VERSIONS = ["1", "1.0", "1.0.0", "1-0", "1.1", "1-1", "1-sp", "1-SNAPSHOT", "1-rc1", "1-cr1", "1a1", "1-alpha-1",
            "1.0.0X1", "1-x1", "4.1.1", "4.1", "0.1.0", "2.0.0-rc1", "1.foo", "1-foo", "1..1", "1--1", "-1", ".1", ""]
SPECS = ["[1.0,2.0)", "(,1.0]", "[1.5,)", "(,1.0],[1.2,)", "[1.0]", "1.0", "latest", "[[bad", "[1.0", "(1.0)",
         "[2.0,1.0]", "[1.0,1.0)", "[1.0,2.0],[1.5,3.0]", "[1.0,2.0],3.0", "(,)", "[,]", "[ 1.0 , 2.0 ]",
         "[1.0,2.0)3.0", "[1.0,2.0),", "(1.0,2.0)", "[4.1.1]", "[4.0,5.0)", ")1.0(", "[1.0,2.0,3.0]"]


def _version() -> str:
    parts = [_RANDOM.choice(_PIECES) for _ in range(_RANDOM.randint(1, 4))]
    return "".join(p + _RANDOM.choice(_SEPARATORS) for p in parts[:-1]) + parts[-1]


def _oracle(lines: list[str]) -> list[str]:
    classpath = maven_classpath(HERE / "connect_worker" / "pom.xml", "-Dmdep.includeScope=runtime")
    result = subprocess.run([require_tool("java"), "-cp", classpath, str(HERE / "VersionRangeOracle.java")],
                            input="\n".join(lines) + "\n", capture_output=True, text=True, check=True, timeout=120)
    return result.stdout.split("\n")[: len(lines)]


def test_version_order_as_maven() -> None:
    pool = VERSIONS + [_version() for _ in range(300)]
    pairs = [(a, b) for a in VERSIONS for b in VERSIONS] + [(_RANDOM.choice(pool), _RANDOM.choice(pool))
                                                           for _ in range(3000)]
    answers = _oracle([f"cmp\t{a}\t{b}" for a, b in pairs])
    ours = [str(ArtifactVersion(a).compare(ArtifactVersion(b))) for a, b in pairs]
    differ = [(a, b, mine, theirs) for (a, b), mine, theirs in zip(pairs, ours, answers, strict=True)
              if mine != theirs]
    assert not differ, differ[:20]


def test_ranges_as_maven() -> None:
    probes = VERSIONS + [_version() for _ in range(20)]
    answers = _oracle(["\t".join(["range", spec, *probes]) for spec in SPECS])
    for spec, theirs in zip(SPECS, answers, strict=True):
        try:
            parsed = VersionRange.parse(spec)
        except InvalidVersionSpecification as error:
            mine = f"ERR\t{error}"
        else:
            mine = "\t".join([str(parsed), str(parsed.has_restrictions).lower(),
                              *("1" if parsed.contains(v) else "0" for v in probes)])
        assert mine == theirs, spec

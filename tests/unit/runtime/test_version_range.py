"""Versions and ranges as Maven 3.9.6 reads them (the maven-artifact Kafka 4.1.1's worker ships); the JVM's own
answers are compared in tests/compat/test_version_range_compat.py."""

from __future__ import annotations

import pytest

from connect_core.runtime.version_range import ArtifactVersion, InvalidVersionSpecification, VersionRange, requirement

# Maven's ComparableVersionTest order: each version is smaller than the next
ORDERED = [
    "1-alpha-1", "1-alpha-2", "1-beta-1", "1-milestone-1", "1-rc-1", "1-SNAPSHOT", "1", "1-sp", "1-abc", "1-1",
    "1.1", "1.2", "1.10", "2.0.0-rc1", "2.0.0", "10",
]
EQUAL = [("1", "1.0"), ("1", "1.0.0"), ("1.0", "1-0"), ("1-ga", "1"), ("1-final", "1"), ("1-release", "1"),
         ("1-cr1", "1-rc1"), ("1a1", "1-alpha-1"), ("1b2", "1-beta-2"), ("1m3", "1-milestone-3"), ("1.0.0X1", "1-x1")]


@pytest.mark.parametrize(("smaller", "larger"), list(zip(ORDERED, ORDERED[1:], strict=False)))
def test_versions_order_as_maven_orders_them(smaller: str, larger: str) -> None:
    assert ArtifactVersion(smaller) < ArtifactVersion(larger)
    assert ArtifactVersion(larger) > ArtifactVersion(smaller)


@pytest.mark.parametrize(("left", "right"), EQUAL)
def test_equal_versions(left: str, right: str) -> None:
    assert ArtifactVersion(left) == ArtifactVersion(right)


@pytest.mark.parametrize(("spec", "inside", "outside", "printed"), [
    ("[1.0,2.0)", ["1.0", "1.5", "1.9.9"], ["0.9", "2.0", "2.0.1"], "[1.0,2.0)"),
    ("(,1.0]", ["0.1", "1.0", "1"], ["1.0.1"], "(,1.0]"),
    ("[1.5,)", ["1.5", "9"], ["1.4"], "[1.5,)"),
    ("(,1.0],[1.2,)", ["1.0", "1.2", "3"], ["1.1"], "(,1.0],[1.2,)"),
    ("[1.0]", ["1", "1.0.0"], ["1.0.1"], "[1.0,1.0]"),
])
def test_ranges_contain_and_print_as_maven(spec: str, inside: list[str], outside: list[str], printed: str) -> None:
    parsed = VersionRange.parse(spec)
    assert [parsed.contains(v) for v in inside] == [True] * len(inside)
    assert [parsed.contains(v) for v in outside] == [False] * len(outside)
    assert str(parsed) == printed


@pytest.mark.parametrize(("spec", "message"), [
    ("[[bad", "Unbounded range: [[bad"),
    ("[1.0", "Unbounded range: [1.0"),
    ("(1.0)", "Single version must be surrounded by []: (1.0)"),
    ("[2.0,1.0]", "Range defies version ordering: [2.0,1.0]"),
    ("[1.0,1.0)", "Range defies version ordering: [1.0,1.0)"),
    ("[1.0,2.0],[1.5,3.0]", "Ranges overlap: [1.0,2.0],[1.5,3.0]"),
    ("[1.0,2.0],3.0", "Only fully-qualified sets allowed in multiple set scenario: [1.0,2.0],3.0"),
])
def test_malformed_ranges_raise_mavens_message(spec: str, message: str) -> None:
    with pytest.raises(InvalidVersionSpecification) as raised:
        VersionRange.parse(spec)
    assert str(raised.value) == message


def test_the_requirement_is_kafkas_a_bare_version_is_exact_and_latest_is_none() -> None:
    assert requirement(None) is None
    assert requirement("latest") is None
    exact = requirement(" 4.1 ")
    assert exact is not None
    assert str(exact) == "[4.1,4.1]"
    assert not exact.contains("4.1.1")
    assert exact.contains("4.1.0")
    ranged = requirement("[4.0,5.0)")
    assert ranged is not None
    assert str(ranged) == "[4.0,5.0)"


def test_a_version_number_past_pythons_digit_limit_is_a_config_error_not_a_crash() -> None:
    """A REST body's ``connector.plugin.version`` of 100,000 digits gets a 400 (ConfigError), never a 500."""
    with pytest.raises(InvalidVersionSpecification, match="too long"):
        requirement("1" * 100_000)

"""The client override policies (``runtime/client_overrides.py``) against Kafka 4.3.1's own policy classes
(``OverridePolicyOracle.java``): which client keys each allows, its refusal message, and the allowlist's parse."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from connect_core.api.errors import ConfigError
from connect_core.runtime.client_overrides import OverridePolicy
from tests.compat._oracle import maven_classpath, require_tool

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
KEYS = ["acks", "linger.ms", "sasl.jaas.config", "sasl.mechanism", "security.protocol", "ssl.keystore.location", ""]
POLICIES = [("All", ""), ("None", ""), ("Principal", ""), ("Allowlist", ""), ("Allowlist", "acks,linger.ms"),
            ("Allowlist", " acks , acks,sasl.mechanism "), ("Allowlist", "acks,,linger.ms"), ("Allowlist", "acks,")]
CASES = [(policy, allowlist, key) for policy, allowlist in POLICIES for key in KEYS]


@pytest.fixture(scope="module")
def oracle() -> list[str]:
    """Kafka's answer for every case, in order."""
    java = require_tool("java")
    stdin = "".join(f"{policy}\t{allowlist}\t{key}\n" for policy, allowlist, key in CASES)
    result = subprocess.run([java, "-cp", maven_classpath(HERE / "pom.xml"), str(HERE / "OverridePolicyOracle.java")],
                            input=stdin, capture_output=True, text=True, check=True, timeout=300)
    return result.stdout.splitlines()


def test_policies_allow_and_refuse_as_kafka(oracle: list[str]) -> None:
    assert len(oracle) == len(CASES)
    for (policy, allowlist, key), answer in zip(CASES, oracle, strict=True):
        kind, _, text = answer.partition(" ")
        expected = base64.b64decode(text).decode()
        if kind == "configure":
            with pytest.raises(ConfigError) as err:
                OverridePolicy.of(policy, allowlist)
            assert str(err.value) == expected, (policy, allowlist)
            continue
        ours = OverridePolicy.of(policy, allowlist)
        if kind == "ok":
            assert ours.allows(key), (policy, allowlist, key)
        else:
            assert not ours.allows(key), (policy, allowlist, key)
            assert ours.refusal(key) == expected

"""AllowedHosts: `lambda-connect up` answers local Host names and the configured ones (DNS rebinding defence)."""

from __future__ import annotations

import pytest

from connect_core.local.host_check import AllowedHosts


@pytest.mark.parametrize("host", ["localhost", "localhost:8083", "LOCALHOST.", "127.0.0.1:8083", "127.1.2.3",
                                  "[::1]:8083", "::1", "ui.localhost:8083", None])
def test_local_names_are_answered(host: str | None) -> None:
    assert AllowedHosts.for_server("127.0.0.1").allows(host)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8083", "localhost.evil.example", "10.0.0.5:8083",
                                  "[fe80::1]:8083", "", "127.0.0.1.nip.io"])
def test_other_names_are_refused(host: str) -> None:
    assert not AllowedHosts.for_server("127.0.0.1").allows(host)


def test_the_bind_address_and_extra_names_are_answered() -> None:
    hosts = AllowedHosts.for_server("10.0.0.5", ["connect.internal", "Box:9000"])
    assert hosts.allows("10.0.0.5:8083")
    assert hosts.allows("connect.internal:8083")
    assert hosts.allows("box")
    assert not AllowedHosts.for_server("0.0.0.0").allows("0.0.0.0:8083")  # a wildcard bind names no host
    assert "add names with --allowed-host" in hosts.refusal("evil.example")

"""A JDBC source that cannot log in ends FAILED with the driver's own message, not only "still waiting"."""

from __future__ import annotations

import uuid

import pytest

from connect_core.coordinator.herder import herder as herder_module
from tests.unit.coordinator.conftest import Rest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("service", "driver_message"), [
    ("mariadb_settings", "Access denied for user"),
    ("postgres_settings", "password authentication failed for user"),
])
def test_wrong_password_with_default_retries_fails_with_the_drivers_message(
    service: str, driver_message: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = request.getfixturevalue(service)
    # Default connection.attempts (3) and connection.backoff.ms (10 s) outlast the start timeout: the start is
    # still retrying when the coordinator gives up, as on AWS (30 s function, 15 s start budget).
    monkeypatch.setattr(herder_module, "START_TIMEOUT_S", 2.0)
    name = f"badpw-{uuid.uuid4().hex[:8]}"
    config = {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
              "connection.url": settings["connection.url"], "connection.user": settings["user"],
              "connection.password": "not-the-password", "mode": "bulk", "table.whitelist": "t",
              "topic.prefix": "badpw-"}
    rest = Rest()
    rest.create(name, config)
    connector = rest.call("GET", f"/connectors/{name}/status").body["connector"]
    assert connector["state"] == "FAILED"
    assert f"Connector {name} did not start within 2 s" in connector["trace"]
    assert "Unable to connect to database on attempt 1/3" in connector["trace"]
    assert driver_message in connector["trace"]
    assert "not-the-password" not in connector["trace"]

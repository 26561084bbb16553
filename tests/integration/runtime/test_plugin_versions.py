"""KIP-891 end to end on the real broker: a connector pinned to a plugin version keeps running that version once a
newer one is installed beside it, while a connector without a pin runs the newest (the test kit's coordinator and
source invocations, in one process, as a warm function container keeps them)."""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.testing import EmbeddedConnect
from tests.fixtures.versioned_plugin import install_version

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

STRING = "org.apache.kafka.connect.storage.StringConverter"


def _versions(status: dict[str, object]) -> tuple[object, list[object]]:
    connector, tasks = status["connector"], status["tasks"]
    assert isinstance(connector, dict)
    assert isinstance(tasks, list)
    return connector.get("version"), [task.get("version") for task in tasks]


def test_a_pinned_connector_keeps_its_version_after_a_newer_one_is_installed(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugins = tmp_path / "plugins"
    install_version(plugins, "1.0")
    monkeypatch.setattr(sys, "path", list(sys.path))  # the registry appends the plugin path to it
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGIN_PATH", str(plugins))
    suffix = uuid.uuid4().hex[:8]
    pinned_topic, newest_topic = f"pv-pinned-{suffix}", f"pv-newest-{suffix}"
    base = {"connector.class": "VersionedTickerSource", "value.converter": STRING}
    pinned = {**base, "topic": pinned_topic, "count": "2", "connector.plugin.version": "[1.0,2.0)"}
    with EmbeddedConnect(kafka_bootstrap) as connect:
        connect.create_connector("pinned", pinned)
        connect.run_source("pinned")

        install_version(plugins, "2.0")  # deployed beside it
        connect.create_connector("pinned", {**pinned, "count": "4"})  # new task configs: the task is rebuilt
        connect.run_source("pinned")
        connect.create_connector("newest", {**base, "topic": newest_topic, "count": "2"})
        connect.run_source("newest")

        assert [m.value for m in connect.consume(pinned_topic, 4)] == [b"1.0:0", b"1.0:1", b"1.0:2", b"1.0:3"]
        assert [m.value for m in connect.consume(newest_topic, 2)] == [b"2.0:0", b"2.0:1"]
        assert _versions(connect.status("pinned")) == ("1.0", ["1.0"])
        assert _versions(connect.status("newest")) == ("2.0", ["2.0"])
        plugins_listed = connect.rest("GET", "/connector-plugins")[1]
        assert [p["version"] for p in plugins_listed if p["class"].endswith("VersionedTickerSourceConnector")] == [
            "1.0", "2.0"]

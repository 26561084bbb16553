"""`lambda-connect up --plugins` takes the plugin packages `sam build` puts into the layer: a directory of packages
made by `lambda-connect new connector` (outside the repository) is installed, registered by its entry points, and
its source and sink run as a pair."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.local.cli import main
from tests.e2e.conftest import start_up

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

JSON = {"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}


def test_up_installs_plugin_packages_and_runs_them(kafka_bootstrap: str, tmp_path: Path,
                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    packages = tmp_path_factory.mktemp("packages")
    for name, kind in (("up-ticker", "--source"), ("up-journal", "--sink")):
        assert main(["new", "connector", name, kind, "--directory", str(packages)]) == 0
    run = uuid.uuid4().hex[:8]
    topic, out = f"up-plugins-{run}", tmp_path / "journal.jsonl"
    with start_up(kafka_bootstrap, tmp_path, "--plugins", str(packages)) as up:
        status, plugins = up.http("GET", "/connector-plugins")
        assert status == 200
        assert {(p["class"], p["version"]) for p in plugins} >= {("up_ticker.UpTickerSourceConnector", "0.1.0"),
                                                                ("up_journal.UpJournalSinkConnector", "0.1.0")}
        for name, config in ((f"ticker-{run}", {"connector.class": "UpTickerSource", "topic": topic,
                                                "max.records": "4", **JSON}),
                             (f"journal-{run}", {"connector.class": "UpJournalSink", "topics": topic,
                                                 "file": str(out), **JSON})):
            status, answer = up.http("PUT", f"/connectors/{name}/config", config)
            assert status == 201, answer
        up.wait_for(lambda: out.exists() and len(out.read_text().splitlines()) >= 4, "the journal's lines")
        assert [json.loads(line)["value"]["id"] for line in out.read_text().splitlines()] == [0, 1, 2, 3]
    assert (tmp_path / "up" / "plugins" / "up_ticker").is_dir()  # installed under the run directory

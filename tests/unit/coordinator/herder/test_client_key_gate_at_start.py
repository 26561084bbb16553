"""A connector config stored before the client-key gate existed: the coordinator fails the connector before its
``start`` builds any client (MirrorMaker 2's start builds admin clients from its keys)."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.connectors.file.sink_connector import FileStreamSinkConnector
from connect_core.coordinator.herder.task_configs import generate_task_configs


@pytest.mark.parametrize(("key", "value"), [("consumer.override.ssl.providers", "/tmp/evil.so"),
                                            ("consumer.override.ssl.ca.location", "/etc/passwd")])
def test_a_stored_config_with_a_refused_client_key_never_starts(monkeypatch: pytest.MonkeyPatch, tmp_path: object,
                                                                key: str, value: str) -> None:
    started: list[dict[str, str]] = []
    monkeypatch.setattr(FileStreamSinkConnector, "start", lambda self, props: started.append(props))
    config = {"name": "stored", "connector.class": "FileStreamSink", "topics": "t", "file": f"{tmp_path}/out.txt"}
    with pytest.raises(ConfigError, match=f"for configuration {key.replace('.', '[.]')}: "):
        generate_task_configs("stored", {**config, key: value})
    assert started == []
    assert generate_task_configs("stored", {**config, "consumer.override.max.poll.records": "5"})
    assert len(started) == 1

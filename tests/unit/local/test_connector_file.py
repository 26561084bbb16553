"""Connector files as Kafka's ConnectStandalone reads them: flat JSON, CreateConnectorRequest JSON, properties."""

from __future__ import annotations

from pathlib import Path

import pytest

from connect_core.local.connector_file import read_connector_file

KAFKA_CONFIG = Path(__file__).parents[2] / "e2e" / "kafka_config"


def test_kafka_sample_properties_file() -> None:
    assert read_connector_file(KAFKA_CONFIG / "connect-file-source.properties") == ("local-file-source", {
        "name": "local-file-source", "connector.class": "FileStreamSource", "tasks.max": "1", "file": "test.txt",
        "topic": "connect-test"})


def test_flat_json_map_with_scalars_coerced(tmp_path: Path) -> None:
    path = tmp_path / "c.conf"  # by content, not by name
    path.write_text('{"name": "n", "tasks.max": 2, "errors.log.enable": true}')
    assert read_connector_file(path) == ("n", {"name": "n", "tasks.max": "2", "errors.log.enable": "true"})


def test_create_connector_request_json(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"name": "n", "config": {"connector.class": "FileStreamSink", "topics": "t"}}')
    assert read_connector_file(path) == ("n", {"connector.class": "FileStreamSink", "topics": "t", "name": "n"})


def test_json_name_contradicting_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"name": "n", "config": {"name": "other"}}')
    with pytest.raises(ValueError, match="doesn't match the one specified in 'name'"):
        read_connector_file(path)


@pytest.mark.parametrize("text", ["connector.class=FileStreamSource\n", '{"connector.class": "FileStreamSource"}'])
def test_missing_name_is_refused_with_kafkas_message(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.properties"
    path.write_text(text)
    with pytest.raises(ValueError, match="is missing the mandatory 'name' configuration"):
        read_connector_file(path)

"""The FileStream connectors and ``jdbc:sqlite:`` read and write only under the worker's file roots.

Through the coordinator (validate and create: a 400 naming the key and the roots), the registry (not offered without
roots, as Kafka 3.2+ leaves connect-file off the default plugin path) and the tasks (checked again at start).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.file_roots import FileRoots
from connect_core.api.task import SinkTaskContext, SourceTaskContext
from connect_core.connectors.file.sink_task import FileStreamSinkTask
from connect_core.connectors.file.source_task import FileStreamSourceTask
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from connect_core.runtime import env, registry
from tests.unit.connectors._memory_offsets import MemoryOffsetReader
from tests.unit.coordinator.conftest import Rest

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def rest() -> Rest:
    """The coordinator over in-memory topics, as tests/unit/coordinator uses it."""
    return Rest()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv(env.FILE_ROOTS, str(data))
    return data


def _messages(infos: dict) -> dict[str, list[str]]:
    return {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"] if c["value"]["errors"]}


@pytest.mark.parametrize(("plugin", "extra"), [("FileStreamSource", {"topic": "t"}),
                                                ("FileStreamSink", {"topics": "t"})])
def test_validate_refuses_a_file_outside_the_roots_naming_key_and_roots(
    rest: Rest, root: Path, plugin: str, extra: dict[str, str],
) -> None:
    config = {"connector.class": plugin, "name": "x", "file": "../../home/user/.aws/credentials", **extra}
    answer = rest.call("PUT", f"/connector-plugins/{plugin}/config/validate", config)
    assert answer.status == 200
    outside = os.path.realpath(root / "../../home/user/.aws/credentials")
    assert _messages(answer.body) == {"file": [
        f"Invalid value ../../home/user/.aws/credentials for configuration file: the path resolves to {outside}, "
        f"outside the allowed file roots: {root}"]}

    created = rest.call("POST", "/connectors", {"name": "x", "config": config})
    assert created.status == 400
    assert f"outside the allowed file roots: {root}" in created.body["message"]
    assert rest.call("GET", "/connectors").body == []


def test_a_file_inside_the_roots_is_accepted(rest: Rest, root: Path) -> None:
    rest.create("in", {"connector.class": "FileStreamSource", "file": "in.txt", "topic": "t"})
    rest.create("out", {"connector.class": "FileStreamSink", "file": str(root / "out.txt"), "topics": "t"})


def test_a_symlink_out_of_the_root_is_refused_at_create(rest: Rest, root: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path, root / "up")
    created = rest.call("POST", "/connectors", {"name": "x", "config": {
        "connector.class": "FileStreamSink", "file": "up/bashrc", "topics": "t"}})
    assert created.status == 400
    assert f"resolves to {tmp_path / 'bashrc'}, outside the allowed file roots" in created.body["message"]


def test_without_roots_the_filestream_connectors_are_not_offered(rest: Rest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env.FILE_ROOTS, "")
    classes = {p["class"] for p in rest.call("GET", "/connector-plugins").body}
    assert "org.apache.kafka.connect.file.FileStreamSourceConnector" not in classes
    assert "io.confluent.connect.jdbc.JdbcSourceConnector" in classes
    created = rest.call("POST", "/connectors", {"name": "x", "config": {
        "connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "t"}})
    assert created.status == 400
    assert created.body["message"].startswith("Failed to find any class that implements Connector and which name "
                                                "matches FileStreamSource, available connectors are: ")
    with pytest.raises(ConfigError, match="Class FileStreamSink could not be found"):
        registry.check("connector.class", "FileStreamSink", registry.PluginType.SINK)


def test_sqlite_files_are_confined_and_memory_databases_need_no_root(rest: Rest, root: Path) -> None:
    base = {"connector.class": "JdbcSink", "name": "j", "topics": "t"}
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate",
                       {**base, "connection.url": "jdbc:sqlite:/etc/shadow"}).body
    assert _messages(answer)["connection.url"] == [
        f"Invalid value /etc/shadow for configuration connection.url: the path resolves to /etc/shadow, outside the "
        f"allowed file roots: {root}"]
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate",
                       {**base, "connection.url": "jdbc:sqlite::memory:"}).body
    assert "connection.url" not in _messages(answer)
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate",
                       {**base, "connection.url": "jdbc:sqlite:orders.db"}).body
    assert "connection.url" not in _messages(answer)


def test_tasks_check_the_roots_again_at_start(tmp_path: Path) -> None:
    """A config written before the roots changed (or straight into the topic) fails its task with the reason."""
    roots = FileRoots.of([str(tmp_path / "data")])
    source = FileStreamSourceTask()
    source.initialize(SourceTaskContext({}, MemoryOffsetReader(), file_roots=roots))
    with pytest.raises(ConfigError, match="configuration file: the path resolves to /etc/passwd, outside"):
        source.start({"file": "/etc/passwd", "topic": "t"})
    sink = FileStreamSinkTask()
    sink.initialize(SinkTaskContext({}, file_roots=roots))
    with pytest.raises(ConfigError, match="outside the allowed file roots"):
        sink.start({"file": str(tmp_path / "bashrc"), "topics": "t"})
    assert not (tmp_path / "bashrc").exists()
    jdbc = JdbcSourceTask()
    jdbc.initialize(SourceTaskContext({}, MemoryOffsetReader(), file_roots=roots))
    with pytest.raises(ConfigError, match="configuration connection.url: the path resolves to /tmp/x.db, outside"):
        jdbc.start({"connection.url": "jdbc:sqlite:/tmp/x.db", "mode": "bulk", "topic.prefix": "p",
                    "tables": '"t"', "table.whitelist": "t"})
    uninitialized = FileStreamSinkTask()
    with pytest.raises(ConfigError, match="no file roots are configured"):
        uninitialized.start({"file": str(tmp_path / "data" / "out.txt"), "topics": "t"})

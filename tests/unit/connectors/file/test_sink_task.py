"""FileStreamSinkTask / FileStreamSinkConnector against a real temp file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.record import SinkRecord
from connect_core.api.schema import STRING_SCHEMA
from connect_core.api.task import SinkTaskContext
from connect_core.connectors.file.sink_connector import FileStreamSinkConnector
from connect_core.connectors.file.sink_task import FileStreamSinkTask
from tests.unit.connectors._memory_offsets import TEMP_ROOTS

if TYPE_CHECKING:
    from pathlib import Path


def _record(value: object, offset: int) -> SinkRecord:
    return SinkRecord("t", 0, None, None, STRING_SCHEMA, value, offset)


def test_appends_one_line_per_value_and_flush_makes_it_visible(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("existing\n")
    task = FileStreamSinkTask()
    props = {"file": str(path), "topics": "t"}
    task.initialize(SinkTaskContext(props, file_roots=TEMP_ROOTS))
    task.start(props)
    task.put([_record("a", 0), _record(None, 1), _record(True, 2), _record(b"bytes", 3)])
    task.flush({})
    assert path.read_text() == "existing\na\nnull\ntrue\nbytes\n"
    task.stop()


def test_connector_gives_every_task_the_same_props() -> None:
    connector = FileStreamSinkConnector()
    props = {"file": "/tmp/out", "topics": "a,b"}
    connector.start(props)
    assert connector.task_configs(2) == [props, props]
    assert connector.task_class() is FileStreamSinkTask


def test_doubles_are_written_with_java_double_to_string(tmp_path: Path) -> None:
    # Kafka's PrintStream.println(Object) prints Double.toString; 1e23 once came out as 1.0E22 here.
    path = tmp_path / "out.txt"
    task = FileStreamSinkTask()
    props = {"file": str(path), "topics": "t"}
    task.initialize(SinkTaskContext(props, file_roots=TEMP_ROOTS))
    task.start(props)
    values = [1e23, 5e-324, 1e7, 1e-3, 0.1, {"k": [2.5, 1e-4]}]
    task.put([_record(value, offset) for offset, value in enumerate(values)])
    task.flush({})
    assert path.read_text().splitlines() == ["1.0E23", "4.9E-324", "1.0E7", "0.001", "0.1", "{k=[2.5, 1.0E-4]}"]
    task.stop()


def test_a_redelivered_batch_is_appended_again_as_kafka_does(tmp_path: Path) -> None:
    """README "what is idempotent": FileStream is at-least-once, a retried batch's lines appear twice."""
    path = tmp_path / "out.txt"
    props = {"file": str(path), "topics": "t"}
    for _delivery in range(2):  # the batch, then the same batch again after a failed invocation
        task = FileStreamSinkTask()
        task.initialize(SinkTaskContext(props, file_roots=TEMP_ROOTS))
        task.start(props)
        task.put([_record("a", 0), _record("b", 1)])
        task.flush({})
        task.stop()
    assert path.read_text() == "a\nb\na\nb\n"


def test_values_put_writes_what_put_writes_and_only_for_this_put(tmp_path: Path) -> None:
    """The runtime's values path: ``values_put()`` takes the records' values and writes the lines ``put`` writes
    for records with them; a subclass with a ``put`` of its own offers none (its put may read more)."""
    values: list[object] = ["a", None, True, b"bytes", 1e23, {"k": [2.5, "x"]}, "", "\u00e9\U0001f600"]
    written = {}
    for way in ("put", "values"):
        path = tmp_path / f"{way}.txt"
        task = FileStreamSinkTask()
        props = {"file": str(path), "topics": "t"}
        task.initialize(SinkTaskContext(props, file_roots=TEMP_ROOTS))
        task.start(props)
        put_values = task.values_put()
        assert put_values is not None
        if way == "put":
            task.put([_record(value, offset) for offset, value in enumerate(values)])
            task.put([])
        else:
            put_values(values)
            put_values([])
        task.flush({})
        task.stop()
        written[way] = path.read_bytes()
    assert written["values"] == written["put"]

    class Own(FileStreamSinkTask):
        def put(self, records: list[SinkRecord]) -> None:
            super().put(records[::-1])

    assert Own().values_put() is None


def test_demo_scene_deep_dive_sinks_print_values_as_kafka_does(tmp_path: Path) -> None:
    """confluentinc/demo-scene connect-deepdive: datagen's users through JsonConverter, schemaless and with schemas.
    The expected lines are what Kafka's FileStreamSinkTask prints (HashMap order, Struct.toString), which
    tests/compat/test_java_text_compat.py checks against the JVM for these and many other values."""
    import json

    from connect_core.converters.json import JsonConverter
    from tests.fixtures.published import published

    user = {"registertime": 1493819497170, "userid": "User_1", "regionid": "Region_5", "gender": "MALE"}
    schema = {"type": "struct", "name": "ksql.users", "optional": False, "fields": [
        {"field": "registertime", "type": "int64"}, {"field": "userid", "type": "string"},
        {"field": "regionid", "type": "string"}, {"field": "gender", "type": "string"}]}
    cases = [("demo-scene_connect-deepdive_sink-users-json-noschema-02.json", json.dumps(user),
              "{registertime=1493819497170, gender=MALE, regionid=Region_5, userid=User_1}"),
             ("demo-scene_connect-deepdive_sink-users-json-withschema-01.json",
              json.dumps({"schema": schema, "payload": user}),
              "Struct{registertime=1493819497170,userid=User_1,regionid=Region_5,gender=MALE}")]
    for fixture, message, line in cases:
        path = tmp_path / f"{fixture}.txt"
        config = published(fixture, file=str(path))
        converter = JsonConverter()
        converter.configure({k.removeprefix("value.converter."): v for k, v in config.items()
                             if k.startswith("value.converter.")}, False)
        value_schema, value = converter.to_connect_data(config["topics"], message.encode())
        task = FileStreamSinkTask()
        task.initialize(SinkTaskContext(config, file_roots=TEMP_ROOTS))
        task.start(config)
        task.put([SinkRecord(config["topics"], 0, None, None, value_schema, value, 0)])
        values_put = task.values_put()
        assert values_put is not None
        values_put([value])  # the values path prints the same
        task.flush({})
        task.stop()
        assert path.read_text() == f"{line}\n{line}\n"

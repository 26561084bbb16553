"""DatagenTask: kafka-connect-datagen's offsets, headers, keys and seeds, resumed exactly; the config rules."""

from __future__ import annotations

from typing import Any

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.api.file_roots import FileRoots
from connect_core.connectors.datagen.config import DatagenConfig, schema_text
from connect_core.connectors.datagen.source_connector import DatagenConnector
from connect_core.connectors.datagen.source_task import DatagenTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, drain, start_task

ORDERS = {"kafka.topic": "orders", "quickstart": "orders", "max.interval": "0", "iterations": "25",
          "random.seed": "42"}


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _plain(records: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.key, str(r.value), [(h.key, h.value) for h in r.headers], r.source_offset) for r in records]


def test_quickstart_records_with_key_headers_offsets_and_iterations() -> None:
    reader = MemoryOffsetReader()
    records = drain(start_task(DatagenTask(), {**ORDERS, "task.id": "0"}, reader), reader)

    assert len(records) == 25  # iterations: then nothing more, the task staying up
    first, last = records[0], records[-1]
    assert (first.topic, first.key, first.value.get("orderid"), last.value.get("orderid")) == ("orders", 0, 0, 24)
    assert first.value_schema.name == "ksql.orders"
    assert [(h.key, h.value) for h in last.headers] == [("task.generation", 0), ("task.id", 0),
                                                         ("current.iteration", 24)]
    assert last.source_partition == {"task.id": 0}
    assert {k: last.source_offset[k] for k in ("task.generation", "current.iteration")} == {
        "task.generation": 1, "current.iteration": 25}


def test_a_restarted_task_continues_the_same_stream() -> None:
    whole = drain(start_task(DatagenTask(), {**ORDERS, "task.id": "0"}, MemoryOffsetReader()))
    reader = MemoryOffsetReader()
    first = drain(start_task(DatagenTask(), {**ORDERS, "iterations": "10", "task.id": "0"}, reader), reader)
    rest = drain(start_task(DatagenTask(), {**ORDERS, "task.id": "0"}, reader), reader)

    assert [(r.key, str(r.value)) for r in first + rest] == [(r.key, str(r.value)) for r in whole]
    assert [h.value for r in rest[:1] for h in r.headers] == [1, 0, 10]  # the next generation, iteration 10


def test_tasks_of_one_seed_differ_and_each_is_reproducible() -> None:
    def run(task_id: str, seed: str = "42") -> list[Any]:
        props = {**ORDERS, "random.seed": seed, "task.id": task_id}
        return [str(r.value) for r in drain(start_task(DatagenTask(), props, MemoryOffsetReader()))]

    assert run("0") == run("0")
    assert run("1") == run("1")
    assert run("0") != run("1")
    assert run("0") != run("0", seed="43")


def test_max_interval_paces_records_without_sleeping() -> None:
    clock = _Clock()
    task = start_task(DatagenTask(clock), {**ORDERS, "max.interval": "1000", "iterations": "-1", "task.id": "0"},
                      MemoryOffsetReader())
    counts = []
    for _ in range(20):
        counts.append(len(task.poll() or []))
        clock.now += 1.0

    assert counts[0] == 1  # the first record at once
    assert 25 <= sum(counts) <= 60  # one per 0.5 s on average over 20 s


def test_schema_string_with_key_field_and_null_keys_without() -> None:
    schema = '{"type":"record","name":"r","fields":[{"name":"id","type":{"type":"int","arg.properties":' \
             '{"iteration":{"start":7}}}}]}'
    keyed = start_task(DatagenTask(), {"kafka.topic": "t", "schema.string": schema, "schema.keyfield": "id",
                                       "max.interval": "0", "iterations": "2"}, MemoryOffsetReader())
    plain = start_task(DatagenTask(), {"kafka.topic": "t", "schema.string": schema, "max.interval": "0",
                                       "iterations": "1"}, MemoryOffsetReader())

    assert [(r.key, r.key_schema.type.value) for r in drain(keyed)] == [(7, "int32"), (8, "int32")]
    [record] = drain(plain)
    assert (record.key, record.key_schema.optional, record.key_schema.type.value) == (None, True, "string")


@pytest.mark.parametrize(("props", "message"), [
    ({"quickstart": "orders", "schema.string": "{}"}, "Must set exactly one of schema.string, schema.filename"),
    ({}, "Must set exactly one of"),
    ({"quickstart": "nope"}, "quickstart must be one out of"),
    ({"schema.string": '{"type":"record","name":"r","fields":[]}', "schema.keyfield": "x"},
     "The schema does not contain the field provided in 'schema.keyfield'"),
    ({"schema.string": "{not json"}, "Unable to parse the provided schema"),
])
def test_bad_configs_are_refused(props: dict[str, str], message: str) -> None:
    connector = DatagenConnector()
    with pytest.raises(ConfigError, match=message):
        connector.start({"kafka.topic": "t", **props})
    errors = [e for v in connector.validate({"kafka.topic": "t", **props}) for e in v["errors"]]
    assert any(message.split(":", maxsplit=1)[0] in e for e in errors), errors


def test_schema_files_bundled_by_name_or_under_the_file_roots(tmp_path: Any) -> None:
    own = tmp_path / "s.avro"
    own.write_text('{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}')
    roots = FileRoots.of([str(tmp_path)])

    def text(name: str, file_roots: FileRoots = roots) -> str:
        return schema_text(parse_config(DatagenConfig, {"kafka.topic": "t", "schema.filename": name}), file_roots)

    assert '"name":"orders"' in text("orders_schema.avro").replace(" ", "")  # a class path resource on the JVM
    assert text(str(own)) == own.read_text()
    with pytest.raises(ConfigError, match="schema.filename.*outside the allowed file roots"):
        text(str(own), FileRoots.of(["/nonexistent-root"]))

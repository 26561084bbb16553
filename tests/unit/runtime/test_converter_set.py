"""Which converter a connector gets: its own, else the worker's (a worker file's), else the built-in default."""

from __future__ import annotations

import json

import pytest

from connect_core.converters.json import JsonConverter
from connect_core.converters.string import StringConverter
from connect_core.runtime import env
from connect_core.runtime.converter_set import ConverterSet, with_worker_defaults, worker_converters

STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"
WORKER = {"key.converter": STRING, "value.converter": JSON, "value.converter.schemas.enable": "false"}


def test_a_connector_naming_its_converter_gets_none_of_the_workers_keys_for_it() -> None:
    config = {"value.converter": JSON, "key.converter.encoding": "UTF-16"}
    merged = with_worker_defaults(config, WORKER)
    assert merged["value.converter"] == JSON and "value.converter.schemas.enable" not in merged
    # the key converter is the worker's, with the worker's keys only (Kafka ignores the connector's own)
    assert merged["key.converter"] == STRING and "key.converter.encoding" not in merged


def test_the_workers_converters_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env.WORKER_CONVERTERS, json.dumps(WORKER))
    assert worker_converters() == WORKER
    converters = ConverterSet.from_config({"name": "c"})
    assert isinstance(converters.key, StringConverter) and isinstance(converters.value, JsonConverter)
    # schemas.enable=false from the worker: a plain JSON value, no envelope
    assert converters.value.from_connect_data("t", None, {"a": 1}) == b'{"a":1}'


def test_without_a_worker_file_the_built_in_default_takes_the_connectors_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(env.WORKER_CONVERTERS, raising=False)
    converters = ConverterSet.from_config({"value.converter.schemas.enable": "false"})
    assert converters.value_class == JSON
    assert converters.value.from_connect_data("t", None, {"a": 1}) == b'{"a":1}'


@pytest.mark.parametrize("raw", ["{", "[]", '{"key.converter": 1}'])
def test_a_malformed_variable_is_named(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(env.WORKER_CONVERTERS, raw)
    with pytest.raises(ValueError, match=env.WORKER_CONVERTERS):
        worker_converters()

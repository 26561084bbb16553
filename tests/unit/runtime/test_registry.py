"""The plugin registry as a trust boundary: only registered plugins load, checked against their type first."""

from __future__ import annotations

import sys

import pytest

from connect_core.api.errors import ConfigError, NotFoundError
from connect_core.runtime import registry
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.registry import PluginType
from connect_core.transforms.chain import build_chain

# Each of these was accepted by a REST body on the old main and imported/called.
CALLABLES = ["tempfile:mkdtemp", "tempfile:mkstemp", "os:system", "subprocess:Popen", "builtins:eval", "this:s",
             "connect_core.connectors.file.source_connector:FileStreamSourceConnector"]


@pytest.mark.parametrize("name", CALLABLES)
def test_a_module_attr_string_is_never_imported(name: str) -> None:
    sys.modules.pop("this", None)
    with pytest.raises(NotFoundError):
        registry.load(name)
    assert registry.find("Transformation", name) is None
    with pytest.raises(ConfigError, match=f"Class {name} could not be found"):
        registry.load_as("value.converter", name, PluginType.CONVERTER)
    assert "this" not in sys.modules


def test_kafka_and_confluent_names_and_aliases_load() -> None:
    for name in ("io.confluent.connect.jdbc.JdbcSinkConnector", "JdbcSink", "FileStreamSource",
                 "org.apache.kafka.connect.json.JsonConverter", "StringConverter"):
        assert isinstance(registry.load(name), type)
    assert registry.load_as("header.converter", "JsonConverter", PluginType.HEADER_CONVERTER).__name__ == \
        "JsonConverter"


def test_a_plugin_of_another_type_is_refused_before_it_is_created() -> None:
    with pytest.raises(ConfigError, match="Invalid value FileStreamSink for configuration value.converter: Class "
                                          "org.apache.kafka.connect.file.FileStreamSinkConnector does not implement "
                                          "the Converter interface"):
        registry.check("value.converter", "FileStreamSink", PluginType.CONVERTER)


@pytest.mark.parametrize("key", ["key.converter", "value.converter", "header.converter"])
def test_converter_set_refuses_callables(key: str) -> None:
    with pytest.raises(ConfigError, match=f"Invalid value tempfile:mkdtemp for configuration {key}: Class "
                                          "tempfile:mkdtemp could not be found."):
        ConverterSet.from_config({key: "tempfile:mkdtemp"})


@pytest.mark.parametrize(("props", "message"), [
    ({"transforms": "t", "transforms.t.type": "os:system"}, "Class os:system could not be found."),
    ({"transforms": "t", "transforms.t.type": "JsonConverter"},
     "Class JsonConverter does not implement the Transformation interface"),
    ({"transforms": "t", "transforms.t.type": "Filter", "transforms.t.predicate": "p", "predicates": "p",
      "predicates.p.type": "builtins:eval"}, "Class builtins:eval could not be found."),
])
def test_chain_with_the_runtime_resolver_refuses_callables(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_chain(props, registry.find)


def test_worker_plugins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    target = "tests.unit.coordinator.fakes:SplittingSourceConnector"
    with pytest.raises(NotFoundError):
        registry.describe(target)
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", target)
    desc = registry.describe(target)
    assert (desc.type, desc.aliases) == (PluginType.SOURCE, ("SplittingSourceConnector", "SplittingSource"))
    assert registry.describe("SplittingSource") is desc
    assert desc in registry.plugins((PluginType.SOURCE,))


def test_a_worker_plugin_that_is_no_plugin_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", "tempfile:TemporaryDirectory")
    with pytest.raises(ConfigError, match="is not a connector, converter, transformation or predicate"):
        registry.describe("TemporaryDirectory")


def test_a_worker_converter_that_is_also_a_header_converter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", "connect_core.converters.string:StringConverter")
    target = "connect_core.converters.string:StringConverter"
    assert registry.check("header.converter", target, PluginType.HEADER_CONVERTER).type is PluginType.CONVERTER

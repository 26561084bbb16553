"""KIP-891 in the registry: every installed version of a plugin, the newest inside a ``*.plugin.version`` range, and
each version's own copy of its package (``runtime/plugin_isolation.py``) in one process."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError, NotFoundError
from connect_core.api.record import SourceRecord
from connect_core.api.schema import STRING_SCHEMA
from connect_core.api.version import package_version
from connect_core.runtime import registry
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.registry import PluginType, VersionedPluginLoadingError
from connect_core.runtime.version_range import InvalidVersionSpecification
from connect_core.transforms.chain import build_chain
from tests.fixtures.versioned_plugin import CONVERTER_CLASS, SOURCE_CLASS, TRANSFORM_CLASS, install_version

if TYPE_CHECKING:
    from pathlib import Path

STRING = "org.apache.kafka.connect.storage.StringConverter"


@pytest.fixture
def two_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    plugins = tmp_path / "plugins"
    for version in ("1.0", "2.0"):
        install_version(plugins, version)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the registry appends the plugin path to it
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGIN_PATH", str(plugins))
    return plugins


def _version_of(cls: type) -> str:
    return str(cls().version())


def test_no_version_is_the_newest_and_a_range_the_newest_inside_it(two_versions: Path) -> None:
    assert _version_of(registry.load(SOURCE_CLASS)) == "2.0"
    assert _version_of(registry.load("VersionedTickerSource", "latest")) == "2.0"  # the alias too
    assert _version_of(registry.load(SOURCE_CLASS, "1.0")) == "1.0"
    assert _version_of(registry.load(SOURCE_CLASS, "[1.0,2.0)")) == "1.0"
    assert _version_of(registry.load(SOURCE_CLASS, "[1.0,)")) == "2.0"
    assert registry.available_versions(SOURCE_CLASS) == ["1.0", "2.0"]


def test_each_version_runs_its_own_copy_of_the_package(two_versions: Path) -> None:
    old, new = registry.load(SOURCE_CLASS, "1.0"), registry.load(SOURCE_CLASS, "2.0")
    assert old is not new
    assert old.__module__ != new.__module__
    # the helper module is imported by absolute name inside the package; each copy finds its own
    assert sys.modules[old.__module__].stamped("x") == "1.0:x"
    assert sys.modules[new.__module__].stamped("x") == "2.0:x"
    assert "versioned_ticker" not in sys.modules  # nothing leaked onto the shared names
    assert registry.load(SOURCE_CLASS, "1.0") is old  # imported once


def test_a_range_nothing_satisfies_is_kafkas_error(two_versions: Path) -> None:
    with pytest.raises(VersionedPluginLoadingError) as raised:
        registry.describe("VersionedTickerSource", "[3.0,)")
    assert str(raised.value) == (f"Plugin {SOURCE_CLASS} not found that matches the version range [3.0,), "
                                 "available versions: [1.0, 2.0]")
    assert raised.value.available == ["1.0", "2.0"]
    with pytest.raises(InvalidVersionSpecification, match=r"^Unbounded range: \[1.0$"):
        registry.describe(SOURCE_CLASS, "[1.0")
    with pytest.raises(NotFoundError):
        registry.describe("com.example.Nothing", "1.0")


def test_built_ins_carry_lambda_connects_version_and_a_converter_counts_once_per_kind() -> None:
    version = package_version()
    assert registry.load(STRING, version) is registry.load(STRING)
    with pytest.raises(VersionedPluginLoadingError) as raised:
        registry.load(STRING, "9.0")
    assert str(raised.value) == (f"Plugin {STRING} not found that matches the version range [9.0,9.0], "
                                 f"available versions: [{version}, {version}]")  # converter and header converter


def test_every_version_is_listed_oldest_first(two_versions: Path) -> None:
    listed = [d.info() for d in registry.plugins() if d.class_name.startswith("com.example.ticker.")]
    assert sorted(listed, key=lambda info: info["class"]) == [
        {"class": TRANSFORM_CLASS, "type": "transformation", "version": "1.0"},
        {"class": TRANSFORM_CLASS, "type": "transformation", "version": "2.0"},
        {"class": CONVERTER_CLASS, "type": "converter", "version": "1.0"},
        {"class": CONVERTER_CLASS, "type": "converter", "version": "2.0"},
        {"class": SOURCE_CLASS, "type": "source", "version": "1.0"},
        {"class": SOURCE_CLASS, "type": "source", "version": "2.0"},
    ]


def test_converters_and_transformations_load_the_version_their_key_selects(two_versions: Path) -> None:
    converters = ConverterSet.from_config({"value.converter": CONVERTER_CLASS,
                                           "value.converter.plugin.version": "(,2.0)"})
    assert converters.value.from_connect_data("t", STRING_SCHEMA, "x") == b"1.0:x"
    assert ConverterSet.from_config({"value.converter": CONVERTER_CLASS}).value.from_connect_data(
        "t", STRING_SCHEMA, "x") == b"2.0:x"
    with pytest.raises(VersionedPluginLoadingError, match="version range \\[3.0,3.0\\]"):
        ConverterSet.from_config({"value.converter": CONVERTER_CLASS, "value.converter.plugin.version": "3.0"})

    chain = build_chain({"transforms": "a,b", "transforms.a.type": TRANSFORM_CLASS,
                         "transforms.a.plugin.version": "1.0", "transforms.b.type": TRANSFORM_CLASS}, registry.find)
    record = chain.apply(SourceRecord(None, None, "t", value_schema=STRING_SCHEMA, value="x"))
    assert record is not None
    assert record.value == "2.0:1.0:x"  # a pinned to 1.0, b the newest
    with pytest.raises(ConfigError):
        build_chain({"transforms": "a", "transforms.a.type": TRANSFORM_CLASS, "transforms.a.plugin.version": "[[x"},
                    registry.find)


def test_check_names_the_types_first_then_the_version(two_versions: Path) -> None:
    with pytest.raises(ConfigError, match="does not implement the Converter interface"):
        registry.check("value.converter", SOURCE_CLASS, PluginType.CONVERTER, version="9.0")
    assert registry.check("value.converter", CONVERTER_CLASS, PluginType.CONVERTER, version="1.0").version == "1.0"

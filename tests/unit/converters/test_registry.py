from __future__ import annotations

import importlib

import pytest

from connect_core.api.converter import Converter, HeaderConverter
from connect_core.converters import CONVERTERS, HEADER_CONVERTERS


@pytest.mark.parametrize("java_name", sorted(HEADER_CONVERTERS))
def test_every_registered_class_imports(java_name: str) -> None:
    module, _, cls = HEADER_CONVERTERS[java_name].partition(":")
    klass = getattr(importlib.import_module(module), cls)
    assert issubclass(klass, HeaderConverter)
    if java_name in CONVERTERS:
        assert issubclass(klass, Converter)


def test_kafka_class_names_are_registered() -> None:
    assert "org.apache.kafka.connect.json.JsonConverter" in CONVERTERS
    assert "org.apache.kafka.connect.storage.SimpleHeaderConverter" in HEADER_CONVERTERS


@pytest.mark.parametrize("java_name", sorted(set(CONVERTERS) - set(HEADER_CONVERTERS)))
def test_registry_converters_are_key_value_converters_only(java_name: str) -> None:
    module, _, cls = CONVERTERS[java_name].partition(":")
    klass = getattr(importlib.import_module(module), cls)
    assert issubclass(klass, Converter)
    assert not issubclass(klass, HeaderConverter)

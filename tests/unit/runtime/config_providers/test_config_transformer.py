"""Kafka's ConfigTransformer rules: pattern, one lookup per path, unknown provider or key left as written."""

from __future__ import annotations

from connect_core.runtime.config_providers.config_provider import ConfigData, ConfigProvider
from connect_core.runtime.config_providers.config_transformer import ConfigTransformer


class MapProvider(ConfigProvider):
    def __init__(self, data: dict[str, dict[str, str]]) -> None:
        self.data = data
        self.calls: list[tuple[str, set[str]]] = []

    def get(self, path: str, keys: set[str]) -> ConfigData:
        self.calls.append((path, set(keys)))
        found = self.data.get(path, {})
        return ConfigData({k: found[k] for k in keys if k in found}, ttl_ms=1000 if path else None)


def test_path_and_key_are_substituted_inside_a_larger_value() -> None:
    provider = MapProvider({"/creds": {"user": "alice", "pass": "s3cret"}})
    result = ConfigTransformer({"file": provider}).transform(
        {"connection.url": "jdbc:mysql://h/db?user=${file:/creds:user}&password=${file:/creds:pass}", "x": "1"}
    )
    assert result.data == {"connection.url": "jdbc:mysql://h/db?user=alice&password=s3cret", "x": "1"}
    assert provider.calls == [("/creds", {"user", "pass"})]
    assert result.substituted == {"alice", "s3cret"}
    assert result.ttls == {"/creds": 1000}


def test_placeholder_without_path_uses_the_empty_path() -> None:
    provider = MapProvider({"": {"HOME_DIR": "/home/x"}})
    assert ConfigTransformer({"env": provider}).transform({"a": "${env:HOME_DIR}"}).data == {"a": "/home/x"}


def test_unknown_provider_and_missing_key_are_left_as_written() -> None:
    provider = MapProvider({"p": {"k": "v"}})
    result = ConfigTransformer({"file": provider}).transform(
        {"a": "${vault:p:k}", "b": "${file:p:missing}", "c": "${file:p:k}-${file:p:missing}", "d": None}
    )
    assert result.data == {"a": "${vault:p:k}", "b": "${file:p:missing}", "c": "v-${file:p:missing}", "d": None}


def test_substituted_values_are_not_expanded_again() -> None:
    provider = MapProvider({"": {"a": "${env:b}", "b": "no"}})
    assert ConfigTransformer({"env": provider}).transform({"x": "${env:a}"}).data == {"x": "${env:b}"}


def test_first_colon_after_the_provider_splits_path_from_key() -> None:
    provider = MapProvider({"arn": {"aws:x:y": "found"}})
    assert ConfigTransformer({"sm": provider}).transform({"x": "${sm:arn:aws:x:y}"}).data == {"x": "found"}

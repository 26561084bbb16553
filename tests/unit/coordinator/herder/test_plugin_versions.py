"""KIP-891 over REST, with the messages and error counts the Kafka Connect 4.1.1 worker gives (its answers are
compared directly in tests/compat/connect_worker/test_plugin_versions_compat.py)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.version import package_version
from tests.fixtures.versioned_plugin import CONVERTER_CLASS, SOURCE_CLASS, TRANSFORM_CLASS, install_version
from tests.unit.coordinator.conftest import FILE_SOURCE, Rest

if TYPE_CHECKING:
    from pathlib import Path

FILE_SOURCE_CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector"
STRING = "org.apache.kafka.connect.storage.StringConverter"
INSERT = "org.apache.kafka.connect.transforms.InsertField$Value"
HINT = "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
OURS = package_version()


def _not_found(class_name: str, spec: str, available: str) -> str:
    return f"Plugin {class_name} not found that matches the version range {spec}, available versions: [{available}]"


def _refused(*errors: str) -> str:
    return "\n".join([f"Connector configuration is invalid and contains the following {len(errors)} error(s):",
                      *errors, HINT])


def _put(rest: Rest, extra: dict[str, str]) -> tuple[int, Any]:
    response = rest.call("PUT", "/connectors/pinned/config", {**FILE_SOURCE, **extra})
    return response.status, response.body


def test_a_connector_version_nothing_satisfies_is_refused_naming_it_twice(rest: Rest) -> None:
    error = _not_found(FILE_SOURCE_CLASS, "[9.0,)", OURS)
    assert _put(rest, {"connector.plugin.version": "[9.0,)"}) == (400, {"error_code": 400,
                                                                          "message": _refused(error, error)})
    soft = _not_found(FILE_SOURCE_CLASS, "[9.0,9.0]", OURS)  # a bare version is exact
    assert _put(rest, {"connector.plugin.version": "9.0"})[1]["message"] == _refused(soft, soft)
    assert _put(rest, {"connector.plugin.version": "[[bad"}) == (400, {"error_code": 400,
                                                                         "message": "Unbounded range: [[bad"})
    assert rest.call("GET", "/connectors").body == []


def test_the_installed_version_and_latest_are_accepted_and_the_status_shows_the_version(rest: Rest) -> None:
    assert _put(rest, {"connector.plugin.version": OURS})[0] == 201
    assert rest.call("GET", "/connectors/pinned/status").body["connector"]["version"] == OURS
    assert rest.call("PUT", "/connectors/latest/config", {**FILE_SOURCE, "connector.plugin.version": "latest"}
                     ).status == 201


@pytest.mark.parametrize(("extra", "errors"), [
    ({"value.converter": STRING, "value.converter.plugin.version": "[9.0,)"},
     [_not_found(STRING, "[9.0,)", f"{OURS}, {OURS}")] * 2),
    ({"key.converter": STRING, "key.converter.plugin.version": "[[bad"}, ["Unbounded range: [[bad"]),
    ({"header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
      "header.converter.plugin.version": "9.0"},
     [_not_found("org.apache.kafka.connect.storage.SimpleHeaderConverter", "[9.0,9.0]", OURS)] * 2),
    ({"transforms": "x", "transforms.x.type": INSERT, "transforms.x.static.field": "f",
      "transforms.x.plugin.version": "9.0"}, [_not_found(INSERT, "[9.0,9.0]", OURS)] * 2),
    ({"transforms": "x", "transforms.x.type": INSERT, "transforms.x.static.field": "f",
      "transforms.x.plugin.version": "[[bad"}, ["Unbounded range: [[bad"] * 2),
    ({"transforms": "x", "transforms.x.type": INSERT, "transforms.x.static.field": "f",
      "transforms.x.predicate": "p", "predicates": "p",
      "predicates.p.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
      "predicates.p.pattern": ".*", "predicates.p.plugin.version": "9.0"},
     [_not_found("org.apache.kafka.connect.transforms.predicates.TopicNameMatches", "[9.0,9.0]", OURS)] * 2),
])
def test_converter_transform_and_predicate_versions_are_checked(rest: Rest, extra: dict[str, str],
                                                                errors: list[str]) -> None:
    assert _put(rest, extra) == (400, {"error_code": 400, "message": _refused(*errors)})


def test_a_converter_version_without_its_class_key_is_not_checked_as_the_worker_does(rest: Rest) -> None:
    assert _put(rest, {"value.converter.plugin.version": "[9.0,)"})[0] == 201


def test_validate_reports_the_version_on_both_keys_with_the_installed_versions_recommended(rest: Rest) -> None:
    response = rest.call("PUT", "/connector-plugins/FileStreamSource/config/validate",
                         {**FILE_SOURCE, "name": "v", "connector.plugin.version": "[9.0,)"})
    assert response.status == 200
    values = {c["value"]["name"]: c["value"] for c in response.body["configs"]}
    error = _not_found(FILE_SOURCE_CLASS, "[9.0,)", OURS)
    assert response.body["error_count"] == 2
    assert values["connector.class"]["errors"] == [error]
    assert values["connector.plugin.version"]["errors"] == [error]
    assert values["connector.plugin.version"]["recommended_values"] == [OURS]


def test_plugin_config_takes_a_version(rest: Rest) -> None:
    path = "/connector-plugins/FileStreamSource/config"
    assert rest.call("GET", path, query=f"version={OURS}").status == 200
    assert rest.call("GET", path, query="version=latest").body == rest.call("GET", path).body
    missing = rest.call("GET", path, query="version=9.0")
    assert (missing.status, missing.body["message"]) == (400, _not_found(FILE_SOURCE_CLASS, "[9.0,9.0]", OURS))
    bad = rest.call("GET", path, query="version=%5B%5Bbad")
    assert (bad.status, bad.body["message"]) == (400, "Invalid version specification: [[bad")
    unknown = rest.call("GET", "/connector-plugins/Nope/config", query="version=9.0")
    assert (unknown.status, unknown.body["message"]) == (404, "Unknown plugin Nope.")


def test_every_installed_version_is_listed_and_selectable(rest: Rest, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for version in ("1.0", "1.10", "1.9"):
        install_version(tmp_path / "plugins", version)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the registry appends the plugin path to it
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGIN_PATH", str(tmp_path / "plugins"))
    listed = [p for p in rest.call("GET", "/connector-plugins").body if p["class"] == SOURCE_CLASS]
    assert [p["version"] for p in listed] == ["1.0", "1.9", "1.10"]  # Maven's order, not the strings'
    config = {"connector.class": "VersionedTickerSource", "topic": "t", "count": "1"}
    assert rest.call("PUT", "/connectors/old/config", {**config, "connector.plugin.version": "[1.0,1.9]"}
                     ).status == 201
    assert rest.call("PUT", "/connectors/new/config", config).status == 201
    versions = {name: rest.call("GET", f"/connectors/{name}/status").body["connector"]["version"]
                for name in ("old", "new")}
    assert versions == {"old": "1.9", "new": "1.10"}
    refused = rest.call("PUT", "/connectors/none/config", {**config, "connector.plugin.version": "2.0"})
    assert refused.body["message"] == _refused(*[_not_found(SOURCE_CLASS, "[2.0,2.0]", "1.0, 1.9, 1.10")] * 2)


def test_validate_gives_each_version_key_the_version_it_would_load_and_recommends_every_installed_one(
        rest: Rest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for version in ("1.0", "1.10", "1.9"):
        install_version(tmp_path / "plugins", version)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the registry appends the plugin path to it
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGIN_PATH", str(tmp_path / "plugins"))
    config = {"name": "v", "connector.class": "VersionedTickerSource", "topic": "t", "count": "1",
              "value.converter": CONVERTER_CLASS, "transforms": "s", "transforms.s.type": TRANSFORM_CLASS,
              "transforms.s.plugin.version": "[1.0,1.9]"}
    body = rest.call("PUT", "/connector-plugins/VersionedTickerSource/config/validate", config).body
    seen = {c["definition"]["name"]: (c["definition"]["default_value"], c["value"]["value"],
                                      c["value"]["recommended_values"], c["value"]["visible"])
            for c in body["configs"] if c["definition"]["name"].endswith(".plugin.version")}
    every = ["1.0", "1.9", "1.10"]  # Maven's order
    assert seen == {
        "connector.plugin.version": ("1.10", "1.10", every, True),
        "key.converter.plugin.version": (OURS, OURS, [OURS], True),  # the worker's JsonConverter
        "value.converter.plugin.version": ("1.10", "1.10", every, True),
        "header.converter.plugin.version": (OURS, OURS, [OURS], True),
        "transforms.s.plugin.version": ("1.10", "[1.0,1.9]", every, True),
    }
    assert body["error_count"] == 0
    keys = rest.call("GET", "/connector-plugins/VersionedTickerSource/config", query="version=1.0").body
    assert next(k for k in keys if k["name"] == "connector.plugin.version")["default_value"] == "1.10"

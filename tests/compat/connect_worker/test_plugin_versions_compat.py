"""KIP-891 next to a real Kafka Connect worker (4.3.1): the same version keys, ranges and queries go to the worker and
to our coordinator (the test kit's, over the same broker), and the status codes, error messages and error counts
must match. The built-in plugins' versions differ (the worker's are its release, ours lambda-connect's), so each answer
has its plugin version replaced by ``<V>`` before the comparison.

``DELIBERATE``: once one request has failed on a connector version range, the worker answers the next request with
that range (a create, an update or a validate) with a 500 (a NullPointerException: its cache of connector classes
keeps the failure without the available versions); we answer every such request with the 400 of the first, as
README says.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.version import package_version
from connect_core.testing import EmbeddedConnect
from tests.compat._oracle import KAFKA_VERSION

if TYPE_CHECKING:
    from pathlib import Path

    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
STRING = "org.apache.kafka.connect.storage.StringConverter"
INSERT = "org.apache.kafka.connect.transforms.InsertField$Value"
TOPIC_MATCHES = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
INSERT_KEYS = {"transforms": "x", "transforms.x.type": INSERT, "transforms.x.static.field": "f",
               "transforms.x.static.value": "v"}

CONFIGS: dict[str, dict[str, str]] = {
    "range": {"connector.plugin.version": "[9.0,)"},
    "bare": {"connector.plugin.version": "9.0"},
    "malformed": {"connector.plugin.version": "[[bad"},
    "latest": {"connector.plugin.version": "latest"},
    "value-range": {"value.converter": STRING, "value.converter.plugin.version": "[9.0,)"},
    "value-malformed": {"value.converter": STRING, "value.converter.plugin.version": "[[bad"},
    "value-version-only": {"value.converter.plugin.version": "[9.0,)"},
    "key-bare": {"key.converter": STRING, "key.converter.plugin.version": "9.0"},
    "header-bare": {"header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                    "header.converter.plugin.version": "9.0"},
    "transform-bare": {**INSERT_KEYS, "transforms.x.plugin.version": "9.0"},
    "transform-malformed": {**INSERT_KEYS, "transforms.x.plugin.version": "[[bad"},
    "predicate-bare": {**INSERT_KEYS, "transforms.x.predicate": "p", "predicates": "p",
                       "predicates.p.type": TOPIC_MATCHES, "predicates.p.pattern": ".*",
                       "predicates.p.plugin.version": "9.0"},
    "pinned": {"connector.plugin.version": "<V>", "value.converter": STRING,
               "value.converter.plugin.version": "[0,99)", "transforms": "r",
               "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
               "transforms.r.regex": "(.*)", "transforms.r.replacement": "$1", "transforms.r.plugin.version": "<V>"},
}
PLUGIN_CONFIG_VERSIONS = ["9.0", "[9.0,)", "<V>", "latest", "[[bad", "(,99)", "[1,2)"]  # [1,2): neither 4.x nor 0.x
# sent after "bare" (9.0): the worker answers with a 500, we answer with the 400 of the first time
DELIBERATE = {"both-unloadable": {"connector.plugin.version": "9.0", "value.converter": STRING,
                                  "value.converter.plugin.version": "9.0"}}


def _normalized(body: Any, version: str) -> Any:
    return json.loads(json.dumps(body).replace(version, "<V>"))


def _config(extra: dict[str, str], file: Path, topic: str, version: str) -> dict[str, str]:
    config = {"connector.class": FILE_SOURCE, "file": str(file), "topic": topic, "tasks.max": "1", **extra}
    return {key: value.replace("<V>", version) for key, value in config.items()}


def test_version_keys_are_answered_as_the_worker_answers_them(connect_worker: ConnectWorker, kafka_bootstrap: str,
                                                              tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("a\nb\n")
    topic = f"{connect_worker.prefix}-pv-{uuid.uuid4().hex[:6]}"
    ours_version = package_version()
    problems: list[str] = []
    with EmbeddedConnect(kafka_bootstrap) as connect:
        for label in ("range", "value-range", "transform-bare", "predicate-bare", "value-malformed"):
            validated = []
            for rest, version in ((connect_worker.rest, KAFKA_VERSION), (connect.rest, ours_version)):
                # without "name", and with ranges of their own (8.0, not the PUTs' 9.0): once one request has failed on
                # a connector version, the worker's cache makes the next one with that range fail on a
                # NullPointerException (a 500), as it does when "name" is there
                extra = {key: value.replace("9.0", "8.0") for key, value in CONFIGS[label].items()}
                status, body = rest("PUT", "/connector-plugins/FileStreamSource/config/validate",
                                    _config(extra, source, topic, version))
                assert status == 200, (label, version, body)
                values = {c["value"]["name"]: c["value"] for c in body["configs"]}
                errors = {k: v["errors"] for k, v in values.items() if v["errors"]}
                recommended = values["connector.plugin.version"]["recommended_values"] if label == "range" else None
                validated.append(_normalized((status, body["error_count"], errors, recommended), version))
            if validated[0] != validated[1]:
                problems.append(f"validate {label}: worker {validated[0]}, ours {validated[1]}")
        for label, extra in CONFIGS.items():
            name = f"pv-{label}-{uuid.uuid4().hex[:6]}"
            theirs = connect_worker.rest("PUT", f"/connectors/{name}/config",
                                         _config(extra, source, topic, KAFKA_VERSION))
            ours = connect.rest("PUT", f"/connectors/{name}/config", _config(extra, source, topic, ours_version))
            theirs_seen = (theirs[0], _normalized(theirs[1], KAFKA_VERSION) if theirs[0] >= 400 else None)
            ours_seen = (ours[0], _normalized(ours[1], ours_version) if ours[0] >= 400 else None)
            if theirs_seen != ours_seen:
                problems.append(f"PUT {label}: worker {theirs_seen}, ours {ours_seen}")
        for version in PLUGIN_CONFIG_VERSIONS:
            for plugin in ("FileStreamSource", STRING, "Nope"):
                path = f"/connector-plugins/{plugin}/config?version={version}"
                theirs = connect_worker.rest("GET", path.replace("<V>", KAFKA_VERSION))
                ours = connect.rest("GET", path.replace("<V>", ours_version))
                theirs_seen = (theirs[0], _normalized(theirs[1], KAFKA_VERSION) if theirs[0] >= 400 else None)
                ours_seen = (ours[0], _normalized(ours[1], ours_version) if ours[0] >= 400 else None)
                if theirs_seen != ours_seen:
                    problems.append(f"GET {path}: worker {theirs_seen}, ours {ours_seen}")
        for label, extra in DELIBERATE.items():
            theirs = connect_worker.rest("PUT", f"/connectors/pv-{label}/config", _config(extra, source, topic, ""))
            ours = connect.rest("PUT", f"/connectors/pv-{label}/config", _config(extra, source, topic, ""))
            assert (theirs[0], ours[0]) == (500, 400), (label, theirs, ours)
            assert "not found that matches the version range [9.0,9.0]" in ours[1]["message"]
    assert not problems, "\n".join(problems)


def test_the_status_carries_the_version_in_use(connect_worker: ConnectWorker, kafka_bootstrap: str,
                                               tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("a\nb\n")
    topic = f"{connect_worker.prefix}-pv-status"
    name = f"pv-status-{uuid.uuid4().hex[:6]}"
    extra = {"connector.plugin.version": "<V>", "value.converter": STRING}
    created = connect_worker.rest("PUT", f"/connectors/{name}/config", _config(extra, source, topic, KAFKA_VERSION))
    assert created[0] == 201

    def running() -> Any:
        status, body = connect_worker.rest("GET", f"/connectors/{name}/status")
        return body if status == 200 and body["tasks"] and body["tasks"][0]["state"] == "RUNNING" else None

    theirs = connect_worker.wait_for("the pinned connector RUNNING", running)
    with EmbeddedConnect(kafka_bootstrap) as connect:
        connect.create_connector(name, _config(extra, source, topic + "-ours", package_version()))
        connect.run_source(name)
        ours = connect.status(name)
    for body, version in ((theirs, KAFKA_VERSION), (ours, package_version())):
        assert list(body["connector"]) == ["state", "worker_id", "version"]
        assert body["connector"]["version"] == version
        assert list(body["tasks"][0]) == ["id", "state", "worker_id", "version"]
        assert body["tasks"][0]["version"] == version
    connect_worker.rest("DELETE", f"/connectors/{name}")


HEADER = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
# What each version key's definition and value must be as the worker's: its default (the version it would load),
# its value when left out, its recommended versions and its visibility
DEFAULTS: dict[str, dict[str, str]] = {
    "worker-converters": {},
    "own-converters": {"key.converter": STRING, "value.converter": STRING, "header.converter": HEADER},
    "aliases": {**INSERT_KEYS, "transforms": "x,unknown,untyped", "transforms.unknown.type": "nope.Nope",
                "transforms.x.predicate": "p", "predicates": "p,q", "predicates.p.type": TOPIC_MATCHES,
                "predicates.p.pattern": ".*"},
    "given": {"connector.plugin.version": "<V>", "value.converter": STRING, "value.converter.plugin.version": "<V>",
              **INSERT_KEYS, "transforms.x.plugin.version": "[0,99)"},
    "unknown-converter": {"value.converter": "nope.Converter", "value.converter.plugin.version": "1.0"},
    "unloadable-connector": {"connector.plugin.version": "[7.0,)", "value.converter": STRING},
}


def _version_keys(body: Any, version: str) -> dict[str, Any]:
    return _normalized({c["definition"]["name"]: c for c in body["configs"]
                        if c["definition"]["name"].endswith(".plugin.version")}, version)


def test_version_keys_carry_the_workers_defaults_and_recommended_versions(
        connect_worker: ConnectWorker, kafka_bootstrap: str, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    topic = f"{connect_worker.prefix}-pvd"
    problems: list[str] = []
    with EmbeddedConnect(kafka_bootstrap) as connect:
        for label, extra in DEFAULTS.items():
            seen = []
            for rest, version in ((connect_worker.rest, KAFKA_VERSION), (connect.rest, package_version())):
                status, body = rest("PUT", "/connector-plugins/FileStreamSource/config/validate",
                                    _config(extra, source, topic, version))
                assert status == 200, (label, version, body)
                seen.append(_version_keys(body, version))
            if seen[0] != seen[1]:
                problems += [f"validate {label} {key}: worker {seen[0].get(key)}, ours {seen[1].get(key)}"
                             for key in dict.fromkeys([*seen[0], *seen[1]]) if seen[0].get(key) != seen[1].get(key)]
        for path in ("/connector-plugins/FileStreamSource/config",
                     "/connector-plugins/FileStreamSource/config?version=latest"):
            listed = []
            for rest, version in ((connect_worker.rest, KAFKA_VERSION), (connect.rest, package_version())):
                status, keys = rest("GET", path)
                assert status == 200, (path, keys)
                listed.append(_normalized([key for key in keys if key["name"].endswith(".plugin.version")], version))
            if listed[0] != listed[1]:
                problems.append(f"GET {path}: worker {listed[0]}, ours {listed[1]}")
    assert not problems, "\n".join(problems)

"""Smoke test: the local registry serves Confluent's API (register, look up, fetch by id, latest version)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.integration

_TYPE = "application/vnd.schemaregistry.v1+json"


def _call(method: str, url: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": _TYPE})
    with urllib.request.urlopen(request, timeout=30) as response:  # loopback test server
        return json.load(response)


def test_register_lookup_fetch(schema_registry_url: str) -> None:
    subject = f"smoke-{uuid.uuid4().hex[:8]}-value"
    v1 = {"type": "record", "name": "Smoke", "fields": [{"name": "a", "type": "int"}]}
    v2 = {**v1, "fields": [*v1["fields"], {"name": "b", "type": "string", "default": ""}]}

    first = _call("POST", f"{schema_registry_url}/subjects/{subject}/versions", {"schema": json.dumps(v1)})
    again = _call("POST", f"{schema_registry_url}/subjects/{subject}/versions", {"schema": json.dumps(v1)})
    second = _call("POST", f"{schema_registry_url}/subjects/{subject}/versions", {"schema": json.dumps(v2)})

    assert again["id"] == first["id"] != second["id"]
    fetched = _call("GET", f"{schema_registry_url}/schemas/ids/{first['id']}")
    assert json.loads(fetched["schema"]) == v1
    found = _call("POST", f"{schema_registry_url}/subjects/{subject}", {"schema": json.dumps(v1)})
    assert (found["id"], found["version"]) == (first["id"], 1)
    latest = _call("GET", f"{schema_registry_url}/subjects/{subject}/versions/latest")
    assert (latest["id"], latest["version"]) == (second["id"], 2)


def test_unknown_id_is_a_404_with_confluent_error_code(schema_registry_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        _call("GET", f"{schema_registry_url}/schemas/ids/987654321")
    assert raised.value.code == 404
    assert json.load(raised.value)["error_code"] == 40403

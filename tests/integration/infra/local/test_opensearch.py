"""Smoke test: the local OpenSearch node indexes and searches documents (no auth)."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.integration


def _call(method: str, url: str, body: object | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # loopback test server
        return json.load(response)


def test_index_refresh_search(opensearch_url: str) -> None:
    index = f"smoke-{uuid.uuid4().hex[:8]}"
    _call("PUT", f"{opensearch_url}/{index}/_doc/order-1", {"customer": "ada", "amount": 12})
    _call("PUT", f"{opensearch_url}/{index}/_doc/order-2", {"customer": "bob", "amount": 7})
    _call("POST", f"{opensearch_url}/{index}/_refresh")

    result = _call("POST", f"{opensearch_url}/{index}/_search", {"query": {"match": {"customer": "ada"}}})

    assert [hit["_id"] for hit in result["hits"]["hits"]] == ["order-1"]
    assert result["hits"]["hits"][0]["_source"] == {"customer": "ada", "amount": 12}
    _call("DELETE", f"{opensearch_url}/{index}")


def test_the_node_ignores_disk_watermarks_so_a_full_machine_does_not_block_index_creation(opensearch_url: str) -> None:
    # OpenSearch 2.x blocks creating indices once the disk is 90% used (CI saw "cluster create-index blocked").
    settings = _call("GET", f"{opensearch_url}/_cluster/settings?flat_settings=true")
    assert settings["persistent"].get("cluster.routing.allocation.disk.threshold_enabled") == "false"
    assert "cluster.blocks.create_index" not in settings["persistent"]

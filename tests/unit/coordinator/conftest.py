"""A REST client over in-memory topics: every call builds a fresh coordinator, as every Lambda request may."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.coordinator.herder.deployer import RecordingDeployer
from connect_core.coordinator.rest.http import Request, Response
from tests.unit.coordinator.fakes import MemoryConsumerGroups, make_coordinator
from tests.unit.storage.fakes import Topics

if TYPE_CHECKING:
    from collections.abc import Iterator

FILE_SOURCE = {"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "lines"}
FILE_SINK = {"connector.class": "FileStreamSink", "file": "/tmp/out.txt", "topics": "lines"}


@dataclass
class Rest:
    """Calls the coordinator like curl would, against shared fake topics, deployer and consumer groups."""

    topics: Topics = field(default_factory=Topics)
    deployer: RecordingDeployer = field(default_factory=RecordingDeployer)
    groups: MemoryConsumerGroups = field(default_factory=MemoryConsumerGroups)
    options: dict[str, Any] = field(default_factory=dict)  # more Coordinator keyword arguments

    def call(self, method: str, path: str, body: Any = None, query: str = "",
             headers: dict[str, str | None] | None = None) -> Response:
        """``headers`` are added to Content-Type (JSON) and Host; a None value leaves that header out."""
        raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        merged = {"Content-Type": "application/json", "Host": "localhost:8083", **(headers or {})}
        all_headers = {k: v for k, v in merged.items() if v is not None}
        request = Request.build(method, path, query, all_headers, raw)
        return make_coordinator(self.topics, self.deployer, self.groups, **self.options).handle(request)

    def create(self, name: str, config: dict[str, Any], **extra: Any) -> Response:
        response = self.call("POST", "/connectors", {"name": name, "config": config, **extra})
        assert response.status == 201, response.body
        return response


@pytest.fixture
def rest() -> Rest:
    return Rest()


@pytest.fixture(autouse=True)
def _test_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test connectors are worker plugins (LAMBDA_CONNECT_PLUGINS), the only way a non-built-in class loads;
    no test leaves remembered secrets or cached providers behind."""
    from connect_core.runtime.config_providers.redaction import forget_secrets
    from connect_core.runtime.config_providers.resolver import clear_provider_cache
    from tests.unit.coordinator.fakes import MANAGED_SINK, SPLITTING_SOURCE

    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", f"{SPLITTING_SOURCE},{MANAGED_SINK}")
    yield
    clear_provider_cache()
    forget_secrets()

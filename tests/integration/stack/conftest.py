"""One deployed stack per test session: template.yaml through `sam build` + `sam deploy` onto LocalStack (the same
path as `make stack`), under a unique stack name, destroyed at the end with everything its coordinator created.

The plugin packages of tests/fixtures/plugin_packages.py are built into its layer (`--plugins`), as a team ships its
own connectors (tests/integration/stack/test_plugin_packages.py).

It is deployed on the broker's SASL_SSL listener (`python -m infra.local.stack up <name> --sasl`: SCRAM-SHA-512 over
TLS, login and CA in Secrets Manager), so every stack test runs its functions and mappings through an authenticated
broker, as a real cluster on AWS is reached; the plaintext + VPC mapping is tested in tests/integration/localstack_ext.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from infra.local import stack
from tests.fixtures.plugin_packages import contract_sink_package, guide_packages, versioned_package

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

WAIT_S = 240.0  # generous: LocalStack runs the stack's functions slowly on a loaded machine


@dataclass(frozen=True)
class Deployed:
    """The deployed stack: its name, the coordinator's Function URL and AWS clients on LocalStack."""

    name: str
    coordinator: stack.FunctionUrl

    def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self.coordinator.request(method, path, body)

    def client(self, service: str) -> Any:
        return stack.client(service)

    def function_name(self, connector: str) -> str:
        return f"{self.name}-connector-{connector}"

    def schedules(self, connector: str) -> dict[str, str]:
        """Name -> State of the connector's schedules in the stack's group."""
        scheduler = self.client("scheduler")
        listed = scheduler.list_schedules(GroupName=self.name, NamePrefix=f"{connector}-")["Schedules"]
        return {s["Name"]: scheduler.get_schedule(Name=s["Name"], GroupName=self.name)["State"] for s in listed}

    def mappings(self, connector: str) -> list[dict[str, Any]]:
        return self.client("lambda").list_event_source_mappings(
            FunctionName=self.function_name(connector))["EventSourceMappings"]

    def function_exists(self, connector: str) -> bool:
        names = {f["FunctionName"] for f in self.client("lambda").list_functions()["Functions"]}
        return self.function_name(connector) in names


def wait_for(check: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what}: not after {timeout:.0f}s")


@pytest.fixture(scope="session")
def plugin_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin packages built into the session's stack (tests/fixtures/plugin_packages.py): the contract sink,
    a source and a sink made only as docs/connector-guide.md says, outside the repository, and the versioned source
    at 1.0 (test_upgrade.py deploys 2.0 beside it)."""
    parent = tmp_path_factory.mktemp("plugin-packages")
    contract_sink_package(parent)
    guide_packages(parent)
    versioned_package(parent, "1.0")
    return parent


@pytest.fixture(scope="session")
def deployed(kafka_settings: dict[str, str], aws_settings: dict[str, str], plugin_packages: Path,
             ) -> Iterator[Deployed]:
    name = f"lc-it-{uuid.uuid4().hex[:6]}"
    try:
        outputs = stack.deploy(name, sasl=True, plugins=[plugin_packages])
    except stack.StackError as error:
        stack.destroy(name)
        pytest.fail(str(error), pytrace=False)
    try:
        yield Deployed(name, stack.FunctionUrl(outputs["CoordinatorUrl"]))
    finally:
        stack.destroy(name)

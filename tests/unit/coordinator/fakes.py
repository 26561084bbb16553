"""In-memory fakes for the coordinator's collaborators: topics, consumer groups, and small test connectors.

The stores are the real ``ConfigStore``/``OffsetStore``/``StatusStore`` with their Kafka log swapped for an
in-memory one, so the tests exercise the real record formats and reducers without a broker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field
from connect_core.api.connector import SinkConnector, SourceConnector
from connect_core.api.task import SourceTask
from connect_core.coordinator.cluster.consumer_groups import GroupNotEmptyError
from connect_core.coordinator.cluster.info import StaticClusterInfo
from connect_core.coordinator.herder.deployer import RecordingDeployer
from connect_core.coordinator.rest.service import Coordinator
from tests.unit.storage.fakes import Topics

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

CLUSTER_ID = "test-cluster-id"
WORKER_ID = "coordinator:8083"


@dataclass
class MemoryConsumerGroups:
    """Consumer groups in a dict; ``members`` marks groups that still have consumers."""

    groups: dict[str, dict[tuple[str, int], int]] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)

    def list_offsets(self, group: str) -> dict[tuple[str, int], int]:
        return dict(self.groups.get(group, {}))

    def alter_offsets(self, group: str, offsets: Mapping[tuple[str, int], int]) -> None:
        self._check(group)
        self.groups.setdefault(group, {}).update(offsets)

    def delete_offsets(self, group: str, partitions: Sequence[tuple[str, int]]) -> None:
        self._check(group)
        for tp in partitions:
            self.groups.get(group, {}).pop(tp, None)

    def delete_group(self, group: str) -> None:
        self._check(group)
        self.groups.pop(group, None)

    def has_members(self, group: str) -> bool:
        return group in self.members

    def _check(self, group: str) -> None:
        if group in self.members:
            raise GroupNotEmptyError(f"group {group} has active members")


def make_coordinator(
    topics: Topics | None = None,
    deployer: RecordingDeployer | None = None,
    groups: MemoryConsumerGroups | None = None,
    **options: Any,
) -> Coordinator:
    """A coordinator over in-memory topics (a fresh instance per call: the coordinator is stateless); ``options``:
    more of ``Coordinator``'s keyword arguments (the worker's topic tracking settings)."""
    topics = topics or Topics()
    return Coordinator(
        topics.config_store(), topics.offset_store(), topics.status_store(),
        deployer=deployer or RecordingDeployer(), groups=groups or MemoryConsumerGroups(),
        cluster=StaticClusterInfo(CLUSTER_ID),
        worker_id=WORKER_ID, version="0.1.0", commit="abc123", **options,
    )


# --- test connectors, loaded through "module:Class" connector.class values -----------------------------------


class _Config(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    fail: str | None = config_field(None, alias="fail", description="Fail in start() with this message.")


class NoopTask(SourceTask):
    """A task that is never run by the coordinator."""

    def version(self) -> str:
        return "1.0"

    def start(self, props: dict[str, str]) -> None:
        """Nothing."""

    def poll(self) -> list[Any]:
        return []

    def stop(self) -> None:
        """Nothing."""


DECOMMISSIONED: list[dict[str, str]] = []  # the props of every decommission call, in order


class SplittingSourceConnector(SourceConnector):
    """One task per ``tasks.max`` (or the number in ``tasks.generate`` to break the limit); may fail on demand."""

    config_model: ClassVar[type[BaseModel]] = _Config

    def __init__(self) -> None:
        self.props: dict[str, str] = {}

    def version(self) -> str:
        return "1.0"

    def start(self, props: dict[str, str]) -> None:
        if props.get("fail"):
            raise RuntimeError(props["fail"])
        if props.get("require.resolved") and "${" in props.get("file", ""):  # a password used to log in, say
            raise RuntimeError("started with an unresolved placeholder")
        if props.get("hang.s"):  # a database that accepts TCP and never answers
            time.sleep(float(props["hang.s"]))
        self.props = props

    def task_class(self) -> type[NoopTask]:
        return NoopTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        count = int(self.props.get("tasks.generate", max_tasks))
        return [{"task.index": str(i), "file": self.props.get("file", "")} for i in range(count)]

    def stop(self) -> None:
        """Nothing."""

    def decommission(self, props: dict[str, str]) -> None:
        """Recorded in ``DECOMMISSIONED``; ``decommission.fail`` raises, ``decommission.hang.s`` sleeps first."""
        if props.get("decommission.hang.s"):
            time.sleep(float(props["decommission.hang.s"]))
        DECOMMISSIONED.append(dict(props))
        if props.get("decommission.fail"):
            raise RuntimeError(props["decommission.fail"])


class ManagedOffsetsSinkConnector(SinkConnector):
    """A sink whose ``alter_offsets`` hook says it handled the offsets itself."""

    config_model: ClassVar[type[BaseModel]] = _Config

    def version(self) -> str:
        return "1.0"

    def start(self, props: dict[str, str]) -> None:
        """Nothing."""

    def task_class(self) -> type[NoopTask]:
        return NoopTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [{} for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing."""

    def alter_offsets(self, config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        return True


SPLITTING_SOURCE = f"{__name__}:SplittingSourceConnector"
MANAGED_SINK = f"{__name__}:ManagedOffsetsSinkConnector"

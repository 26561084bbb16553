"""The ``Deployer`` seam: what the coordinator asks of the platform after it has written the config topic.

The config topic is the truth; a deployer only makes the platform match it (AWS: one schedule per source task, a
Kafka event source mapping per sink connector; locally: timers and pollers). Every call carries the full desired
state, so a deployer can be idempotent and a retried request converges.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from connect_core.storage.config_state import TargetState

__all__ = ["Deployer", "DeployerCall", "RecordingDeployer", "check_deployable", "deployed_connectors", "hold_trigger",
           "missing_resources", "start_tasks"]

log = logging.getLogger(__name__)


class Deployer(Protocol):
    """Applies connector state to the platform that runs the task functions."""

    def apply(
        self,
        connector_name: str,
        connector_config: Mapping[str, str | None],
        task_count: int,
        target_state: TargetState,
    ) -> None:
        """Make the connector run ``task_count`` tasks in ``target_state`` (create, update, pause, resume, stop)."""

    def remove(self, connector_name: str) -> None:
        """Tear down everything deployed for the connector."""

    def restart(self, connector_name: str, task_id: int | None) -> None:
        """Restart one task, or the connector's deployment when ``task_id`` is None."""


def check_deployable(deployer: object, connector_config: Mapping[str, str | None]) -> None:
    """Ask the deployer whether it can run the config at all (optional ``check``, raising ``ConfigError``).

    Called before anything is written, so a config the platform cannot run (a multi-topic sink on AWS) is a 400
    instead of a stored config with a RUNNING status that never runs.
    """
    check = getattr(deployer, "check", None)
    if check is not None:
        check(connector_config)


def hold_trigger(deployer: object, connector_name: str) -> None:
    """Ask the deployer to stop invoking a sink whose breaker is open (optional ``hold``; idempotent).

    The next ``apply`` with target state STARTED (a restart, resume or config update) undoes it. A deployer without
    ``hold`` (``lambda-connect up``'s: its runtime reads the hold from the runs topic itself) is not asked.
    """
    hold = getattr(deployer, "hold", None)
    if hold is not None:
        hold(connector_name)


def start_tasks(deployer: object, connector_name: str, connector_config: Mapping[str, str | None],
                task_count: int) -> None:
    """Ask the deployer to invoke each task once now (optional ``start``; ``runtime/task_start.py``), so an idle task
    reports RUNNING, or FAILED with its cause, within seconds instead of at its first record or schedule.

    Called after create, config update, resume and restart. A deployer without ``start`` (``lambda-connect up``'s:
    its runtime starts what it (re)starts itself) is not asked. A start that fails is logged and never fails the
    request: the task then starts at its first record or heartbeat, as before.
    """
    start = getattr(deployer, "start", None)
    if start is None or task_count <= 0:
        return
    try:
        start(connector_name, connector_config, task_count)
    except Exception:
        log.warning("could not start the tasks of connector %s; they start at their first invocation", connector_name,
                    exc_info=True)


def deployed_connectors(deployer: object, known: Iterable[str]) -> set[str] | None:
    """The connectors that have resources on the platform (optional ``connectors``, the reconciler's inventory).

    None when the deployer keeps no inventory (``lambda-connect up``'s: its runtime reconciles from the config topic
    itself), and then no reconcile pass runs.
    """
    connectors = getattr(deployer, "connectors", None)
    return None if connectors is None else set(connectors(known))


def missing_resources(deployer: object, connector_name: str, connector_config: Mapping[str, str | None],
                      task_count: int) -> dict[int, str]:
    """What each task of the connector needs and does not have (optional ``missing``; empty when it cannot tell)."""
    missing = getattr(deployer, "missing", None)
    return {} if missing is None else dict(missing(connector_name, connector_config, task_count))


@dataclass(frozen=True)
class DeployerCall:
    """One call a ``RecordingDeployer`` received."""

    action: str
    connector: str
    config: dict[str, str | None] | None = None
    task_count: int | None = None
    target_state: TargetState | None = None
    task_id: int | None = None


@dataclass
class RecordingDeployer:
    """An in-memory deployer for tests: records every call and the last applied state per connector."""

    calls: list[DeployerCall] = field(default_factory=list)
    deployed: dict[str, DeployerCall] = field(default_factory=dict)

    def apply(
        self,
        connector_name: str,
        connector_config: Mapping[str, str | None],
        task_count: int,
        target_state: TargetState,
    ) -> None:
        """Record the desired state."""
        call = DeployerCall("apply", connector_name, dict(connector_config), task_count, target_state)
        self.calls.append(call)
        self.deployed[connector_name] = call

    def remove(self, connector_name: str) -> None:
        """Record the removal."""
        self.calls.append(DeployerCall("remove", connector_name))
        self.deployed.pop(connector_name, None)

    def restart(self, connector_name: str, task_id: int | None) -> None:
        """Record the restart."""
        self.calls.append(DeployerCall("restart", connector_name, task_id=task_id))

    def start(self, connector_name: str, connector_config: Mapping[str, str | None], task_count: int) -> None:
        """Record the start of the connector's tasks."""
        self.calls.append(DeployerCall("start", connector_name, dict(connector_config), task_count))

    def hold(self, connector_name: str) -> None:
        """Record the hold of a poisoned sink's trigger."""
        self.calls.append(DeployerCall("hold", connector_name))

    def actions(self, connector_name: str) -> list[str]:
        """The actions received for one connector, in order (handy in assertions)."""
        return [c.action for c in self.calls if c.connector == connector_name]

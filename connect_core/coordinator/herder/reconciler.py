"""The reconcile loop: make the platform match the config topic, for one connector or for all of them.

Desired state is the config topic (connector configs, target states, task configs); actual state is what the
deployer finds on the platform (AWS: the stack's schedules, functions and event source mappings). Converging one
connector is the deployer's ``apply`` (it lists, diffs and changes only the difference) or, for a connector the
config topic no longer names, its ``remove``. A pass converges every connector, then removes orphans: connectors
the deployer's inventory (``connectors``) finds that the config topic does not name.

It runs after every REST write (for that connector: the herder calls ``converge``) and on the coordinator's
heartbeat, every minute (``pass_``), so a write whose deploy failed or whose coordinator was killed half-way is
completed within a minute. A failed deploy does not fail the REST write (the config topic is already written, as in
Kafka, where tasks start asynchronously): instead each task whose resource is missing is UNASSIGNED with a trace
naming the resource and the last error, until a pass converges it.

Two coordinators at once (a REST write during the heartbeat's pass) converge to the same desired state, because
every step is idempotent and re-reads the platform: a duplicate created by a race (a second mapping) is deleted by
the next converge, and an orphan is removed only after the config topic is read again. A pass stops taking new
connectors after ``PASS_DEADLINE_S`` (well inside the heartbeat's minute and the function's 30 s), so passes never
overlap each other; it starts at a connector that moves every minute, so a fleet too large for one pass is covered
over several.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connect_core.coordinator.herder.deployer import deployed_connectors, missing_resources
from connect_core.storage.config_state import TargetState
from connect_core.storage.status_state import State, TaskStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.coordinator.herder.deployer import Deployer
    from connect_core.storage.config_store import ConfigStore
    from connect_core.storage.status_store import StatusStore

__all__ = ["NOT_DEPLOYED", "PASS_DEADLINE_S", "ReconcilePass", "Reconciler"]

log = logging.getLogger(__name__)

NOT_DEPLOYED = "lambda-connect: not deployed yet"
PASS_DEADLINE_S = 20.0


@dataclass
class ReconcilePass:
    """What one pass did: connectors converged, failed (with the error), orphans removed, deferred to later."""

    converged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Counts and the failures, for the heartbeat's answer and log."""
        return {"converged": len(self.converged), "failed": dict(self.failed), "removed": list(self.removed),
                "deferred": len(self.deferred), "seconds": round(self.seconds, 3)}


class Reconciler:
    """Converges connectors through the deployer and reports the tasks of those that did not converge."""

    def __init__(self, configs: ConfigStore, statuses: StatusStore, deployer: Deployer, worker_id: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Read the desired state from ``configs``; write not-converged task statuses as ``worker_id``."""
        self.configs = configs
        self.statuses = statuses
        self.deployer = deployer
        self.worker_id = worker_id
        self.clock = clock

    def converge(self, name: str, *, fresh_statuses: bool = False) -> str | None:
        """Make the platform match the config topic's state of ``name`` (as last read); the error, None when done.

        ``fresh_statuses``: the status topic was just read (a pass reads it once for all connectors).
        """
        config = self.configs.connector_config(name)
        if config is None:
            try:
                self.deployer.remove(name)
            except Exception as error:  # the next pass finds it among the orphans
                log.warning("could not remove the resources of %s; the next reconcile pass retries", name,
                            exc_info=True)
                return _describe(error)
            return None
        target = self.configs.target_state(name) or TargetState.STARTED
        count = len(self.configs.task_configs(name))
        try:
            self.deployer.apply(name, config, count, target)
        except Exception as error:
            log.warning("could not deploy %s; the next reconcile pass retries", name, exc_info=True)
            self._report_missing(name, config, count, target, error)
            return _describe(error)
        self._clear_missing(name, fresh_statuses)
        return None

    def pass_(self, deadline_s: float = PASS_DEADLINE_S) -> ReconcilePass | None:
        """Converge every connector, then remove orphans; None when the deployer keeps no inventory."""
        started = self.clock()
        self.configs.refresh()
        desired = self.configs.connectors()
        try:
            found = deployed_connectors(self.deployer, desired)
        except Exception as error:
            log.warning("could not list the deployed resources", exc_info=True)
            return ReconcilePass(failed={"": _describe(error)}, deferred=list(desired),
                                 seconds=self.clock() - started)
        if found is None:
            return None
        result = ReconcilePass()
        self.statuses.refresh()
        first = int(time.time() // 60) % len(desired) if desired else 0
        for name in desired[first:] + desired[:first]:
            if self.clock() - started > deadline_s:
                result.deferred.append(name)
                continue
            failure = self.converge(name, fresh_statuses=True)
            if failure is None:
                result.converged.append(name)
            else:
                result.failed[name] = failure
        orphans = found - set(desired)
        if orphans:
            self.configs.refresh()  # a connector created since the first read is not an orphan
            for name in sorted(orphans):
                if self.configs.connector_config(name) is not None:
                    continue
                failure = self.converge(name)
                if failure is None:
                    result.removed.append(name)
                else:
                    result.failed[name] = failure
        result.seconds = self.clock() - started
        if result.failed or result.removed:
            log.warning("reconcile pass: %s", result.summary())
        return result

    # --- status ----------------------------------------------------------------------------------------------

    def _report_missing(self, name: str, config: dict[str, str | None], count: int, target: TargetState,
                        error: Exception) -> None:
        """Each STARTED task whose resource is missing: UNASSIGNED, its trace naming the resource and the error."""
        if target is not TargetState.STARTED or count == 0:
            return
        try:
            missing = missing_resources(self.deployer, name, config, count)
        except Exception as check_error:
            missing = dict.fromkeys(range(count), f"its resources (they could not be listed: "
                                                  f"{_describe(check_error)})")
        if not missing:
            return
        try:
            self.statuses.refresh()
            generation = self.configs.state.task_config_generation(name) or 0
            statuses = []
            for task, resource in sorted(missing.items()):
                current = self.statuses.task_status(name, task)
                if current is not None and current.state is State.FAILED:
                    continue  # the task's own failure says more
                trace = (f"{NOT_DEPLOYED}: {resource} is missing. The last attempt to create it failed: "
                         f"{_describe(error)}. The coordinator's reconcile pass retries every minute and after "
                         f"every REST write.")
                statuses.append(TaskStatus(name, task, State.UNASSIGNED, self.worker_id, generation, trace))
            if statuses:
                self.statuses.put_task_statuses(statuses)
        except Exception:
            log.warning("could not report the tasks of %s as not deployed", name, exc_info=True)

    def _clear_missing(self, name: str, fresh: bool) -> None:
        """Converged: tasks still reported as not deployed are plainly UNASSIGNED until their function reports."""
        try:
            if not fresh:
                self.statuses.refresh()
            stale = [s for s in self.statuses.task_statuses(name)
                     if s.state is State.UNASSIGNED and (s.trace or "").startswith(NOT_DEPLOYED)]
            if stale:
                self.statuses.put_task_statuses([TaskStatus(s.connector, s.task, State.UNASSIGNED, self.worker_id,
                                                            s.generation) for s in stale])
        except Exception:
            log.warning("could not clear the not-deployed statuses of %s", name, exc_info=True)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"

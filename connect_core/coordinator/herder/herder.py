"""``Herder``: connector lifecycle over the internal topics (Kafka ``DistributedHerder`` as the leader runs it).

Every call starts by catching up on the config topic, so any coordinator instance answers from the same truth.
Writes follow Kafka's sequences (config, then task configs + commit; stop = empty task set, then STOPPED), then
the coordinator records statuses where Kafka's herder would and asks the ``Deployer`` to apply the result.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, Protocol

from connect_core.api.errors import AlreadyExistsError, ConfigError, ConnectError, NotFoundError
from connect_core.coordinator.herder.decommission import decommission
from connect_core.coordinator.herder.deployer import check_deployable, start_tasks
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.coordinator.herder.plugins import (
    CONNECTOR_CLASS_CONFIG,
    CONNECTOR_VERSION_CONFIG,
    SINK,
    connector_class,
    connector_type,
    connector_version,
    new_connector,
)
from connect_core.coordinator.herder.reconciler import Reconciler
from connect_core.coordinator.herder.statuses import StatusReporter, connector_state_info, task_state
from connect_core.runtime.sink_group import sink_group_id
from connect_core.storage.config_state import TargetState
from connect_core.storage.status_state import State

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from connect_core.coordinator.cluster.consumer_groups import ConsumerGroups
    from connect_core.coordinator.herder.deployer import Deployer
    from connect_core.storage.config_store import ConfigStore
    from connect_core.storage.status_state import TaskStatus
    from connect_core.storage.status_store import StatusStore

__all__ = ["Herder"]

log = logging.getLogger(__name__)

Config = dict[str, str | None]
# The coordinator answers within its function timeout (30 s on AWS): a connector whose start() (table discovery on a
# database that never answers) takes longer is FAILED with this message, and the request still completes.
START_TIMEOUT_S = 15.0


class ConnectorStartTimeoutError(ConnectError):
    """``connector.start`` + ``task_configs`` did not finish within ``START_TIMEOUT_S``."""


class _LastProblem(logging.Handler):
    """Keeps the last WARNING (or worse) one thread logged: why a start that retries is still waiting."""

    def __init__(self, thread_name: str) -> None:
        super().__init__(logging.WARNING)
        self.thread_name = thread_name
        self.record: logging.LogRecord | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.threadName == self.thread_name:
            self.record = record

    def describe(self) -> str:
        """`` Last problem it reported: <message>`` or nothing."""
        if self.record is None:
            return ""
        try:
            message = self.record.getMessage()
        except Exception:  # a malformed log call must not hide the timeout itself
            message = str(self.record.msg)
        return f" Last problem it reported: {message}"


def _bounded_task_configs(name: str, config: Config, timeout_s: float) -> list[dict[str, str]]:
    """``generate_task_configs`` off the request thread, bounded: a slow system never holds the REST API.

    A start still retrying when time runs out (a wrong password with ``connection.attempts`` left) fails with the
    last warning it logged, so the FAILED trace carries the driver's own message, not only "still waiting".
    """
    # lazy, as validation and redaction below: config providers and the framework's config models load with the
    # first write, not at a cold start (``GET /connectors``)
    from connect_core.coordinator.herder.task_configs import generate_task_configs

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["configs"] = generate_task_configs(name, config)
        except BaseException as error:  # handed to the request thread below
            outcome["error"] = error

    worker = threading.Thread(target=run, name=f"connector-start-{name}", daemon=True)
    problems = _LastProblem(worker.name)
    root = logging.getLogger()
    root.addHandler(problems)
    try:
        worker.start()
        worker.join(timeout_s)
    finally:
        root.removeHandler(problems)
    if worker.is_alive():
        raise ConnectorStartTimeoutError(
            f"Connector {name} did not start within {timeout_s:g} s: its start() or task_configs() is still "
            "waiting (e.g. on a database or service that does not answer). Fix the config or the system it "
            f"connects to, then restart it (POST /connectors/{name}/restart).{problems.describe()}"
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["configs"]


# A pause or stop answers once the tasks have stopped (a worker's PUT /stop then DELETE /offsets finds no member left),
# but within the coordinator's function timeout: past this, the statuses are written with a trace saying what is left.
STOP_WAIT_S = 10.0
STOP_POLL_S = 0.2

# When each connector was last checked by ``reconfigure_due`` (monotonic seconds), kept across the invocations of a
# warm coordinator; a cold one checks every connector once at its first heartbeat.
_RECONFIGURED_AT: dict[str, float] = {}
RECONFIGURE_BUDGET_S = 12.0


def _reconfiguration_interval_ms(config: Config) -> int | None:
    """The connector plugin's ``reconfiguration_interval_ms`` for this config; None when it has none or the config
    does not parse (that connector's start reports why)."""
    try:
        cls = connector_class(str(config.get(CONNECTOR_CLASS_CONFIG)), config.get(CONNECTOR_VERSION_CONFIG))
        return new_connector(cls).reconfiguration_interval_ms({k: v for k, v in config.items() if v is not None})
    except Exception:
        return None


_CONNECTOR_STATE = {TargetState.STARTED: State.RUNNING, TargetState.PAUSED: State.PAUSED,
                    TargetState.STOPPED: State.STOPPED}


class EffectiveStatuses(Protocol):
    """The health hook that turns stored task statuses into what the REST API shows (``health/overview.py``);
    ``refresh=False`` when the caller has just caught up (``Herder.refresh_effective``)."""

    def __call__(self, name: str, tasks: list[TaskStatus], *, refresh: bool = True) -> list[TaskStatus]:
        """The statuses to show."""
        ...


def _as_reported(name: str, tasks: list[TaskStatus], *, refresh: bool = True) -> list[TaskStatus]:
    return tasks


class Herder:
    """Create, update, pause, resume, stop, restart and delete connectors; answer their info and status."""

    def __init__(self, configs: ConfigStore, statuses: StatusStore, deployer: Deployer, worker_id: str,
                 groups: ConsumerGroups | None = None) -> None:
        """Work over the given stores; ``worker_id`` is what status records name as the reporter; ``groups``: where a
        pause or stop sees a mapping's sink task stop (its group's members leave)."""
        self.configs = configs
        self.statuses = statuses
        self.deployer = deployer
        self.groups = groups
        self.report = StatusReporter(statuses, worker_id, self._generation)
        self.reconciler = Reconciler(configs, statuses, deployer, worker_id)
        # Operations hooks (coordinator/health): honest task statuses, and what a manual restart also resets.
        self.effective: EffectiveStatuses = _as_reported
        self.refresh_effective: Callable[[], None] = lambda: None  # catches up what ``effective`` reads
        self.on_restart: Callable[[str, list[int]], None] = lambda _name, _tasks: None
        # Called once a new connector's config is written, before it is deployed (a source's first offsets snapshot).
        self.on_create: Callable[[str], None] = lambda _name: None
        # Called after a delete whose decommission says the offsets' resume point is gone (a dropped slot).
        self.on_resume_point_gone: Callable[[str], None] = lambda _name: None

    def _generation(self, connector: str) -> int:
        return self.configs.state.task_config_generation(connector) or 0

    # --- reads -------------------------------------------------------------------------------------------

    def connectors(self) -> list[str]:
        """Every connector name, sorted."""
        self.configs.refresh()
        return self.configs.connectors()

    def _config(self, name: str, message: str | None = None) -> Config:
        config = self.configs.connector_config(name)
        if config is None:
            raise NotFoundError(message or f"Connector {name} not found")
        return config

    def connector_config(self, name: str) -> Config:
        """The raw connector config."""
        self.configs.refresh()
        return self._config(name)

    def connector_info(self, name: str) -> dict[str, Any]:
        """Kafka ``ConnectorInfo``."""
        self.configs.refresh()
        return self._info(name, self._config(name))

    def connector_infos(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``GET /connectors?expand=info``: after one catch-up of the config topic; vanished connectors left out."""
        self.configs.refresh()
        out: dict[str, dict[str, Any]] = {}
        for name in names:
            config = self.configs.connector_config(name)
            if config is not None:
                out[name] = self._info(name, config)
        return out

    def _info(self, name: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        tasks = [{"connector": name, "task": i} for i in range(len(self.configs.task_configs(name)))]
        return {"name": name, "config": dict(config), "tasks": tasks, "type": connector_type(config)}

    def task_infos(self, name: str) -> list[dict[str, Any]]:
        """Kafka ``TaskInfo`` for every committed task config."""
        self.configs.refresh()
        self._config(name)
        return [{"id": {"connector": name, "task": i}, "config": config}
                for i, config in enumerate(self.configs.task_configs(name))]

    def connector_status(self, name: str) -> dict[str, Any]:
        """Kafka ``ConnectorStateInfo``; 404 when the connector has no status record."""
        self.statuses.refresh()
        self.configs.refresh()
        return self._status(name, refresh=True)

    def connector_statuses(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``GET /connectors?expand=status``: each named connector's ``ConnectorStateInfo`` after ONE catch-up of
        each topic (one per connector made a fleet's request cost a broker round trip per topic and connector);
        connectors without a status record are left out."""
        self.statuses.refresh()
        self.configs.refresh()
        self.refresh_effective()
        out: dict[str, dict[str, Any]] = {}
        for name in names:
            try:
                out[name] = self._status(name, refresh=False)
            except NotFoundError:
                continue
        return out

    def _status(self, name: str, *, refresh: bool) -> dict[str, Any]:
        status = self.statuses.connector_status(name)
        if status is None:
            raise NotFoundError(f"No status found for connector {name}")
        config = self.configs.connector_config(name)
        tasks = self.effective(name, self.statuses.task_statuses(name), refresh=refresh)
        return connector_state_info(name, status, tasks, connector_type(config))

    def task_status(self, name: str, task: int) -> dict[str, Any]:
        """Kafka ``ConnectorStateInfo.TaskState``."""
        self.statuses.refresh()
        status = self.statuses.task_status(name, task)
        if status is None:
            raise NotFoundError(f"No status found for task {name}-{task}")
        self.configs.refresh()
        return task_state(self.effective(name, [status])[0])

    def active_topics(self, name: str) -> list[str]:
        """KIP-558: the topics the connector's tasks recorded in the status topic, by name (no existence check)."""
        self.statuses.refresh()
        return [status.topic for status in self.statuses.topics(name)]

    def reset_active_topics(self, name: str) -> None:
        """Tombstone every active-topic record of the connector (Kafka ``resetConnectorActiveTopics``)."""
        self.statuses.refresh()
        for status in self.statuses.topics(name):
            self.statuses.delete_topic_status(name, status.topic)

    # --- create / update / delete ------------------------------------------------------------------------

    def put_connector_config(
        self, name: str, config: Config, *, allow_replace: bool, initial_state: TargetState | None = None
    ) -> tuple[bool, dict[str, Any]]:
        """Validate and write a connector config, split its tasks and deploy it.

        Returns:
            ``(created, ConnectorInfo)``; as in Kafka the info lists the tasks known *before* this write.
        """
        from connect_core.coordinator.herder.validation import ensure_valid, log_ignored_keys

        infos = ensure_valid(config)
        try:
            check_deployable(self.deployer, config)
        except ConfigError as error:
            raise BadRequestError(str(error)) from error
        self.configs.refresh()
        exists = self.configs.state.contains(name)
        if exists and not allow_replace:
            raise AlreadyExistsError(f"Connector {name} already exists")
        info = self._info(name, config)
        self.configs.put_connector_config(name, config, None if exists else initial_state)
        log_ignored_keys(name, infos)  # once per deploy, not at every task start
        if not exists:
            self.on_create(name)
        self._start_connector(name)
        return not exists, info

    def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> dict[str, Any]:
        """Merge ``patch`` into the stored config (a null value removes the key), then update as a PUT does."""
        self.configs.refresh()
        merged = self._config(name)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return self.put_connector_config(name, merged, allow_replace=True)[1]

    def delete_connector(self, name: str) -> None:
        """Tombstone the config and target state, forget the statuses, undeploy."""
        self.configs.refresh()
        config = self._config(name)
        self.statuses.refresh()
        tasks = [status.task for status in self.statuses.task_statuses(name)]
        self.configs.remove_connector(name)
        self.report.tasks(name, tasks, State.DESTROYED)
        self.report.connector(name, State.DESTROYED)
        self.reconciler.converge(name)  # removes: the config is gone
        if decommission(name, config, deleted=True):  # once no trigger invokes its tasks any more
            self.on_resume_point_gone(name)

    # --- target states -------------------------------------------------------------------------------------

    def pause(self, name: str) -> None:
        """Target state PAUSED; the tasks keep their configs."""
        self.configs.refresh()
        self._config(name, f"Unknown connector {name}")
        self.configs.put_target_state(name, TargetState.PAUSED)
        self._start_connector(name)

    def resume(self, name: str) -> None:
        """Target state STARTED, from PAUSED or STOPPED; tasks are regenerated if they changed."""
        self.configs.refresh()
        self._config(name, f"Unknown connector {name}")
        self.configs.put_target_state(name, TargetState.STARTED)
        self.on_restart(name, list(range(self.configs.task_count(name))))  # before the deploy re-enables triggers
        self._start_connector(name)

    def stop(self, name: str) -> None:
        """An empty task set first, then STOPPED (a STOPPED connector must never keep tasks)."""
        self.configs.refresh()
        self._config(name, f"Unknown connector {name}")
        self.configs.put_task_configs(name, [])
        self.configs.put_target_state(name, TargetState.STOPPED)
        self._start_connector(name)
        decommission(name, self._config(name))  # once no trigger invokes its tasks any more

    # --- the connector instance ------------------------------------------------------------------------------

    def _start_connector(self, name: str, *, start: bool = True) -> None:
        """Run the connector for its target state, record the statuses, and deploy (Kafka ``startConnector``); when
        STARTED, ``start`` the tasks too (a restart starts them after the deployer's restart instead)."""
        config = self._config(name)
        target = self.configs.target_state(name) or TargetState.STARTED
        self.statuses.refresh()
        current = {s.task: s for s in self.statuses.task_statuses(name)}
        if target is TargetState.STARTED:
            try:
                task_configs = _bounded_task_configs(name, config, START_TIMEOUT_S)
            except Exception as error:  # any connector failure is reported as FAILED, like Kafka
                from connect_core.runtime.config_providers.redaction import redact

                log.warning("Connector %s failed to start", name, exc_info=True)
                self.report.connector(name, State.FAILED, redact("".join(traceback.format_exception(error))))
                self.reconciler.converge(name)
                return
            self._write_task_configs(name, task_configs, current)
            resumed = [t for t, s in current.items() if s.state is State.PAUSED and t < len(task_configs)]
            self.report.tasks(name, resumed, State.RUNNING)
            self.report.connector(name, _CONNECTOR_STATE[target], version=connector_version(config))
            self.reconciler.converge(name)
            if start:
                self._start_tasks(name)
            return
        # PAUSED or STOPPED: the triggers go first, and the statuses say so once the tasks have stopped
        self.reconciler.converge(name)
        left = self._await_stopped(name, config)
        self.statuses.refresh()
        current = {s.task: s for s in self.statuses.task_statuses(name)}
        if target is TargetState.PAUSED:
            self.report.tasks(name, [t for t, s in current.items() if s.state is not State.FAILED], State.PAUSED)
        else:
            self.report.tasks(name, list(current), State.DESTROYED)
        self.report.connector(name, _CONNECTOR_STATE[target], left, connector_version(config))

    def _await_stopped(self, name: str, config: Config) -> str | None:
        """Wait (at most ``STOP_WAIT_S``) until the connector's tasks have stopped; None when they have, else a trace.

        A sink behind an event source mapping has stopped when its pollers have left ``connect-<name>`` (the trigger
        disabled); then ``DELETE``/``PATCH /offsets`` find the group empty, as after a worker's stop. Pull-mode and
        source tasks are read their target state at every invocation and hold no group membership.
        """
        if self.groups is None or connector_type(config) != SINK:
            return None
        from connect_core.runtime.trigger_config import pulls  # lazy: pydantic models, not needed at a cold start

        if pulls(config):
            return None
        group = sink_group_id(name, config)
        ends = time.monotonic() + STOP_WAIT_S
        while True:
            try:
                if not self.groups.has_members(group):
                    return None
            except Exception as error:  # the statuses are written anyway; the offsets API checks the group itself
                log.warning("could not tell whether group %s has members: %s", group, error)
                return f"lambda-connect: could not tell whether the sink's consumer group {group} is empty: {error}"
            if time.monotonic() >= ends:
                return (f"lambda-connect: the sink's Kafka trigger still had consumers in group {group} "
                        f"{STOP_WAIT_S:g} s after the request; its offsets can be changed once they have left")
            time.sleep(STOP_POLL_S)

    def _start_tasks(self, name: str) -> None:
        """Invoke a STARTED connector's tasks once (``Deployer.start``), as a worker starts assigned tasks: each reports
        RUNNING, or FAILED with its cause, within seconds, with or without data."""
        config = self.configs.connector_config(name)
        if config is None or (self.configs.target_state(name) or TargetState.STARTED) is not TargetState.STARTED:
            return
        start_tasks(self.deployer, name, config, self.configs.task_count(name))

    def _write_task_configs(self, name: str, task_configs: list[dict[str, str]], current: Mapping[int, Any]) -> None:
        """Write task configs + commit only when they changed; running tasks stay RUNNING (``still_running``), the
        others are UNASSIGNED until they report."""
        existing = self.configs.task_configs(name)
        if existing == task_configs and self.configs.task_count(name) == len(task_configs):
            return
        self.configs.put_task_configs(name, task_configs)
        running = [s for t, s in current.items() if t < len(task_configs) and s.state is State.RUNNING]
        self.report.still_running(running)
        kept = {s.task for s in running}
        self.report.tasks(name, [t for t in range(len(task_configs)) if t not in kept], State.UNASSIGNED)
        self.report.tasks(name, [t for t in current if t >= len(task_configs)], State.DESTROYED)

    # --- task reconfiguration ----------------------------------------------------------------------------------

    def reconfigure_due(self, now_s: float | None = None, budget_s: float = RECONFIGURE_BUDGET_S) -> list[str]:
        """Run again every STARTED connector whose plugin asks for it (``reconfiguration_interval_ms``: the JDBC
        source's ``table.poll.interval.ms``) and is due, and write and deploy its task configs only if they changed
        (Kafka ``DistributedHerder.reconfigureConnector`` after ``requestTaskReconfiguration``); the names changed.

        Called by the coordinator's heartbeat, so the effective interval is at least the heartbeat's. A connector
        that fails here keeps its tasks and is tried again when next due: a table listing that fails once must
        not stop a running connector (Confluent's monitor thread logs and retries too).
        """
        now = time.monotonic() if now_s is None else now_s
        ends = time.monotonic() + budget_s
        self.configs.refresh()
        changed = []
        for name in self.configs.connectors():
            if time.monotonic() >= ends:
                break  # the rest are due at the next heartbeat; the coordinator must answer within its timeout
            config = self._config(name)
            interval = _reconfiguration_interval_ms(config)
            if interval is None or (self.configs.target_state(name) or TargetState.STARTED) is not TargetState.STARTED:
                continue
            checked = _RECONFIGURED_AT.get(name)
            if checked is not None and now - checked < interval / 1000:
                continue
            _RECONFIGURED_AT[name] = now
            self.statuses.refresh()
            status = self.statuses.connector_status(name)
            if status is None or status.state is not State.RUNNING:
                continue  # a FAILED connector waits for a restart or a new config, as in Kafka
            try:
                task_configs = _bounded_task_configs(name, config, min(START_TIMEOUT_S, max(ends - time.monotonic(),
                                                                                            1.0)))
            except Exception:
                log.warning("Reconfiguring connector %s failed; its tasks keep their configs", name, exc_info=True)
                continue
            if task_configs == self.configs.task_configs(name):
                continue
            log.info("Connector %s: task configs changed (%d task(s)); writing and deploying them", name,
                     len(task_configs))
            self._write_task_configs(name, task_configs, {s.task: s for s in self.statuses.task_statuses(name)})
            self.reconciler.converge(name)
            self._start_tasks(name)
            changed.append(name)
        return changed

    # --- restarts ----------------------------------------------------------------------------------------------

    def restart_connector(self, name: str) -> None:
        """Restart the connector instance only (the legacy 204 restart)."""
        self.configs.refresh()
        config = self._config(name, f"Unknown connector: {name}")
        if connector_type(config) == SINK:
            # A sink's connector and task are one function: restarting it lifts a poison-batch hold (README).
            self.on_restart(name, list(range(self.configs.task_count(name))))
        self._start_connector(name, start=False)
        self.deployer.restart(name, None)
        self._start_tasks(name)

    def restart_connector_and_tasks(self, name: str, *, only_failed: bool, include_tasks: bool) -> dict[str, Any]:
        """KIP-745: write the restart request, answer the plan with RESTARTING states, then carry it out."""
        self.configs.refresh()
        config = self._config(name, f"Unknown connector: {name}")
        self.configs.put_restart_request(name, only_failed=only_failed, include_tasks=include_tasks)
        self.statuses.refresh()
        status = self.statuses.connector_status(name)
        if status is None:
            raise NotFoundError(f"Status for connector {name} not found")
        tasks = self.statuses.task_statuses(name)
        restart_connector = not only_failed or status.state is State.FAILED
        restart_tasks = [t for t in tasks if include_tasks and (not only_failed or t.state is State.FAILED)]
        plan = connector_state_info(
            name, status, tasks, connector_type(config),
            connector_state=State.RESTARTING if restart_connector else None,
            task_states={t.task: State.RESTARTING for t in restart_tasks},
        )
        self.on_restart(name, [task.task for task in restart_tasks])  # before the deploy re-enables triggers
        if restart_connector:
            self.report.connector(name, State.RESTARTING)
            self._start_connector(name, start=False)
            self.deployer.restart(name, None)
        elif restart_tasks:
            self._redeploy(name)
        self.report.restarting(restart_tasks)
        for task in restart_tasks:
            self.deployer.restart(name, task.task)
        if restart_connector or restart_tasks:
            self._start_tasks(name)
        return plan

    def restart_task(self, name: str, task: int) -> None:
        """Restart one task; its function reports RUNNING (or FAILED) when it next runs."""
        self.configs.refresh()
        self._config(name, f"Unknown connector: {name}")
        if self.configs.state.task_config(name, task) is None or task >= self.configs.task_count(name):
            raise NotFoundError(f"Unknown task: {name}-{task}")
        # Warm containers keep a started task: a restart request (the config topic has no per-task record) moves
        # every task's epoch, so each restarts from its committed offsets at its next invocation, on AWS too.
        self.configs.put_restart_request(name, only_failed=False, include_tasks=True)
        self.on_restart(name, [task])
        self._redeploy(name)
        self.deployer.restart(name, task)
        self._start_tasks(name)

    def _redeploy(self, name: str) -> None:
        """Apply the connector's current state again: a restarted sink's disabled trigger (poison batch) is
        enabled, and replays its kept batch."""
        self._config(name)
        self.reconciler.converge(name)

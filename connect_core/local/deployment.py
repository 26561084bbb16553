"""The local stand-in for deployed AWS resources: schedules and Kafka triggers reconciled from the config topic.

Like a Connect worker, it reads ``connect-configs`` and acts on what it finds: a STARTED source connector gets a
schedule per task, a STARTED sink connector gets a Kafka trigger (one topic, one task; with idle ticks when its
connector declares an interval, ``runtime/idle_tick.py``) or, as deployed, a
schedule per pull-mode task (``runtime/sink_pull.py``, run by the source_task function); a PAUSED, STOPPED or
deleted connector gets none, and a changed config restarts what it owns. A sink whose trigger the coordinator's
heartbeat held (breaker open on a poison batch, recorded in the runs topic: ``coordinator/health/poison_batch.py``)
gets none either, as AWS disables its mapping; its failed batch stays uncommitted and is replayed when a restart
lifts the hold. The coordinator never talks to it, so the same coordinator code serves AWS and the local runtime.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import NotFoundError
from connect_core.local.function_host import FunctionHost
from connect_core.local.kafka_trigger import KafkaTrigger
from connect_core.local.source_schedule import SourceSchedule
from connect_core.runtime import env, registry
from connect_core.runtime.idle_tick import idle_tick_interval_ms
from connect_core.runtime.restart_policy import trigger_held
from connect_core.runtime.sink_group import sink_group_id
from connect_core.runtime.trigger_config import KafkaTriggerConfig, SourceScheduleConfig, pulls
from connect_core.storage.config_state import TargetState
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.run_store import RunStore

if TYPE_CHECKING:
    from pathlib import Path

    from connect_core.runtime.worker import WorkerSettings

__all__ = ["LocalDeployment", "log_file_name"]

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]|^\.")
SOURCE_FUNCTION_TIMEOUT_S = 30.0


def log_file_name(label: str) -> str:
    """A file name for a function's log: a connector name may hold ``/``, ``..`` or anything Kafka accepts."""
    safe = _UNSAFE.sub("_", label)[:100]
    if safe != label:
        safe += "-" + hashlib.sha256(label.encode()).hexdigest()[:8]  # distinct names stay distinct
    return safe + ".log"


class LocalDeployment:
    """Keeps one SourceSchedule per running source task and one KafkaTrigger per running sink connector."""

    def __init__(self, worker: WorkerSettings, function_env: dict[str, str], log_dir: Path) -> None:
        """``function_env`` is what every emulated function gets (bootstrap servers, topic names...)."""
        self.worker = worker
        self.function_env = function_env
        self.log_dir = log_dir
        self.store = ConfigStore(worker.kafka, worker.storage)
        self.runs = RunStore(worker.kafka, worker.storage)
        self.running: dict[tuple[str, ...], tuple[str, Any]] = {}

    def reconcile(self) -> None:
        """One pass: compare what the config topic asks for with what runs, and converge."""
        self.store.refresh()
        try:
            self.runs.refresh()
        except Exception:  # the runs topic is advisory: without it nothing is held
            log.warning("could not read the runs topic", exc_info=True)
        desired = self._desired()
        for key in list(self.running):
            if key not in desired or desired[key][0] != self.running[key][0]:
                log.info("stopping %s", "/".join(key))
                self.running.pop(key)[1].stop()
        for key, (fingerprint, start) in desired.items():
            if key not in self.running:
                log.info("starting %s", "/".join(key))
                try:  # nothing one connector does may stop another from starting
                    self.running[key] = (fingerprint, start())
                except Exception:
                    log.exception("connector %s: starting %s failed; retrying on the next pass", key[1], key[0])

    def _desired(self) -> dict[tuple[str, ...], tuple[str, Any]]:
        desired: dict[tuple[str, ...], tuple[str, Any]] = {}
        for name in self.store.connectors():
            try:
                desired.update(self._desired_for(name))
            except Exception:  # one connector's bad config must not stop the others
                log.exception("connector %s: cannot be scheduled", name)
        return desired

    def _desired_for(self, name: str) -> dict[tuple[str, ...], tuple[str, Any]]:
        desired: dict[tuple[str, ...], tuple[str, Any]] = {}
        config = {k: v for k, v in (self.store.connector_config(name) or {}).items() if v is not None}
        state = self.store.target_state(name) or TargetState.STARTED
        tasks = self.store.task_configs(name)
        if not config or state is not TargetState.STARTED or not tasks:
            return desired
        try:
            kind = registry.describe(config.get("connector.class", "")).type.value
        except NotFoundError:
            log.warning("connector %s: unknown class %s", name, config.get("connector.class"))
            return desired
        # A new task-config commit (stop + resume, with offsets altered in between) or a restart request
        # restarts the trigger, so a sink's consumer re-reads its group's committed offsets, as Kafka restarts
        # tasks.
        fingerprint = json.dumps([config, tasks, self.store.state.task_epoch(name)], sort_keys=True)
        if kind == "source":
            heartbeat = SourceScheduleConfig.parse(config).heartbeat_ms()
            for task in range(len(tasks)):
                desired[("source", name, str(task))] = (fingerprint, self._source_starter(name, task, heartbeat))
        elif kind == "sink" and pulls(config):  # a pull-mode task per task config, run like a source task
            heartbeat = SourceScheduleConfig.parse(config).heartbeat_ms()
            for task in range(len(tasks)):
                desired[("sink", name, str(task))] = (fingerprint,
                                                       self._source_starter(name, task, heartbeat, kind="sink"))
        elif kind == "sink" and self._held(name):
            log.debug("connector %s: Kafka trigger held (poison batch); restart the connector to replay", name)
        elif kind == "sink":
            desired[("sink", name)] = (fingerprint, self._sink_starter(name, config))
        return desired

    def _held(self, name: str) -> bool:
        run = self.runs.state.run(name, 0)
        return run is not None and trigger_held(run.restart, self.store.state.task_epoch(name))

    def _host(self, function: str, label: str, extra_env: dict[str, str] | None = None) -> FunctionHost:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = (self.log_dir / log_file_name(label)).open("ab")
        return FunctionHost(function, {**self.function_env, **(extra_env or {})}, log=log_file)

    def _source_starter(self, name: str, task: int, heartbeat_ms: int, kind: str = "source") -> Any:
        def start() -> SourceSchedule:
            host = self._host("source_task", f"{kind}-{name}-{task}")
            return SourceSchedule(name, task, heartbeat_ms, host, SOURCE_FUNCTION_TIMEOUT_S, kind=kind).start()

        return start

    def _sink_starter(self, name: str, config: dict[str, str]) -> Any:
        def start() -> KafkaTrigger:
            topics = [t.strip() for t in config.get("topics", "").split(",") if t.strip()]
            subscription = topics or ["^" + config.get("topics.regex", "")]
            host = self._host("sink_task", f"sink-{name}", {env.CONNECTOR_NAME: name})
            return KafkaTrigger(
                name, subscription, sink_group_id(name, config), KafkaTriggerConfig.parse(config), host,
                settings=self.worker.kafka, idle_tick_ms=idle_tick_interval_ms(config),  # the schedule beside it
            ).start()

        return start

    def close(self) -> None:
        """Stop everything and the config reader."""
        for key in list(self.running):
            self.running.pop(key)[1].stop()
        self.store.close()
        self.runs.close()

"""``AwsDeployer``: the coordinator's ``Deployer`` on AWS (EventBridge Scheduler + Lambda), chosen by the factory
when ``LAMBDA_CONNECT_DEPLOYER=aws``.

Every call converges: it lists what exists for the connector, diffs it against the desired state and changes only
the difference, so a retried or repeated request is a no-op and a half-applied one is completed.

- source connector: one schedule per task (``aws_schedules``). STARTED enables, PAUSED disables; STOPPED disables
  the existing schedules (Kafka empties a stopped connector's task set, so nothing is created or deleted then).
- sink connector of one topic and one task: a function + Kafka event source mapping (``aws_sink_functions``); PAUSED
  and STOPPED disable the mapping (function, mapping and consumer group offsets stay), STARTED enables it. When its
  connector declares an idle-tick interval (``runtime/idle_tick.py``) a schedule ``<connector>-idle`` beside the
  mapping invokes the same function with no records at that interval, enabled and disabled with the mapping.
- any other sink (topic list, ``topics.regex``, ``tasks.max`` > 1; ``trigger_config.pulls``): one schedule per task
  as for a source, whose Input says ``"kind": "sink"`` (``runtime/sink_pull.py``), states as for a source.
- ``hold`` disables a sink's mapping when its circuit breaker is open (the coordinator's heartbeat asks, see
  ``coordinator/health/poison_batch.py``): the failed batch stays uncommitted, and the next ``apply`` with STARTED
  (restart, resume, config update) enables the mapping again, which replays it from the committed offsets.
- ``start`` invokes each task once, asynchronously, after create, config update, resume and restart
  (``runtime/task_start.py``), so an idle task reports RUNNING or FAILED within seconds.
- ``remove`` deletes all of it; ``restart`` is a no-op for schedules (every invocation starts from the config and
  offset topics) and a configuration touch for a sink function, which makes Lambda start fresh environments.
- ``connectors`` and ``missing`` are the reconciler's inventory (``coordinator/herder/reconciler.py``): which
  connectors have resources in this stack (orphans are those the config topic no longer names), and which resources
  of a connector are missing (named in its tasks' status while it has not converged).

Under the fault suite (``LAMBDA_CONNECT_FAULT=aws.<operation>.before|after``) every AWS call passes a fault point.

boto3 is imported on first use only. Needed variables: see ``AwsDeployerSettings.from_env``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connect_core.api.config import config_error
from connect_core.api.errors import ConfigError
from connect_core.coordinator.aws.fault_client import FaultClient
from connect_core.coordinator.aws.names import idle_schedule_name, schedule_name
from connect_core.coordinator.aws.schedules import DISABLED, ENABLED, ScheduleSettings, SourceSchedules
from connect_core.coordinator.aws.sink_functions import (
    STACK_TAG,
    SinkFunctions,
    SinkFunctionSettings,
    poller_group_name,
    single_topic,
)
from connect_core.runtime import env, fault_points, registry
from connect_core.runtime.idle_tick import idle_tick_interval_ms
from connect_core.runtime.source_event import SINK, SOURCE
from connect_core.runtime.task_start import SINK_START_EVENT, source_start_event
from connect_core.runtime.trigger_config import MEMORY_SIZE_KEY, KafkaTriggerConfig, pulls
from connect_core.storage.config_state import TargetState

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = ["AwsDeployer", "AwsDeployerSettings"]

log = logging.getLogger(__name__)

DEFAULT_SCHEDULE_GROUP = "default"
DEFAULT_FUNCTION_PREFIX = "lambda-connect-sink-"
START_WAIT_S = 5  # a sink function created by this request may still be Pending: its start waits this long at most


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class AwsDeployerSettings:
    """What the stack tells the deployer (all from ``LAMBDA_CONNECT_*`` variables set by template.yaml)."""

    schedules: ScheduleSettings
    sinks: SinkFunctionSettings

    @classmethod
    def from_env(cls) -> AwsDeployerSettings:
        """Required: SOURCE_FUNCTION_ARN, SCHEDULER_ROLE_ARN, SINK_FUNCTION_NAME; the rest have defaults."""
        missing = [name for name in (env.SOURCE_FUNCTION_ARN, env.SCHEDULER_ROLE_ARN, env.SINK_FUNCTION_NAME)
                   if not env.resolve(name, "")]
        if missing:
            raise ConfigError(f"The AWS deployer needs the environment variables {', '.join(missing)}")
        return cls(
            ScheduleSettings(
                group=env.resolve(env.SCHEDULE_GROUP, DEFAULT_SCHEDULE_GROUP),
                source_function_arn=env.resolve(env.SOURCE_FUNCTION_ARN, ""),
                role_arn=env.resolve(env.SCHEDULER_ROLE_ARN, ""),
            ),
            SinkFunctionSettings(
                template_function=env.resolve(env.SINK_FUNCTION_NAME, ""),
                function_prefix=env.resolve(env.FUNCTION_PREFIX, DEFAULT_FUNCTION_PREFIX),
                role_arn=env.resolve(env.SINK_ROLE_ARN, "") or None,
                msk_cluster_arn=env.resolve(env.MSK_CLUSTER_ARN, "") or None,
                bootstrap_servers=_csv(env.resolve(env.BOOTSTRAP_SERVERS, "")),
                auth_mode=env.resolve(env.KAFKA_AUTH, env.DEFAULT_KAFKA_AUTH),
                auth_secret_arn=env.resolve(env.KAFKA_SECRET_ARN, "") or None,
                server_root_ca_secret_arn=env.resolve(env.KAFKA_SERVER_ROOT_CA_SECRET_ARN, "") or None,
                vpc_subnets=_csv(env.resolve(env.KAFKA_VPC_SUBNETS, "")),
                vpc_security_groups=_csv(env.resolve(env.KAFKA_VPC_SECURITY_GROUPS, "")),
                tags={STACK_TAG: stack} if (stack := env.resolve(env.STACK_NAME, "")) else {},
                poller_group=poller_group_name(env.resolve(env.SINK_POLLER_GROUP, ""), stack),
            ),
        )


class AwsDeployer:
    """Schedules for source tasks, functions + event source mappings for sink connectors."""

    def __init__(
        self,
        settings: AwsDeployerSettings | None = None,
        *,
        scheduler: Any = None,
        lambda_client: Any = None,
        fetch_code: Callable[[str], bytes] | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> None:
        """Clients are created on first use unless given (tests pass moto or LocalStack clients); ``on_step`` is
        called at every control-plane fault point (default: the fault suite's, when it arms a step)."""
        self.settings = settings or AwsDeployerSettings.from_env()
        self._on_step = on_step or (fault_points.reached if fault_points.armed() else None)
        self._scheduler = self._faulty(scheduler)
        self._lambda = self._faulty(lambda_client)
        self._fetch_code = fetch_code
        self._schedules: SourceSchedules | None = None
        self._sinks: SinkFunctions | None = None
        self.last_actions: list[str] = []

    @property
    def schedules(self) -> SourceSchedules:
        """The schedule side (boto3 ``scheduler`` client built lazily)."""
        if self._schedules is None:
            if self._scheduler is None:
                import boto3

                self._scheduler = self._faulty(boto3.client("scheduler"))
            self._schedules = SourceSchedules(self._scheduler, self.settings.schedules)
        return self._schedules

    @property
    def sinks(self) -> SinkFunctions:
        """The function side (boto3 ``lambda`` client built lazily)."""
        if self._sinks is None:
            if self._lambda is None:
                import boto3

                self._lambda = self._faulty(boto3.client("lambda"))
            self._sinks = SinkFunctions(self._lambda, self.settings.sinks, self._fetch_code)
        return self._sinks

    def _faulty(self, client: Any) -> Any:
        if client is None or self._on_step is None:
            return client
        return FaultClient(client, self._on_step)

    def apply(
        self,
        connector_name: str,
        connector_config: Mapping[str, str | None],
        task_count: int,
        target_state: TargetState,
    ) -> None:
        """Converge the connector's resources to ``task_count`` tasks in ``target_state``."""
        config = {k: v for k, v in connector_config.items() if v is not None}
        kind = registry.describe(config.get("connector.class", "")).type
        state = ENABLED if target_state is TargetState.STARTED else DISABLED
        if kind is registry.PluginType.SOURCE:
            actions = self.schedules.converge(connector_name, config, task_count, state,
                                              keep_existing=target_state is TargetState.STOPPED)
            actions += self.sinks.remove(connector_name) + self.schedules.converge_idle(connector_name, "", None, state)
        elif kind is registry.PluginType.SINK and pulls(config):
            actions = self.schedules.converge(connector_name, config, task_count, state, kind=SINK,
                                              keep_existing=target_state is TargetState.STOPPED)
            actions += self.sinks.remove(connector_name) + self.schedules.converge_idle(connector_name, "", None, state)
        elif kind is registry.PluginType.SINK:
            actions = self.sinks.converge(connector_name, config, target_state is TargetState.STARTED)
            actions += self.schedules.remove(connector_name, idle=False)
            actions += self.schedules.converge_idle(connector_name, self._function_arn(connector_name),
                                                    idle_tick_interval_ms(config), state)
        else:
            raise ConfigError(f"Connector {config.get('connector.class')} is neither a source nor a sink connector")
        self._log(connector_name, actions)

    def _function_arn(self, connector_name: str) -> str:
        """A sink function's ARN: the stack's source function's with the sink function's name (same account and
        region), what the idle-tick schedule targets."""
        source = self.settings.schedules.source_function_arn
        marker = ":function:"
        return source[: source.index(marker) + len(marker)] + self.sinks.function_name(connector_name)

    def remove(self, connector_name: str) -> None:
        """Delete the connector's schedules, mappings and function."""
        self._log(connector_name, self.schedules.remove(connector_name) + self.sinks.remove(connector_name))

    def connectors(self, known: Iterable[str] = ()) -> set[str]:
        """Every connector that has a schedule or a function in this stack (``known``: names expected to exist)."""
        return self.schedules.connectors(known) | self.sinks.connectors()

    def missing(self, connector_name: str, connector_config: Mapping[str, str | None],
                task_count: int) -> dict[int, str]:
        """The resources each task needs to run that do not exist, by task (empty: all there)."""
        config = {k: v for k, v in connector_config.items() if v is not None}
        kind = registry.describe(config.get("connector.class", "")).type
        if kind is registry.PluginType.SOURCE or pulls(config):
            existing = self.schedules.tasks(connector_name)
            group = self.settings.schedules.group
            return {task: f"the schedule {schedule_name(connector_name, task)} (group {group})"
                    for task in range(task_count) if task not in existing}
        function, mappings = self.sinks.deployed(connector_name)
        name = self.sinks.function_name(connector_name)
        if function and mappings:
            if idle_tick_interval_ms(config) is None or self.schedules.idle_exists(connector_name):
                return {}
            idle = idle_schedule_name(connector_name)
            return dict.fromkeys(range(max(task_count, 1)),
                                 f"the idle-tick schedule {idle} (group {self.settings.schedules.group})")
        what = f"the function {name}" if not function else f"the Kafka event source mapping of the function {name}"
        return dict.fromkeys(range(max(task_count, 1)), what)

    def check(self, connector_config: Mapping[str, str | None]) -> None:
        """What AWS cannot run is refused before anything is written: a sink forced onto an event source mapping
        (``lambda.sink.trigger=mapping``) reads exactly one topic; any other sink runs (pull mode when it must).
        Only a mapping's sink has a function of its own, so only it takes ``lambda.memory.size``.

        Raises:
            ConfigError: a forced mapping with several topics or ``topics.regex`` (a mapping reads one topic);
                ``lambda.memory.size`` outside Lambda's range, or set on a source or a pull-mode sink.
        """
        try:
            kind = registry.describe(str(connector_config.get("connector.class") or "")).type
        except Exception:
            return
        mapped = kind is registry.PluginType.SINK and not pulls(connector_config)
        if mapped:
            single_topic(connector_config)
        memory = connector_config.get(MEMORY_SIZE_KEY)
        if memory is None or not str(memory).strip():
            return
        if not mapped:
            where = "pull-mode sink" if kind is registry.PluginType.SINK else "source"
            raise config_error(MEMORY_SIZE_KEY, memory, f"a {where} connector's tasks run on the stack's source task "
                               "function (its MemorySize is the stack's); only a sink behind an event source mapping "
                               "has a function of its own")
        KafkaTriggerConfig.parse(connector_config)  # the range, naming the key

    def start(self, connector_name: str, connector_config: Mapping[str, str | None], task_count: int) -> None:
        """Invoke each task once, asynchronously (``runtime/task_start.py``): a source or pull-mode sink task through
        the source function with its start event, a mapping's sink through its function with an event of no records.
        So an idle task reports RUNNING, or FAILED with its cause, within seconds (a schedule fires once a minute, a
        mapping only when records come)."""
        config = {k: v for k, v in connector_config.items() if v is not None}
        kind = registry.describe(config.get("connector.class", "")).type
        if kind is registry.PluginType.SINK and not pulls(config):
            self._invoke(self.sinks.function_name(connector_name), SINK_START_EVENT)
        else:
            target = self.settings.schedules.source_function_arn
            for task in range(task_count):
                self._invoke(target, source_start_event(connector_name, task, SINK if kind is registry.PluginType.SINK
                                                        else SOURCE))
        self._log(connector_name, [f"start {task_count} task(s)"])

    def _invoke(self, function: str, event: Mapping[str, Any]) -> None:
        """One asynchronous invocation; a function just created (``Pending``) is waited for, briefly, once."""
        from botocore.exceptions import ClientError

        client = self.sinks.client
        payload = json.dumps(event, separators=(",", ":")).encode()
        try:
            client.invoke(FunctionName=function, InvocationType="Event", Payload=payload)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceConflictException":
                raise
            client.get_waiter("function_active_v2").wait(FunctionName=function,
                                                        WaiterConfig={"Delay": 1, "MaxAttempts": START_WAIT_S})
            client.invoke(FunctionName=function, InvocationType="Event", Payload=payload)

    def hold(self, connector_name: str) -> None:
        """Disable a poisoned sink's event source mappings (function, mapping and consumer group offsets stay)."""
        self._log(connector_name, self.sinks.disable(connector_name))

    def restart(self, connector_name: str, task_id: int | None) -> None:
        """Sink: start fresh execution environments. Source: the herder's restart request restarts warm tasks."""
        self._log(connector_name, self.sinks.restart(connector_name))

    def _log(self, connector: str, actions: list[str]) -> None:
        self.last_actions = actions
        if actions:
            log.info("deployed %s: %s", connector, "; ".join(actions))

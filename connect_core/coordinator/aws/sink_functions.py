"""Per sink connector: a Lambda function cloned from the stack's sink_task function, plus its Kafka event source
mapping, converged from the connector's desired state.

The function copies the template function's code, layers, runtime, handler, memory, timeout, VPC and environment
(read with GetFunction), adds ``CONNECTOR_NAME``, and follows the template when the stack is updated (a changed
CodeSha256 or configuration is pushed on the next apply). The mapping is MSK when ``LAMBDA_CONNECT_MSK_CLUSTER_ARN``
is set, else self-managed Kafka on ``LAMBDA_CONNECT_BOOTSTRAP_SERVERS`` with the auth secret, the private CA's
secret (SERVER_ROOT_CA_CERTIFICATE) and VPC as SourceAccessConfigurations; its ConsumerGroupId is Kafka Connect's
``connect-<name>``, so the offsets REST API and existing consumer groups keep working.

One topic per mapping: an event source mapping takes exactly one topic and a consumer group id may belong to one
mapping only, so several mappings would each need their own group and break ``connect-<name>``. Only a sink of one
topic and one task gets a function and mapping; the others run as pull-mode tasks on schedules
(``runtime/trigger_config.pulls``, ``runtime/sink_pull.py``). A sink forced onto a mapping
(``lambda.sink.trigger=mapping``) with several topics or ``topics.regex`` is refused with a ConfigError naming
``topics``.

Immutable mapping fields (topic, group, starting position, cluster) changing means delete + create; everything else
(batch settings, enabled state, auth) is an UpdateEventSourceMapping of just the fields that differ.

Error-handling controls (MaximumRetryAttempts, BisectBatchOnFunctionError, ReportBatchItemFailures,
MaximumRecordAgeInSeconds) are only available to Kafka mappings in provisioned mode (AWS: "Configuring error handling
controls for Kafka event sources", see docs/deploy.md): a mapping that uses any of them gets
``ProvisionedPollerConfig`` in the same request; one that stops using them keeps its pollers (turning provisioned
mode off is the user's cost decision, not ours).

Poller groups: every provisioned mapping of the stack joins one poller group (``PollerGroupName``, the stack parameter
``SinkPollerGroup``, by default ``<stack>-sinks``), so the stack's idle sinks share event poller units instead of
paying at least one unit each. Lambda lets a group hold at most 100 mappings whose MaximumPollers add up to at most
2000 (API reference, ``ProvisionedPollerConfig``), so a grouped mapping scales to 20 pollers (100 MB/s) and a full
group still fits; ``SinkPollerGroup=none`` gives new mappings their own pollers (up to Lambda's default 200; one
already in a group is not taken out, since the API documents no way to leave a group). A mapping
whose group or poller range differs from this (another stack version, a changed parameter, a hand edit) is updated
with the whole ``ProvisionedPollerConfig``; one kept in provisioned mode after its controls were turned off joins the
group too.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConfigError
from connect_core.coordinator.aws.names import function_name
from connect_core.runtime import env
from connect_core.runtime.sink_group import sink_group_id
from connect_core.runtime.trigger_config import DEFAULT_BATCHING_WINDOW_MS, KafkaTriggerConfig

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["SinkFunctionSettings", "SinkFunctions", "auth_access_type", "poller_group_name", "provisioned_pollers",
           "single_topic"]

ENABLED_STATES = frozenset({"Enabled", "Enabling", "Creating"})
CONNECTOR_TAG = "lambda-connect:connector"
STACK_TAG = "lambda-connect:stack"
# Template configuration keys copied to each sink function (GetFunction -> CreateFunction spelling); the stack's
# dead letter queue and KMS key (template.yaml) too, so that a connector's function is configured as the template's.
_COPIED = ("Runtime", "Handler", "MemorySize", "Timeout", "Architectures", "PackageType", "DeadLetterConfig",
           "KMSKeyArn")
_IMMUTABLE = ("EventSourceArn", "SelfManagedEventSource", "Topics", "StartingPosition", "ConsumerGroupId")
# Provisioned mode's smallest footprint: one poller, scaling up to Lambda's default maximum of 200.
PROVISIONED_POLLERS = {"MinimumPollers": 1, "MaximumPollers": 200}
# In a poller group (module docstring): 100 mappings x 20 pollers = Lambda's limit of 2000 per group.
GROUPED_MAXIMUM_POLLERS = 20
NO_POLLER_GROUP = "none"


def poller_group_name(configured: str, stack: str) -> str | None:
    """The stack's poller group: ``configured`` (``SinkPollerGroup``), else ``<stack>-sinks``; None for ``none`` or
    without a stack name. ConfigError for a name Lambda refuses (at most 128 of ``[a-zA-Z0-9-_]``)."""
    import re

    name = configured.strip() or (f"{stack[:122]}-sinks" if stack else "")
    if not name or name.lower() == NO_POLLER_GROUP:
        return None
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,128}", name):
        raise ConfigError(f"Invalid value {name} for {env.SINK_POLLER_GROUP} (stack parameter SinkPollerGroup): a "
                          "poller group name is at most 128 letters, digits, '-' or '_'")
    return name


def provisioned_pollers(group: str | None) -> dict[str, Any]:
    """The ProvisionedPollerConfig of a provisioned mapping of this stack."""
    if group is None:
        return dict(PROVISIONED_POLLERS)
    return {"MinimumPollers": 1, "MaximumPollers": GROUPED_MAXIMUM_POLLERS, "PollerGroupName": group}


@dataclass(frozen=True)
class SinkFunctionSettings:
    """What the stack provides for sink functions (from ``LAMBDA_CONNECT_*``)."""

    template_function: str
    function_prefix: str = "lambda-connect-sink-"
    role_arn: str | None = None
    msk_cluster_arn: str | None = None
    bootstrap_servers: tuple[str, ...] = ()
    auth_mode: str = "NONE"
    auth_secret_arn: str | None = None
    server_root_ca_secret_arn: str | None = None
    vpc_subnets: tuple[str, ...] = ()
    vpc_security_groups: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    poller_group: str | None = None  # PollerGroupName of every provisioned mapping (see poller_group_name)


def single_topic(config: Mapping[str, Any]) -> str:
    """The sink's only topic; ConfigError naming ``topics`` otherwise (see the module docstring)."""
    if (config.get("topics.regex") or "").strip():
        raise ConfigError("Invalid value for configuration topics.regex: lambda.sink.trigger=mapping needs exactly "
                          "one topic in topics (a Kafka event source mapping reads one topic); set topics, or "
                          "lambda.sink.trigger=auto")
    topics = [t.strip() for t in str(config.get("topics") or "").split(",") if t.strip()]
    if len(topics) != 1:
        raise ConfigError(f"Invalid value {config.get('topics')} for configuration topics: "
                          "lambda.sink.trigger=mapping needs exactly one topic (a Kafka event source mapping reads one "
                          "topic with one consumer group); use lambda.sink.trigger=auto")
    return topics[0]


def auth_access_type(mode: str) -> str | None:
    """The SourceAccessConfiguration type for ``LAMBDA_CONNECT_KAFKA_AUTH`` (None: IAM or no auth)."""
    normalised = mode.upper().replace("-", "_")
    if "SCRAM" in normalised:
        return "SASL_SCRAM_256_AUTH" if "256" in normalised else "SASL_SCRAM_512_AUTH"
    if "PLAIN" in normalised or "BASIC" in normalised:
        return "BASIC_AUTH"
    if "TLS" in normalised or "CERT" in normalised:
        return "CLIENT_CERTIFICATE_TLS_AUTH"
    return None


def _fetch_url(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=60) as response:  # Lambda's presigned code URL
        return response.read()


class SinkFunctions:
    """Creates, updates, enables, disables and deletes the function + mapping of sink connectors."""

    def __init__(self, client: Any, settings: SinkFunctionSettings,
                 fetch_code: Callable[[str], bytes] | None = None) -> None:
        """``client``: a boto3 ``lambda`` client; ``fetch_code`` downloads GetFunction's Code.Location."""
        self.client = client
        self.settings = settings
        self._fetch_code = fetch_code or _fetch_url
        self._code_cache: dict[str, bytes] = {}

    def function_name(self, connector: str) -> str:
        """The connector's function name."""
        return function_name(self.settings.function_prefix, connector)

    def converge(self, connector: str, config: Mapping[str, Any], enabled: bool) -> list[str]:
        """Function and mapping as the config says; returns the actions taken (empty when nothing changed)."""
        topic = single_topic(config)
        trigger = KafkaTriggerConfig.parse(config)
        name = self.function_name(connector)
        mapping = self._desired_mapping(name, topic, connector, config, trigger)  # refuses before creating anything
        actions = self._converge_function(connector, name, trigger)
        return actions + self._converge_mapping(name, mapping, enabled)

    def connectors(self) -> set[str]:
        """Connectors that have a function of this stack (its name prefix; the reconciler's orphan search).

        ListFunctions returns each function's environment, whose ``CONNECTOR_NAME`` names the connector (tags would
        take one more call per function).
        """
        found: set[str] = set()
        for page in self.client.get_paginator("list_functions").paginate():
            for function in page.get("Functions", []):
                name = function.get("FunctionName", "")
                connector = (function.get("Environment") or {}).get("Variables", {}).get(env.CONNECTOR_NAME)
                if connector and self.function_name(connector) == name:
                    found.add(connector)
        return found

    def deployed(self, connector: str) -> tuple[bool, int]:
        """Whether the connector's function exists, and how many event source mappings it has."""
        name = self.function_name(connector)
        if self._get_function(name) is None:
            return False, 0
        return True, len(self._mappings(name))

    def remove(self, connector: str) -> list[str]:
        """Delete the mappings, then the function."""
        name = self.function_name(connector)
        actions = []
        for mapping in self._mappings(name):
            self.client.delete_event_source_mapping(UUID=mapping["UUID"])
            actions.append(f"delete mapping {mapping['UUID']}")
        if self._get_function(name) is not None:
            self.client.delete_function(FunctionName=name)
            actions.append(f"delete function {name}")
        return actions

    def disable(self, connector: str) -> list[str]:
        """Disable the connector's enabled mappings (the poison-batch hold); nothing else changes."""
        actions = []
        for mapping in self._mappings(self.function_name(connector)):
            if mapping.get("State") in ENABLED_STATES:
                self.client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
                actions.append(f"disable mapping {mapping['UUID']}")
        return actions

    def restart(self, connector: str) -> list[str]:
        """New execution environments: a configuration change makes Lambda cold-start every later invocation."""
        name = self.function_name(connector)
        current = self._get_function(name)
        if current is None:
            return []
        variables = dict(current["Configuration"].get("Environment", {}).get("Variables", {}))
        variables[env.RESTART_TOKEN] = str(time.time_ns())
        self._settled(name, current)
        self.client.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
        return [f"restart function {name}"]

    # --- function ---------------------------------------------------------------------------------------------

    def _desired_function(self, connector: str, template: Mapping[str, Any],
                          trigger: KafkaTriggerConfig) -> dict[str, Any]:
        conf = template["Configuration"]
        desired: dict[str, Any] = {key: conf[key] for key in _COPIED if key in conf}
        if trigger.memory_size_mb is not None:  # lambda.memory.size; else the template's
            desired["MemorySize"] = trigger.memory_size_mb
        desired["Role"] = self.settings.role_arn or conf["Role"]
        desired["Layers"] = [layer["Arn"] for layer in conf.get("Layers", [])]
        variables = dict(conf.get("Environment", {}).get("Variables", {}))
        variables[env.CONNECTOR_NAME] = connector
        variables.pop(env.RESTART_TOKEN, None)
        desired["Environment"] = {"Variables": variables}
        desired["Description"] = f"lambda-connect sink connector {connector}"
        vpc = conf.get("VpcConfig") or {}
        if vpc.get("SubnetIds"):
            desired["VpcConfig"] = {"SubnetIds": vpc["SubnetIds"], "SecurityGroupIds": vpc.get("SecurityGroupIds", [])}
        if conf.get("TracingConfig", {}).get("Mode"):
            desired["TracingConfig"] = {"Mode": conf["TracingConfig"]["Mode"]}
        if conf.get("EphemeralStorage"):
            desired["EphemeralStorage"] = {"Size": conf["EphemeralStorage"]["Size"]}
        return desired

    def _converge_function(self, connector: str, name: str, trigger: KafkaTriggerConfig) -> list[str]:
        template = self.client.get_function(FunctionName=self.settings.template_function)
        desired = self._desired_function(connector, template, trigger)
        current = self._get_function(name)
        if current is None:
            self.client.create_function(
                FunctionName=name, Code=self._code(template), Publish=False,
                Tags={**self.settings.tags, CONNECTOR_TAG: connector}, **desired,
            )
            return [f"create function {name}"]
        actions = []
        changes = _function_changes(current["Configuration"], desired)
        if changes or current["Configuration"].get("CodeSha256") != template["Configuration"].get("CodeSha256"):
            self._settled(name, current)
        if changes:
            self.client.update_function_configuration(FunctionName=name, **changes)
            actions.append(f"update function configuration {name}")
        if current["Configuration"].get("CodeSha256") != template["Configuration"].get("CodeSha256"):
            if actions:
                self.client.get_waiter("function_updated_v2").wait(
                    FunctionName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
            code = self._code(template)
            self.client.update_function_code(FunctionName=name, **code)
            actions.append(f"update function code {name}")
        return actions

    def _settled(self, name: str, current: Mapping[str, Any]) -> None:
        """Wait out an update of the function still in progress (a restart's, a converge's): Lambda refuses another
        one meanwhile with ResourceConflictException."""
        if current["Configuration"].get("LastUpdateStatus") == "InProgress":
            self.client.get_waiter("function_updated_v2").wait(FunctionName=name,
                                                               WaiterConfig={"Delay": 2, "MaxAttempts": 60})

    def _code(self, template: Mapping[str, Any]) -> dict[str, Any]:
        code = template.get("Code", {})
        if code.get("ImageUri"):
            return {"ImageUri": code["ImageUri"]}
        sha = template["Configuration"].get("CodeSha256", "")
        if sha not in self._code_cache:
            self._code_cache = {sha: self._fetch_code(code["Location"])}  # keep only the current code
        return {"ZipFile": self._code_cache[sha]}

    def _get_function(self, name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_function(FunctionName=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise

    # --- event source mapping ---------------------------------------------------------------------------------

    def _desired_mapping(self, name: str, topic: str, connector: str, config: Mapping[str, Any],
                         trigger: KafkaTriggerConfig) -> dict[str, Any]:
        group = {"ConsumerGroupId": sink_group_id(connector, config)}
        desired: dict[str, Any] = {
            "FunctionName": name, "Topics": [topic], "StartingPosition": trigger.starting_position,
            "BatchSize": trigger.batch_size,
        }
        if self.settings.msk_cluster_arn:
            desired["EventSourceArn"] = self.settings.msk_cluster_arn
            desired["AmazonManagedKafkaEventSourceConfig"] = group
        else:
            if not self.settings.bootstrap_servers:
                raise ConfigError(f"Neither {env.MSK_CLUSTER_ARN} nor {env.BOOTSTRAP_SERVERS} is set: the AWS deployer "
                                  "cannot tell the event source mapping where Kafka is")
            desired["SelfManagedEventSource"] = {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS":
                                                               list(self.settings.bootstrap_servers)}}
            desired["SelfManagedKafkaEventSourceConfig"] = group
        access = self._access_configurations()
        if access:
            desired["SourceAccessConfigurations"] = access
        elif not self.settings.msk_cluster_arn:
            # Lambda refuses a self-managed mapping without them: a cluster reached over the internet needs
            # authentication, one without it is reached through its VPC (docs/deploy.md).
            raise ConfigError(f"A self-managed Kafka event source mapping needs authentication ({env.KAFKA_AUTH} and "
                              f"{env.KAFKA_SECRET_ARN}: stack parameters KafkaAuth, KafkaSecretArn) or the cluster's "
                              f"VPC ({env.KAFKA_VPC_SUBNETS}, {env.KAFKA_VPC_SECURITY_GROUPS}: stack parameters "
                              "SubnetIds, SecurityGroupIds); neither is set")
        if trigger.batching_window_ms != DEFAULT_BATCHING_WINDOW_MS:  # 500 ms is Lambda's default and not settable
            desired["MaximumBatchingWindowInSeconds"] = trigger.batching_window_s()
        desired["FunctionResponseTypes"] = ["ReportBatchItemFailures"] if trigger.report_batch_item_failures else []
        desired["BisectBatchOnFunctionError"] = trigger.bisect_batch_on_function_error
        desired["MaximumRetryAttempts"] = trigger.maximum_retry_attempts
        desired["MaximumRecordAgeInSeconds"] = (
            -1 if trigger.maximum_record_age_ms < 0 else math.ceil(trigger.maximum_record_age_ms / 1000))
        if trigger.error_handling_controls():
            desired["ProvisionedPollerConfig"] = provisioned_pollers(self.settings.poller_group)
        return desired

    def _access_configurations(self) -> list[dict[str, str]]:
        access = []
        auth = auth_access_type(self.settings.auth_mode)
        if auth and self.settings.auth_secret_arn:
            access.append({"Type": auth, "URI": self.settings.auth_secret_arn})
        if not self.settings.msk_cluster_arn:
            access += [{"Type": "VPC_SUBNET", "URI": f"subnet:{s}"} for s in self.settings.vpc_subnets]
            access += [{"Type": "VPC_SECURITY_GROUP", "URI": f"security_group:{g}"}
                       for g in self.settings.vpc_security_groups]
            # A private CA's root for the brokers' certificates (self-managed only: MSK's come from a public CA); not
            # a way in by itself, so only beside authentication or a VPC.
            if access and self.settings.server_root_ca_secret_arn:
                access.append({"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": self.settings.server_root_ca_secret_arn})
        return access

    def _mappings(self, name: str) -> list[dict[str, Any]]:
        found = []
        for page in self.client.get_paginator("list_event_source_mappings").paginate(FunctionName=name):
            found.extend(page.get("EventSourceMappings", []))
        return found

    def _converge_mapping(self, name: str, desired: dict[str, Any], enabled: bool) -> list[str]:
        actions = []
        keep = None
        for mapping in self._mappings(name):
            if keep is None and _same_source(mapping, desired):
                keep = mapping
                continue
            self.client.delete_event_source_mapping(UUID=mapping["UUID"])
            actions.append(f"delete mapping {mapping['UUID']}")
        if keep is None:
            create = {k: v for k, v in desired.items() if not _is_default(k, v)}
            response = self.client.create_event_source_mapping(Enabled=enabled, **create)
            return [*actions, f"create mapping {response['UUID']}"]
        changes = _mapping_changes(keep, desired, enabled, provisioned_pollers(self.settings.poller_group))
        if changes:
            self.client.update_event_source_mapping(UUID=keep["UUID"], **changes)
            actions.append(f"update mapping {keep['UUID']}: {', '.join(sorted(changes))}")
        return actions


def _function_changes(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in desired.items():
        if key in ("Architectures", "PackageType"):
            continue  # set at creation only
        if key == "Layers":
            now: Any = [layer["Arn"] for layer in current.get("Layers", [])]
        elif key == "Environment":
            now = dict(current.get("Environment", {}).get("Variables", {}))
            token = now.pop(env.RESTART_TOKEN, None)
            if now != value["Variables"]:
                variables = dict(value["Variables"])
                if token is not None:
                    variables[env.RESTART_TOKEN] = token  # a restart is not undone by an apply
                changes[key] = {"Variables": variables}
            continue
        elif key == "VpcConfig":
            vpc = current.get("VpcConfig") or {}
            now = {"SubnetIds": vpc.get("SubnetIds", []), "SecurityGroupIds": vpc.get("SecurityGroupIds", [])}
        else:
            now = current.get(key)
        if now != value:
            changes[key] = value
    return changes


def _group_id(mapping: Mapping[str, Any]) -> str | None:
    for key in ("AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig"):
        if mapping.get(key, {}).get("ConsumerGroupId"):
            return str(mapping[key]["ConsumerGroupId"])
    return None


def _same_source(mapping: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    return (
        mapping.get("EventSourceArn") == desired.get("EventSourceArn")
        and mapping.get("SelfManagedEventSource") == desired.get("SelfManagedEventSource")
        and mapping.get("Topics") == desired["Topics"]
        and mapping.get("StartingPosition") == desired["StartingPosition"]
        and _group_id(mapping) == _group_id(desired)
        # Lambda cannot set a Kafka mapping back to its 500 ms default: removing the key recreates the mapping
        and ("MaximumBatchingWindowInSeconds" in desired or not mapping.get("MaximumBatchingWindowInSeconds"))
    )


_DEFAULTS: dict[str, Any] = {"FunctionResponseTypes": [], "BisectBatchOnFunctionError": False,
                             "MaximumRetryAttempts": -1, "MaximumRecordAgeInSeconds": -1}


def _is_default(key: str, value: Any) -> bool:
    """Error-handling fields are sent only when set (Lambda documents them under provisioned mode)."""
    return key in _DEFAULTS and value == _DEFAULTS[key]


def _mapping_changes(current: Mapping[str, Any], desired: Mapping[str, Any], enabled: bool,
                     pollers: Mapping[str, Any]) -> dict[str, Any]:
    """What an UpdateEventSourceMapping must send; ``pollers`` is the stack's ProvisionedPollerConfig, which a
    mapping in provisioned mode gets whole when any of its fields differ (module docstring)."""
    changes: dict[str, Any] = {}
    for key in ("BatchSize", "MaximumBatchingWindowInSeconds", "SourceAccessConfigurations", *_DEFAULTS):
        if key not in desired:
            continue
        now = current.get(key, _DEFAULTS.get(key))
        if key == "SourceAccessConfigurations":
            now = sorted((a["Type"], a["URI"]) for a in now or [])
            if now != sorted((a["Type"], a["URI"]) for a in desired[key]):
                changes[key] = desired[key]
        elif now != desired[key]:
            changes[key] = desired[key]
    now_pollers = current.get("ProvisionedPollerConfig") or {}
    if ("ProvisionedPollerConfig" in desired or now_pollers) and any(
            now_pollers.get(key) != value for key, value in pollers.items()):
        changes["ProvisionedPollerConfig"] = dict(pollers)
    # "Updating" tells nothing about Enabled (Lambda keeps the previous value): say it, or a pause could be lost.
    if current.get("State") == "Updating" or (current.get("State") in ENABLED_STATES) != enabled:
        changes["Enabled"] = enabled
    return changes

"""AwsDeployer with moto: Scheduler schedules, Lambda functions, and Kafka event source mappings.

moto 5.2 implements schedules and functions but refuses Kafka event source mappings ("Unsupported event source
type"); so ``KafkaMappings`` below keeps mappings in memory behind the moto Lambda client, after validating every
request against botocore's real Lambda API model. These fast tests pin the exact requests (which fields, defaults
left out, updates of only what changed); tests/integration/coordinator/test_aws_deployer_localstack.py runs the sink
path on LocalStack with our extension polling the mapping.
"""

from __future__ import annotations

import dataclasses
import io
import json
import uuid
import zipfile
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.validate import validate_parameters
from moto import mock_aws

from connect_core.api.errors import ConfigError
from connect_core.coordinator.aws.deployer import AwsDeployer, AwsDeployerSettings
from connect_core.coordinator.aws.schedules import ScheduleSettings
from connect_core.coordinator.aws.sink_functions import SinkFunctionSettings, poller_group_name
from connect_core.runtime.trigger_config import KafkaTriggerConfig
from connect_core.storage.config_state import TargetState

if TYPE_CHECKING:
    from collections.abc import Iterator

REGION = "us-east-1"
SOURCE = {"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "lines", "tasks.max": "3"}
SINK = {"connector.class": "FileStreamSink", "file": "/tmp/out.txt", "topics": "lines",
        "lambda.batch.size": "500", "lambda.maximum.batching.window.ms": "2000",
        "lambda.report.batch.item.failures": "true", "lambda.maximum.retry.attempts": "3"}
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka-AbCdEf"


class KafkaMappings:
    """The moto Lambda client plus in-memory Kafka event source mappings (validated against the API model)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.mappings: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _validate(self, operation: str, params: dict[str, Any]) -> None:
        validate_parameters(params, self._client.meta.service_model.operation_model(operation).input_shape)
        self.calls.append((operation, params))

    def create_event_source_mapping(self, **params: Any) -> dict[str, Any]:
        self._validate("CreateEventSourceMapping", params)
        function = self._client.get_function(FunctionName=params["FunctionName"])["Configuration"]
        mapping = {k: v for k, v in params.items() if k not in ("FunctionName", "Enabled")}
        mapping.update(UUID=str(uuid.uuid4()), FunctionArn=function["FunctionArn"],
                       State="Enabled" if params.get("Enabled", True) else "Disabled")
        self.mappings[mapping["UUID"]] = mapping
        return dict(mapping)

    def update_event_source_mapping(self, **params: Any) -> dict[str, Any]:
        self._validate("UpdateEventSourceMapping", params)
        mapping = self.mappings[params["UUID"]]
        for key, value in params.items():
            if key == "Enabled":
                mapping["State"] = "Enabled" if value else "Disabled"
            elif key != "UUID":
                mapping[key] = value
        return dict(mapping)

    def delete_event_source_mapping(self, **params: Any) -> dict[str, Any]:
        self._validate("DeleteEventSourceMapping", params)
        return self.mappings.pop(params["UUID"])

    def list_event_source_mappings(self, **params: Any) -> dict[str, Any]:
        arn = self._client.get_function(FunctionName=params["FunctionName"])["Configuration"]["FunctionArn"] \
            if _exists(self._client, params["FunctionName"]) else None
        return {"EventSourceMappings": [dict(m) for m in self.mappings.values() if m["FunctionArn"] == arn]}

    def get_paginator(self, operation: str) -> Any:
        if operation != "list_event_source_mappings":
            return self._client.get_paginator(operation)
        outer = self

        class _Paginator:
            def paginate(self, **params: Any) -> list[dict[str, Any]]:
                return [outer.list_event_source_mappings(**params)]

        return _Paginator()

    def writes(self) -> list[str]:
        return [operation for operation, _ in self.calls]


def _exists(client: Any, name: str) -> bool:
    try:
        client.get_function(FunctionName=name)
    except client.exceptions.ResourceNotFoundException:
        return False
    return True


def _zip(body: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", body)
    return buffer.getvalue()


CODE = _zip("def handler(event, context):\n    return {}\n")


class Aws:
    """moto clients, the stack's template sink function, and a deployer wired to them."""

    def __init__(self, *, msk: bool = False) -> None:
        self.iam = boto3.client("iam", region_name=REGION)
        self.scheduler = boto3.client("scheduler", region_name=REGION)
        self.lam = KafkaMappings(boto3.client("lambda", region_name=REGION))
        self.seed()
        self.settings = AwsDeployerSettings(
            ScheduleSettings("default", "arn:aws:lambda:us-east-1:123456789012:function:stack-SourceTask",
                             "arn:aws:iam::123456789012:role/scheduler"),
            SinkFunctionSettings(
                template_function="stack-SinkTask", function_prefix="lc-",
                msk_cluster_arn="arn:aws:kafka:us-east-1:123456789012:cluster/c/1" if msk else None,
                bootstrap_servers=("b1:9092", "b2:9092"), auth_mode="SASL_SCRAM_512", auth_secret_arn=SECRET,
            ),
        )
        self.fetched: list[str] = []
        self.deployer = AwsDeployer(self.settings, scheduler=self.scheduler, lambda_client=self.lam,
                                    fetch_code=self._fetch)

    def seed(self) -> None:
        """The stack's own resources: the sink role and template function (again after a moto reset)."""
        self.lam.mappings.clear()
        role = self.iam.create_role(RoleName="sink-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        self.lam.create_function(
            FunctionName="stack-SinkTask", Runtime="python3.11", Role=role, Handler="functions.sink_task.app.handler",
            Code={"ZipFile": CODE}, MemorySize=512, Timeout=300, Environment={"Variables": {
                "LAMBDA_CONNECT_BOOTSTRAP_SERVERS": "b1:9092,b2:9092", "LOG_LEVEL": "INFO"}},
        )

    def _fetch(self, url: str) -> bytes:
        self.fetched.append(url)
        return CODE

    def schedules(self) -> dict[str, dict[str, Any]]:
        names = [s["Name"] for s in self.scheduler.list_schedules(GroupName="default")["Schedules"]]
        return {name: self.scheduler.get_schedule(Name=name, GroupName="default") for name in sorted(names)}

    def mappings(self) -> list[dict[str, Any]]:
        return list(self.lam.mappings.values())


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield Aws()


def test_source_tasks_get_one_schedule_each_with_their_input(aws: Aws) -> None:
    aws.deployer.apply("orders", SOURCE, 2, TargetState.STARTED)

    schedules = aws.schedules()
    assert list(schedules) == ["orders-0", "orders-1"]
    first = schedules["orders-0"]
    assert first["ScheduleExpression"] == "rate(1 minute)"
    assert first["State"] == "ENABLED"
    assert first["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert first["Target"]["Arn"].endswith(":function:stack-SourceTask")
    assert first["Target"]["RoleArn"] == "arn:aws:iam::123456789012:role/scheduler"
    # the heartbeat's window: Scheduler puts the scheduled time in; the ticks of that window run inside it
    assert json.loads(first["Target"]["Input"]) == {"connector": "orders", "task": 0, "window_ms": 60_000,
                                                    "window_start": "<aws.scheduler.scheduled-time>"}
    assert aws.deployer.last_actions == ["create orders-0", "create orders-1"]


def test_source_scale_up_down_pause_resume_stop_delete(aws: Aws) -> None:
    deployer = aws.deployer
    deployer.apply("orders", SOURCE, 2, TargetState.STARTED)
    deployer.apply("orders", SOURCE, 2, TargetState.STARTED)
    assert deployer.last_actions == []  # re-apply is a no-op

    deployer.apply("orders", SOURCE, 3, TargetState.STARTED)
    assert deployer.last_actions == ["create orders-2"]
    deployer.apply("orders", SOURCE, 1, TargetState.STARTED)
    assert deployer.last_actions == ["delete orders-1", "delete orders-2"]
    assert list(aws.schedules()) == ["orders-0"]

    deployer.apply("orders", SOURCE, 1, TargetState.PAUSED)
    assert [s["State"] for s in aws.schedules().values()] == ["DISABLED"]
    deployer.apply("orders", SOURCE, 1, TargetState.STARTED)
    assert [s["State"] for s in aws.schedules().values()] == ["ENABLED"]
    deployer.apply("orders", SOURCE, 0, TargetState.STOPPED)  # Kafka empties a stopped connector's tasks
    assert {n: s["State"] for n, s in aws.schedules().items()} == {"orders-0": "DISABLED"}

    deployer.remove("orders")
    assert aws.schedules() == {}


def test_schedule_interval_above_a_minute_and_other_connectors_untouched(aws: Aws) -> None:
    aws.deployer.apply("orders-1", SOURCE, 1, TargetState.STARTED)
    aws.deployer.apply("orders", {**SOURCE, "lambda.schedule.interval.ms": "150000"}, 2, TargetState.STARTED)
    aws.deployer.apply("orders", SOURCE, 1, TargetState.STARTED)
    schedules = aws.schedules()
    assert list(schedules) == ["orders-0", "orders-1-0"]
    assert schedules["orders-0"]["ScheduleExpression"] == "rate(1 minute)"
    aws.deployer.apply("orders", {**SOURCE, "lambda.schedule.interval.ms": "150000"}, 1, TargetState.STARTED)
    assert aws.deployer.last_actions == ["update orders-0"]
    assert aws.schedules()["orders-0"]["ScheduleExpression"] == "rate(3 minutes)"


def test_sink_gets_a_function_cloned_from_the_template_and_a_self_managed_mapping(aws: Aws) -> None:
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)

    function = aws.lam.get_function(FunctionName="lc-to-file")
    conf = function["Configuration"]
    assert (conf["Handler"], conf["Runtime"], conf["MemorySize"], conf["Timeout"]) == (
        "functions.sink_task.app.handler", "python3.11", 512, 300)
    assert conf["Role"].endswith(":role/sink-role")
    assert conf["Environment"]["Variables"] == {
        "LAMBDA_CONNECT_BOOTSTRAP_SERVERS": "b1:9092,b2:9092", "LOG_LEVEL": "INFO", "CONNECTOR_NAME": "to-file"}
    assert function["Tags"]["lambda-connect:connector"] == "to-file"
    assert len(aws.fetched) == 1

    [mapping] = aws.mappings()
    assert mapping["SelfManagedEventSource"] == {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["b1:9092", "b2:9092"]}}
    assert mapping["SelfManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": "connect-to-file"}
    assert mapping["SourceAccessConfigurations"] == [{"Type": "SASL_SCRAM_512_AUTH", "URI": SECRET}]
    assert (mapping["Topics"], mapping["StartingPosition"], mapping["BatchSize"]) == (["lines"], "TRIM_HORIZON", 500)
    assert mapping["MaximumBatchingWindowInSeconds"] == 2
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumRetryAttempts"] == 3
    assert "BisectBatchOnFunctionError" not in mapping  # defaults are not sent
    assert "MaximumRecordAgeInSeconds" not in mapping
    assert mapping["ProvisionedPollerConfig"] == {"MinimumPollers": 1, "MaximumPollers": 200}  # error controls need it
    assert mapping["State"] == "Enabled"


def test_error_handling_controls_switch_the_mapping_to_provisioned_mode(aws: Aws) -> None:
    plain = {k: v for k, v in SINK.items() if k not in ("lambda.report.batch.item.failures",
                                                         "lambda.maximum.retry.attempts")}
    aws.deployer.apply("to-file", plain, 1, TargetState.STARTED)
    [mapping] = aws.mappings()
    assert "ProvisionedPollerConfig" not in mapping  # on-demand mode when no error-handling control is used

    aws.deployer.apply("to-file", {**plain, "lambda.maximum.record.age.ms": "90500"}, 1, TargetState.STARTED)
    assert aws.lam.calls[-1][1] == {"UUID": mapping["UUID"], "MaximumRecordAgeInSeconds": 91,
                                    "ProvisionedPollerConfig": {"MinimumPollers": 1, "MaximumPollers": 200}}
    aws.deployer.apply("to-file", {**plain, "lambda.bisect.batch.on.function.error": "true"}, 1,
                       TargetState.STARTED)
    assert aws.lam.calls[-1][1] == {"UUID": mapping["UUID"], "MaximumRecordAgeInSeconds": -1,
                                    "BisectBatchOnFunctionError": True}


def _grouped(aws: Aws, group: str | None) -> AwsDeployer:
    settings = AwsDeployerSettings(aws.settings.schedules, dataclasses.replace(aws.settings.sinks, poller_group=group))
    return AwsDeployer(settings, scheduler=aws.scheduler, lambda_client=aws.lam, fetch_code=aws._fetch)


def test_provisioned_mappings_share_the_stacks_poller_group_and_a_second_pass_changes_nothing(aws: Aws) -> None:
    grouped = _grouped(aws, "stack-sinks")
    grouped.apply("to-file", SINK, 1, TargetState.STARTED)
    [mapping] = aws.mappings()
    create = [params for operation, params in aws.lam.calls if operation == "CreateEventSourceMapping"]
    assert create[-1]["ProvisionedPollerConfig"] == {
        "MinimumPollers": 1, "MaximumPollers": 20, "PollerGroupName": "stack-sinks"}  # 100 x 20 = Lambda's 2000

    aws.lam.calls.clear()
    grouped.apply("to-file", SINK, 1, TargetState.STARTED)
    assert (grouped.last_actions, aws.lam.writes()) == ([], [])

    plain = {k: v for k, v in SINK.items() if k not in ("lambda.report.batch.item.failures",
                                                         "lambda.maximum.retry.attempts")}
    grouped.apply("on-demand", plain, 1, TargetState.STARTED)
    assert "ProvisionedPollerConfig" not in [m for m in aws.mappings() if m["UUID"] != mapping["UUID"]][0]


def test_a_provisioned_mapping_outside_the_group_is_moved_into_it_with_its_whole_poller_config(aws: Aws) -> None:
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)  # no group: the dedicated 1..200 pollers
    [mapping] = aws.mappings()
    assert mapping["ProvisionedPollerConfig"] == {"MinimumPollers": 1, "MaximumPollers": 200}

    _grouped(aws, "stack-sinks").apply("to-file", SINK, 1, TargetState.STARTED)
    assert aws.lam.calls[-1] == ("UpdateEventSourceMapping", {"UUID": mapping["UUID"], "ProvisionedPollerConfig": {
        "MinimumPollers": 1, "MaximumPollers": 20, "PollerGroupName": "stack-sinks"}})

    _grouped(aws, "other-group").apply("to-file", SINK, 1, TargetState.STARTED)  # a changed SinkPollerGroup
    assert aws.mappings()[0]["ProvisionedPollerConfig"]["PollerGroupName"] == "other-group"

    kept = {k: v for k, v in SINK.items() if k not in ("lambda.report.batch.item.failures",
                                                        "lambda.maximum.retry.attempts")}
    aws.lam.calls.clear()
    _grouped(aws, "other-group").apply("to-file", kept, 1, TargetState.STARTED)  # controls off: pollers kept
    assert "ProvisionedPollerConfig" not in aws.lam.calls[-1][1]
    assert aws.mappings()[0]["ProvisionedPollerConfig"]["PollerGroupName"] == "other-group"


def test_a_pause_during_an_update_says_enabled_false(aws: Aws) -> None:
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    [mapping] = aws.mappings()
    mapping["State"] = "Updating"  # Lambda keeps the previous Enabled; the state does not tell which
    aws.deployer.apply("to-file", SINK, 1, TargetState.PAUSED)
    assert aws.lam.calls[-1] == ("UpdateEventSourceMapping", {"UUID": mapping["UUID"], "Enabled": False})


def test_the_poller_group_name_comes_from_the_parameter_or_the_stack() -> None:
    assert poller_group_name("", "prod") == "prod-sinks"
    assert poller_group_name("shared_1", "prod") == "shared_1"
    assert poller_group_name("none", "prod") is None
    assert poller_group_name("", "") is None
    assert len(poller_group_name("", "s" * 128) or "") == 128
    with pytest.raises(ConfigError, match="SinkPollerGroup"):
        poller_group_name("bad name", "prod")


def test_record_age_outside_lambdas_range_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"lambda\.maximum\.record\.age\.ms"):
        KafkaTriggerConfig.parse({"lambda.maximum.record.age.ms": "30000"})
    assert KafkaTriggerConfig.parse({"lambda.maximum.record.age.ms": "-1"}).error_handling_controls() == []


def test_sink_pause_resume_stop_reapply_and_delete(aws: Aws) -> None:
    deployer = aws.deployer
    deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    aws.lam.calls.clear()
    deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    assert (deployer.last_actions, aws.lam.writes()) == ([], [])

    deployer.apply("to-file", SINK, 1, TargetState.PAUSED)
    assert [m["State"] for m in aws.mappings()] == ["Disabled"]
    assert aws.lam.calls[-1][1] == {"UUID": aws.mappings()[0]["UUID"], "Enabled": False}
    deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    assert [m["State"] for m in aws.mappings()] == ["Enabled"]
    deployer.apply("to-file", SINK, 0, TargetState.STOPPED)
    assert [m["State"] for m in aws.mappings()] == ["Disabled"]

    deployer.apply("to-file", {**SINK, "lambda.batch.size": "50"}, 1, TargetState.STARTED)
    assert aws.lam.calls[-1][1] == {"UUID": aws.mappings()[0]["UUID"], "BatchSize": 50, "Enabled": True}

    deployer.remove("to-file")
    assert aws.mappings() == []
    assert not _exists(aws.lam, "lc-to-file")
    deployer.remove("to-file")  # idempotent
    assert deployer.last_actions == []


def test_hold_disables_a_poisoned_sinks_mapping_and_a_started_apply_enables_it_again(aws: Aws) -> None:
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    [mapping] = aws.mappings()
    aws.deployer.hold("to-file")
    assert aws.deployer.last_actions == [f"disable mapping {mapping['UUID']}"]
    assert aws.lam.calls[-1][1] == {"UUID": mapping["UUID"], "Enabled": False}
    assert [m["State"] for m in aws.mappings()] == ["Disabled"]
    aws.deployer.hold("to-file")  # every heartbeat asks again: a no-op
    assert aws.deployer.last_actions == []
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)  # restart / resume / config update
    assert aws.deployer.last_actions == [f"update mapping {mapping['UUID']}: Enabled"]
    assert [m["State"] for m in aws.mappings()] == ["Enabled"]
    aws.deployer.hold("nothing-deployed")
    assert aws.deployer.last_actions == []


def test_sink_topic_change_recreates_the_mapping_and_template_changes_propagate(aws: Aws) -> None:
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    [before] = aws.mappings()
    aws.deployer.apply("to-file", {**SINK, "topics": "other"}, 1, TargetState.STARTED)
    [after] = aws.mappings()
    assert (after["Topics"], after["UUID"] != before["UUID"]) == (["other"], True)

    aws.lam.update_function_configuration(FunctionName="stack-SinkTask", MemorySize=1024)
    aws.deployer.apply("to-file", {**SINK, "topics": "other"}, 1, TargetState.STARTED)
    assert aws.deployer.last_actions == ["update function configuration lc-to-file"]
    assert aws.lam.get_function(FunctionName="lc-to-file")["Configuration"]["MemorySize"] == 1024


def test_a_sinks_memory_size_sets_its_functions_and_removing_it_restores_the_templates(aws: Aws) -> None:
    aws.deployer.apply("to-file", {**SINK, "lambda.memory.size": "256"}, 1, TargetState.STARTED)
    assert aws.lam.get_function(FunctionName="lc-to-file")["Configuration"]["MemorySize"] == 256
    aws.deployer.apply("to-file", {**SINK, "lambda.memory.size": "1769"}, 1, TargetState.STARTED)
    assert aws.deployer.last_actions == ["update function configuration lc-to-file"]
    assert aws.lam.get_function(FunctionName="lc-to-file")["Configuration"]["MemorySize"] == 1769
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    assert aws.lam.get_function(FunctionName="lc-to-file")["Configuration"]["MemorySize"] == 512  # the template's
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    assert aws.deployer.last_actions == []


def test_memory_size_is_refused_outside_lambdas_range_and_where_no_function_is_the_connectors(aws: Aws) -> None:
    for value, says in (("64", "at least 128"), ("10241", "no more than 10240"), ("lots", "lambda.memory.size")):
        with pytest.raises(ConfigError, match=says) as refused:
            aws.deployer.check({**SINK, "lambda.memory.size": value})
        assert "lambda.memory.size" in str(refused.value)
    with pytest.raises(ConfigError, match="Invalid value 256 for configuration lambda.memory.size: a pull-mode sink"):
        aws.deployer.check({**SINK, "topics": "a,b", "lambda.memory.size": "256"})
    with pytest.raises(ConfigError, match="Invalid value 256 for configuration lambda.memory.size: a source"):
        aws.deployer.check({**SOURCE, "lambda.memory.size": "256"})
    aws.deployer.check({**SOURCE, "lambda.memory.size": ""})
    aws.deployer.check({**SINK, "lambda.memory.size": "128"})
    assert not aws.mappings()


def test_batching_window_rounds_up_to_seconds_and_removing_it_recreates_the_mapping(aws: Aws) -> None:
    aws.deployer.apply("to-file", {**SINK, "lambda.maximum.batching.window.ms": "200"}, 1, TargetState.STARTED)
    [short] = aws.mappings()
    assert short["MaximumBatchingWindowInSeconds"] == 1  # rounded up: 200 ms never becomes "no window"
    aws.deployer.apply("to-file", {**SINK, "lambda.maximum.batching.window.ms": "1001"}, 1, TargetState.STARTED)
    [longer] = aws.mappings()
    assert (longer["UUID"], longer["MaximumBatchingWindowInSeconds"]) == (short["UUID"], 2)
    # Lambda cannot set a Kafka mapping back to its 500 ms default: the mapping is created again without one
    default = {k: v for k, v in SINK.items() if k != "lambda.maximum.batching.window.ms"}
    aws.deployer.apply("to-file", default, 1, TargetState.STARTED)
    [fresh] = aws.mappings()
    assert fresh["UUID"] != short["UUID"]
    assert "MaximumBatchingWindowInSeconds" not in fresh
    aws.deployer.apply("to-file", default, 1, TargetState.STARTED)
    assert [m["UUID"] for m in aws.mappings()] == [fresh["UUID"]]  # and kept from then on


def test_restart_touches_the_sink_function_and_apply_keeps_it(aws: Aws) -> None:
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    aws.deployer.restart("to-file", None)
    variables = aws.lam.get_function(FunctionName="lc-to-file")["Configuration"]["Environment"]["Variables"]
    assert "LAMBDA_CONNECT_RESTART_TOKEN" in variables
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    assert aws.deployer.last_actions == []
    aws.deployer.apply("orders", SOURCE, 1, TargetState.STARTED)
    aws.deployer.restart("orders", 0)
    assert aws.deployer.last_actions == []


@pytest.mark.parametrize("operation", ["restart", "template change"])
def test_an_update_still_in_progress_is_waited_out_before_the_next(aws: Aws, operation: str) -> None:
    """Lambda refuses an update while the last is InProgress (ResourceConflictException): the deployer waits first."""
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    get_function, waited = aws.lam.get_function, []

    def in_progress(**params: Any) -> dict[str, Any]:
        function = get_function(**params)
        if params["FunctionName"] == "lc-to-file" and not waited:
            function["Configuration"]["LastUpdateStatus"] = "InProgress"
        return function

    class Waiter:
        def wait(self, **params: Any) -> None:
            waited.append(params["FunctionName"])

    aws.lam.get_function = in_progress  # type: ignore[method-assign]
    aws.lam.get_waiter = lambda name: Waiter() if name == "function_updated_v2" else None  # type: ignore[method-assign]
    if operation == "restart":
        aws.deployer.restart("to-file", None)
    else:
        aws.lam.update_function_configuration(FunctionName="stack-SinkTask", MemorySize=1024)
        aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    assert waited == ["lc-to-file"]
    configuration = get_function(FunctionName="lc-to-file")["Configuration"]  # then updated
    assert ("LAMBDA_CONNECT_RESTART_TOKEN" in configuration["Environment"]["Variables"] if operation == "restart"
            else configuration["MemorySize"] == 1024)


def test_msk_mapping_uses_the_cluster_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        aws = Aws(msk=True)
        aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
        [mapping] = aws.mappings()
        assert mapping["EventSourceArn"] == "arn:aws:kafka:us-east-1:123456789012:cluster/c/1"
        assert mapping["AmazonManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": "connect-to-file"}
        assert "SelfManagedEventSource" not in mapping


def test_multi_topic_regex_and_multi_task_sinks_get_a_schedule_per_task_and_no_function(aws: Aws) -> None:
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)  # one topic, one task: function + mapping
    assert aws.deployer.sinks.connectors() == {"to-file"}
    regex = {**SINK, "topics": "", "topics.regex": "a.*", "tasks.max": "2"}

    aws.deployer.apply("to-file", regex, 2, TargetState.STARTED)

    schedules = aws.schedules()
    assert sorted(schedules) == ["to-file-0", "to-file-1"]
    assert json.loads(schedules["to-file-1"]["Target"]["Input"]) == {
        "connector": "to-file", "task": 1, "window_start": "<aws.scheduler.scheduled-time>", "window_ms": 60000,
        "kind": "sink"}
    assert schedules["to-file-0"]["Target"]["Arn"] == aws.settings.schedules.source_function_arn
    assert schedules["to-file-0"]["Description"] == "lambda-connect sink task to-file-0"
    assert not aws.mappings() and not _exists(aws.lam, "lc-to-file")  # the mapping's function is gone
    assert aws.deployer.sinks.connectors() == set()
    assert aws.deployer.schedules.connectors() == {"to-file"}

    aws.deployer.apply("to-file", {**SINK, "topics": "a,b"}, 1, TargetState.PAUSED)
    assert [s["State"] for s in aws.schedules().values()] == ["DISABLED"]
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)  # back to one topic: back to a mapping
    assert not aws.schedules() and len(aws.mappings()) == 1


def test_check_refuses_only_a_forced_mapping_over_several_topics(aws: Aws) -> None:
    forced = {**SINK, "lambda.sink.trigger": "mapping"}
    with pytest.raises(ConfigError, match="configuration topics"):
        aws.deployer.check({**forced, "topics": "a,b"})
    with pytest.raises(ConfigError, match="topics.regex"):
        aws.deployer.check({**forced, "topics": "", "topics.regex": "a.*"})
    aws.deployer.check({**SINK, "topics": "a,b"})
    aws.deployer.check({**SINK, "topics": "", "topics.regex": "a.*"})
    aws.deployer.check(SINK)
    aws.deployer.check(SOURCE)
    assert not aws.mappings()


def test_self_managed_sink_without_auth_or_vpc_is_refused_before_anything_is_created(aws: Aws) -> None:
    bare = AwsDeployer(
        AwsDeployerSettings(aws.settings.schedules, SinkFunctionSettings(
            template_function="stack-SinkTask", function_prefix="lc-", bootstrap_servers=("b1:9092",))),
        scheduler=aws.scheduler, lambda_client=aws.lam, fetch_code=aws._fetch)
    with pytest.raises(ConfigError, match="SubnetIds, SecurityGroupIds"):
        bare.apply("open", SINK, 1, TargetState.STARTED)
    assert not _exists(aws.lam, "lc-open")

    in_vpc = AwsDeployer(
        AwsDeployerSettings(aws.settings.schedules, SinkFunctionSettings(
            template_function="stack-SinkTask", function_prefix="lc-", bootstrap_servers=("b1:9092",),
            vpc_subnets=("subnet-1",), vpc_security_groups=("sg-1",))),
        scheduler=aws.scheduler, lambda_client=aws.lam, fetch_code=aws._fetch)
    in_vpc.apply("open", SINK, 1, TargetState.STARTED)
    assert sorted(aws.mappings()[0]["SourceAccessConfigurations"], key=lambda a: a["Type"]) == [
        {"Type": "VPC_SECURITY_GROUP", "URI": "security_group:sg-1"}, {"Type": "VPC_SUBNET", "URI": "subnet:subnet-1"}]


def test_a_private_ca_secret_goes_on_self_managed_mappings_beside_their_auth_and_never_alone(aws: Aws) -> None:
    ca = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka-ca"

    def deployer(**settings: Any) -> AwsDeployer:
        return AwsDeployer(AwsDeployerSettings(aws.settings.schedules, SinkFunctionSettings(
            template_function="stack-SinkTask", function_prefix="lc-", server_root_ca_secret_arn=ca, **settings)),
            scheduler=aws.scheduler, lambda_client=aws.lam, fetch_code=aws._fetch)

    deployer(bootstrap_servers=("b1:9094",), auth_mode="SASL_SCRAM_512", auth_secret_arn=SECRET).apply(
        "scram", SINK, 1, TargetState.STARTED)
    assert aws.mappings()[0]["SourceAccessConfigurations"] == [
        {"Type": "SASL_SCRAM_512_AUTH", "URI": SECRET}, {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": ca}]
    with pytest.raises(ConfigError, match="SubnetIds, SecurityGroupIds"):  # a CA is no way in by itself
        deployer(bootstrap_servers=("b1:9094",)).apply("bare", SINK, 1, TargetState.STARTED)


def test_names_are_sanitised_without_collisions(aws: Aws) -> None:
    aws.deployer.apply("my src/1", SOURCE, 1, TargetState.STARTED)
    aws.deployer.apply("my_src_1", SOURCE, 1, TargetState.STARTED)
    names = list(aws.schedules())
    assert len(names) == 2 and "my_src_1-0" in names
    assert all(len(n) <= 64 for n in names)


def test_factory_picks_the_aws_deployer_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from connect_core.coordinator.factory import deployer_from_env
    from connect_core.coordinator.herder.deployer import RecordingDeployer

    monkeypatch.delenv("LAMBDA_CONNECT_DEPLOYER", raising=False)
    assert isinstance(deployer_from_env(), RecordingDeployer)
    monkeypatch.setenv("LAMBDA_CONNECT_DEPLOYER", "aws")
    with pytest.raises(ConfigError, match="LAMBDA_CONNECT_SOURCE_FUNCTION_ARN"):
        deployer_from_env()
    for name, value in (("LAMBDA_CONNECT_SOURCE_FUNCTION_ARN", "arn:src"), ("LAMBDA_CONNECT_SCHEDULER_ROLE_ARN", "r"),
                        ("LAMBDA_CONNECT_SINK_FUNCTION_NAME", "sink"), ("LAMBDA_CONNECT_STACK_NAME", "prod")):
        monkeypatch.setenv(name, value)
    deployer = deployer_from_env()
    assert isinstance(deployer, AwsDeployer) and deployer.settings.sinks.poller_group == "prod-sinks"


S3_SINK = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": "lines", "s3.bucket.name": "b",
           "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "1000",
           "rotate.schedule.interval.ms": "150000", "timezone": "UTC"}


def test_a_mapping_sink_that_declares_idle_ticks_gets_a_schedule_invoking_its_own_function(aws: Aws) -> None:
    deployer = aws.deployer
    deployer.apply("quiet", S3_SINK, 1, TargetState.STARTED)
    schedule = aws.schedules()["quiet-idle"]
    function_arn = aws.lam.get_function(FunctionName="lc-quiet")["Configuration"]["FunctionArn"]
    assert (schedule["ScheduleExpression"], schedule["State"], schedule["Target"]["Arn"]) == (
        "rate(3 minutes)", "ENABLED", function_arn)  # 150 s rounded up to Scheduler's minutes
    assert json.loads(schedule["Target"]["Input"]) == {"connector": "quiet", "idle_tick": True}
    assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 0
    deployer.apply("quiet", S3_SINK, 1, TargetState.STARTED)
    assert deployer.last_actions == []  # converged: nothing changes
    deployer.apply("quiet", S3_SINK, 1, TargetState.PAUSED)
    assert aws.schedules()["quiet-idle"]["State"] == "DISABLED"
    assert deployer.connectors() == {"quiet"}
    deployer.apply("quiet", {**S3_SINK, "rotate.schedule.interval.ms": "-1"}, 1, TargetState.STARTED)
    assert "quiet-idle" not in aws.schedules()  # nothing of the clock to do: no ticks
    deployer.apply("quiet", S3_SINK, 1, TargetState.STARTED)
    deployer.remove("quiet")
    assert aws.schedules() == {}


def test_an_idle_schedule_left_behind_is_found_as_an_orphan_and_removed(aws: Aws) -> None:
    aws.deployer.apply("quiet", S3_SINK, 1, TargetState.STARTED)
    aws.deployer.sinks.remove("quiet")  # the function went, the schedule stayed (an interrupted delete)
    assert aws.deployer.connectors() == {"quiet"}
    aws.deployer.remove("quiet")
    assert aws.schedules() == {}


def test_sinks_without_a_declared_interval_and_sources_get_no_idle_schedule(aws: Aws) -> None:
    aws.deployer.apply("to-file", SINK, 1, TargetState.STARTED)
    aws.deployer.apply("src", SOURCE, 3, TargetState.STARTED)
    assert not [name for name in aws.schedules() if name.endswith("-idle")]


def test_a_missing_idle_schedule_is_named_among_what_a_mapping_sink_lacks(aws: Aws) -> None:
    aws.deployer.apply("quiet", S3_SINK, 1, TargetState.STARTED)
    assert aws.deployer.missing("quiet", S3_SINK, 1) == {}
    aws.scheduler.delete_schedule(Name="quiet-idle", GroupName="default")
    assert aws.deployer.missing("quiet", S3_SINK, 1) == {0: "the idle-tick schedule quiet-idle (group default)"}
    aws.deployer.apply("quiet", S3_SINK, 1, TargetState.STARTED)  # the reconciler's pass puts it back
    assert aws.deployer.missing("quiet", S3_SINK, 1) == {}

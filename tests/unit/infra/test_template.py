"""template.yaml: lints clean, transforms with aws-sam-translator, and grants only what the functions need."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from connect_core.runtime.heartbeat import is_heartbeat
from tests.unit.infra._template import ROOT, TEMPLATE, load_template

SAM = Path(sys.executable).with_name("sam")
MSK_ARN = "arn:aws:kafka:us-east-1:111111111111:cluster/demo/0000aaaa-1111-2222-3333-444455556666-1"


class _NoManagedPolicies:
    """The translator asks for AWS managed policy ARNs only for names in ``Policies``; the template uses none."""

    def load(self) -> dict[str, str]:
        return {}


def _transform(parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """The CloudFormation template ``sam deploy`` would create (code URIs as ``sam package`` rewrites them)."""
    from samtranslator.translator.transform import transform

    template = load_template()
    for logical_id, resource in template["Resources"].items():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://artifacts/{logical_id}.zip"
    return transform(template, dict(parameters or {}), _NoManagedPolicies())


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator wants a region for pseudo parameters
        return _transform()


def _of_type(cfn: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == kind}


def _statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    """Statements, unwrapping ``Fn::If [cond, statement, AWS::NoValue]``."""
    return [s["Fn::If"][1] if "Fn::If" in s else s for s in policy_document["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def test_sam_validate_lint_is_clean() -> None:
    result = subprocess.run(
        [str(SAM), "validate", "--lint", "--template-file", str(TEMPLATE), "--region", "us-east-1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"}, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_the_three_functions_share_the_connect_core_layer(cfn: dict[str, Any]) -> None:
    functions = _of_type(cfn, "AWS::Lambda::Function")
    layers = _of_type(cfn, "AWS::Lambda::LayerVersion")
    (layer_id, layer), = ((k, v) for k, v in layers.items() if k.startswith("ConnectCoreLayer"))
    (iceberg_id, iceberg), = ((k, v) for k, v in layers.items() if k.startswith("IcebergLayer"))
    assert layer["Properties"]["CompatibleRuntimes"] == iceberg["Properties"]["CompatibleRuntimes"] == [
        "python3.12", "python3.13"]  # 3.13 for a stack on Lambda Managed Instances (ManagedInstances)
    assert "Condition" not in layer and iceberg["Condition"] == "HasIcebergWarehouse"
    handlers = {f["Properties"]["Handler"] for f in functions.values()}
    assert handlers == {"functions/coordinator/app.handler", "functions/source_task/app.handler",
                        "functions/sink_task/app.handler"}
    # the Iceberg sink's layer (only with a warehouse bucket) where sink tasks run: sink functions, pull mode
    with_iceberg = {"Fn::If": ["HasIcebergWarehouse", {"Ref": iceberg_id}, {"Ref": "AWS::NoValue"}]}
    for function in functions.values():
        runs_sinks = function["Properties"]["Handler"] != "functions/coordinator/app.handler"
        assert function["Properties"]["Layers"] == [{"Ref": layer_id}, *([with_iceberg] if runs_sinks else [])]
        # python3.12, or 3.13 for the whole stack once a function runs on Managed Instances (one layer for all)
        expected = "python3.13" if function.get("Condition") == "SourceOnInstances" else "python3.12"
        assert function["Properties"]["Runtime"] in (
            expected, {"Fn::If": ["SourceOnInstances", "python3.13", "python3.12"]}), function


def test_every_built_resource_uses_the_infra_sam_makefile() -> None:
    template = load_template()
    makefile = (ROOT / "infra/sam/Makefile").read_text()
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion"):
            assert resource["Metadata"] == {"BuildMethod": "makefile", "ContextPath": "infra/sam"}, logical_id
            assert re.search(rf"^build-[\w -]*\b{logical_id}\b", makefile, re.M), f"no make target for {logical_id}"


def test_the_makefile_builds_for_the_template_runtime() -> None:
    runtime = load_template()["Globals"]["Function"]["Runtime"]["Fn::If"][2]  # without Managed Instances
    assert f"LAMBDA_PYTHON ?= {runtime.removeprefix('python')}" in (ROOT / "infra/sam/Makefile").read_text()


def test_the_architecture_parameter_drives_the_functions_the_layer_and_the_makefile(cfn: dict[str, Any]) -> None:
    template = load_template()
    assert template["Parameters"]["Architecture"]["AllowedValues"] == ["x86_64", "arm64"]
    assert template["Parameters"]["Architecture"]["Default"] == "x86_64"
    assert template["Globals"]["Function"]["Architectures"] == [{"Ref": "Architecture"}]
    assert template["Resources"]["ConnectCoreLayer"]["Properties"]["CompatibleArchitectures"] == [
        {"Ref": "Architecture"}]
    assert template["Globals"]["Function"]["Environment"]["Variables"]["LAMBDA_CONNECT_ARCHITECTURE"] == {
        "Ref": "Architecture"}
    for function in _of_type(cfn, "AWS::Lambda::Function").values():
        assert function["Properties"]["Architectures"] == [{"Ref": "Architecture"}]
    makefile = (ROOT / "infra/sam/Makefile").read_text()
    assert "LAMBDA_ARCHITECTURE ?= x86_64" in makefile
    for architecture, machine in (("x86_64", "x86_64"), ("arm64", "aarch64")):
        shown = subprocess.run(["make", "-s", "-f", str(ROOT / "infra/sam/Makefile"), "-p", "-n", "--no-builtin-rules",
                                f"LAMBDA_ARCHITECTURE={architecture}", "ARTIFACTS_DIR=/nonexistent"],
                               capture_output=True, text=True, check=False, timeout=60).stdout
        assert f"--platform manylinux_2_28_{machine}" in shown, architecture
    wrong = subprocess.run(["make", "-s", "-f", str(ROOT / "infra/sam/Makefile"), "-n", "build-ConnectCoreLayer",
                            "LAMBDA_ARCHITECTURE=sparc", "ARTIFACTS_DIR=/nonexistent"],
                           capture_output=True, text=True, check=False, timeout=60)
    assert wrong.returncode != 0 and "LAMBDA_ARCHITECTURE must be x86_64 or arm64" in wrong.stderr


def test_the_layer_requirements_cover_the_project_dependencies() -> None:
    def names(lines: list[str]) -> set[str]:
        return {re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
                for line in lines if line.strip() and not line.lstrip().startswith("#")}

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = (ROOT / "infra/sam/requirements.txt").read_text().splitlines()
    assert names(project) <= names(layer)


def test_coordinator_has_an_iam_function_url_in_the_outputs(cfn: dict[str, Any]) -> None:
    urls = _of_type(cfn, "AWS::Lambda::Url")
    assert [u["Properties"]["AuthType"] for u in urls.values()] == ["AWS_IAM"]
    assert cfn["Outputs"]["CoordinatorUrl"]["Value"] == {"Fn::GetAtt": ["CoordinatorFunctionUrl", "FunctionUrl"]}


def test_the_static_source_schedule_is_off_unless_a_connector_is_named(cfn: dict[str, Any]) -> None:
    schedules = _of_type(cfn, "AWS::Scheduler::Schedule")
    props = schedules["SourceTaskFunctionStaticSchedule"]["Properties"]
    assert props["State"] == {"Fn::If": ["HasStaticSource", "ENABLED", "DISABLED"]}
    assert props["GroupName"] == {"Ref": "ScheduleGroup"}
    assert props["Target"]["Arn"] == {"Fn::GetAtt": ["SourceTaskFunction", "Arn"]}
    assert props["Target"]["RoleArn"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}
    rendered = props["Target"]["Input"]["Fn::Sub"].replace("${StaticSourceConnector}", "orders-source")
    assert json.loads(rendered) == {"connector": "orders-source", "task": 0, "window_ms": 60_000,
                                    "window_start": "<aws.scheduler.scheduled-time>"}


def test_source_ticks_come_from_an_sqs_queue_the_source_function_may_send_to(cfn: dict[str, Any]) -> None:
    """Sub-minute poll intervals: the source function sends its next tick to the queue, whose mapping invokes it."""
    queue_id = "SourceTickQueue"
    # one source task function or the other (on Lambda Managed Instances, ManagedInstances=source-task) gets the ticks
    ticks = {m["Condition"]: m["Properties"] for m in _of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
             if m["Properties"].get("EventSourceArn") == {"Fn::GetAtt": [queue_id, "Arn"]}}
    assert ticks["SourceOnDemand"]["FunctionName"] == {"Ref": "SourceTaskFunction"}
    assert ticks["SourceOnInstances"]["FunctionName"] == {"Ref": "SourceTaskInstancesFunction"}
    assert {t["BatchSize"] for t in ticks.values()} == {1}
    function = cfn["Resources"]["SourceTaskFunction"]["Properties"]
    assert function["Environment"]["Variables"]["LAMBDA_CONNECT_SOURCE_TICK_QUEUE_URL"] == {"Ref": queue_id}
    assert "LAMBDA_CONNECT_SOURCE_POLL_WINDOW_MS" not in function["Environment"]["Variables"]
    role = cfn["Resources"]["SourceTaskRole"]["Properties"]
    actions = {a for p in role["Policies"] for st in p["PolicyDocument"]["Statement"] for a in st["Action"]}
    assert {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} <= actions
    visibility = cfn["Resources"][queue_id]["Properties"]["VisibilityTimeout"]
    assert visibility >= cfn["Resources"]["SourceTaskFunction"]["Properties"].get("Timeout", 300)


def test_static_sinks_are_conditional_kafka_mappings_in_group_connect_name(cfn: dict[str, Any]) -> None:
    mappings = {k: m for k, m in _of_type(cfn, "AWS::Lambda::EventSourceMapping").items()
                if m.get("Condition", "").startswith("HasStatic")}
    assert {m["Condition"] for m in mappings.values()} == {"HasStaticMskSink", "HasStaticSelfManagedSink"}
    msk = next(m["Properties"] for m in mappings.values() if m["Condition"] == "HasStaticMskSink")
    assert msk["EventSourceArn"] == {"Ref": "MskClusterArn"}
    group = msk["AmazonManagedKafkaEventSourceConfig"]["ConsumerGroupId"]
    assert group == {"Fn::Sub": "connect-${StaticSinkConnector}"}
    own = next(m["Properties"] for m in mappings.values() if m["Condition"] == "HasStaticSelfManagedSink")
    assert own["SelfManagedEventSource"]["Endpoints"]["KafkaBootstrapServers"] == {
        "Fn::Split": [",", {"Ref": "KafkaBootstrapServers"}]}
    assert own["SourceAccessConfigurations"] == [{"Type": "SASL_SCRAM_512_AUTH", "URI": {"Ref": "KafkaSecretArn"}}]
    functions = cfn["Resources"]
    for mapping in mappings.values():
        function = functions[mapping["Properties"]["FunctionName"]["Ref"]]
        assert function["Condition"] == mapping["Condition"]
        assert function["Properties"]["Environment"]["Variables"]["CONNECTOR_NAME"] == {"Ref": "StaticSinkConnector"}


def test_the_coordinator_heartbeat_fires_every_minute_with_its_own_role(cfn: dict[str, Any]) -> None:
    props = _of_type(cfn, "AWS::Scheduler::Schedule")["CoordinatorFunctionHeartbeat"]["Properties"]
    assert props["ScheduleExpression"] == "rate(1 minute)"
    assert props["Target"]["Arn"] == {"Fn::GetAtt": ["CoordinatorFunction", "Arn"]}
    assert props["Target"]["RoleArn"] == {"Fn::GetAtt": ["HeartbeatRole", "Arn"]}
    assert is_heartbeat(json.loads(props["Target"]["Input"]))


def test_no_role_is_generated_and_no_aws_managed_policy_is_attached(cfn: dict[str, Any]) -> None:
    roles = _of_type(cfn, "AWS::IAM::Role")
    # but the capacity provider's operator role (only with ManagedInstances): the one AWS managed policy Lambda
    # documents for it, what Lambda needs to run and replace the instances in the stack's subnets
    operator = roles.pop("TaskCapacityProviderOperatorRole")
    assert operator["Condition"] == "SourceOnInstances"
    assert operator["Properties"]["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator"}]
    assert set(roles) == {"CoordinatorRole", "SourceTaskRole", "SinkTaskRole", "SchedulerRole", "HeartbeatRole"}
    assert "arn:aws:iam::aws:policy" not in json.dumps(roles)


def test_only_list_and_describe_actions_use_a_wildcard_resource(cfn: dict[str, Any]) -> None:
    allowed_wildcards = {
        "scheduler:ListSchedules", "lambda:ListFunctions",
        "lambda:GetEventSourceMapping", "lambda:ListEventSourceMappings",
        # Conditioned on lambda:FunctionArn: CreateEventSourceMapping has no resource type of its own.
        "lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping",
    }
    documents = []
    for role in _of_type(cfn, "AWS::IAM::Role").values():
        policies = role["Properties"].get("Policies") or []
        if isinstance(policies, dict):  # Fn::If [condition, policies, AWS::NoValue]
            policies = policies["Fn::If"][1]
        documents += [policy["PolicyDocument"] for policy in policies]
    assert len(documents) == 5  # scheduler, heartbeat, coordinator, source ticks, the sink's MSK mapping
    documents += [p["Properties"]["PolicyDocument"] for p in _of_type(cfn, "AWS::IAM::ManagedPolicy").values()]
    for document in documents:
        for statement in _statements(document):
            if statement["Resource"] == "*":
                wild = [a for a in _actions(statement) if a not in allowed_wildcards]
                assert all(a.startswith("ec2:") for a in wild), statement  # EC2 ENI actions have no resource ARNs
                if "lambda:CreateEventSourceMapping" in _actions(statement):
                    assert "lambda:FunctionArn" in statement["Condition"]["ArnLike"]


def test_the_coordinator_manages_only_this_stacks_schedules_functions_and_mappings(cfn: dict[str, Any]) -> None:
    (policy,) = cfn["Resources"]["CoordinatorRole"]["Properties"]["Policies"]
    by_sid = {s["Sid"]: s for s in _statements(policy["PolicyDocument"])}
    assert by_sid["SourceSchedules"]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/${ScheduleGroup}/*"}
    prefix = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-connector-*"
    assert by_sid["ConnectorFunctions"]["Resource"] == {"Fn::Sub": prefix}
    assert by_sid["ConnectorMappings"]["Condition"]["ArnLike"]["lambda:FunctionArn"] == {"Fn::Sub": prefix}
    assert by_sid["PassSinkRole"]["Resource"] == {"Fn::GetAtt": ["SinkTaskRole", "Arn"]}
    assert by_sid["PassSchedulerRole"]["Condition"]["StringEquals"]["iam:PassedToService"] == "scheduler.amazonaws.com"


def test_msk_iam_permissions_are_scoped_to_the_cluster_and_conditional(cfn: dict[str, Any]) -> None:
    document = cfn["Resources"]["FunctionBasePolicy"]["Properties"]["PolicyDocument"]
    conditional = {s["Fn::If"][1]["Sid"]: s["Fn::If"][0] for s in document["Statement"] if "Fn::If" in s}
    assert conditional == {
        "MskIamCluster": "UseMskIam", "MskIamTopics": "UseMskIam", "MskIamGroups": "UseMskIam",
        "MskIamTransactions": "UseMskIam", "KafkaSecret": "HasSecret", "KafkaSecretKey": "HasSecretKmsKey",
        "KafkaServerRootCa": "HasServerRootCa", "VpcNetworkInterfaces": "HasVpc", "StackKey": "HasKmsKey",
    }
    by_sid = {s["Sid"]: s for s in _statements(document)}
    topics = by_sid["MskIamTopics"]["Resource"]["Fn::Sub"]
    cluster = topics[1]["Cluster"]
    assert topics[0].endswith(":topic/${Cluster}/*")
    # the cluster path the template derives from the ARN, evaluated the way CloudFormation would
    selected, (separator, joined) = cluster["Fn::Select"][0], cluster["Fn::Select"][1]["Fn::Split"]
    arn = joined["Fn::Sub"].replace("${MskClusterArn}", MSK_ARN)
    assert arn.split(separator)[selected] == "demo/0000aaaa-1111-2222-3333-444455556666-1"
    assert ":cluster/".split(separator)[selected] == ""  # no MSK (empty ARN): the Select still has an element
    assert by_sid["MskIamTransactions"]["Resource"]["Fn::Sub"][0].endswith("/${GroupId}-*")


def test_samconfig_has_a_default_deploy_profile() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert config["default"]["global"]["parameters"]["stack_name"]

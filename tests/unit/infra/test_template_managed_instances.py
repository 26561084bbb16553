"""template.yaml's ManagedInstances parameter: the source task function (sources and pull-mode sinks) on a capacity
provider of Lambda Managed Instances, as aws-sam-translator turns it into CloudFormation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.infra._template import load_template


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    class _Policies:
        def load(self) -> dict[str, str]:
            return {}

    template = load_template()
    for logical_id, resource in template["Resources"].items():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://artifacts/{logical_id}.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        return transform(template, {"ManagedInstances": "source-task"}, _Policies())


def test_the_parameter_is_off_by_default_and_names_what_it_moves() -> None:
    template = load_template()
    parameter = template["Parameters"]["ManagedInstances"]
    assert parameter["Default"] == "none" and parameter["AllowedValues"] == ["none", "source-task"]
    assert template["Conditions"]["SourceOnInstances"] == {"Fn::Equals": [{"Ref": "ManagedInstances"}, "source-task"]}
    assert template["Conditions"]["SourceOnDemand"] == {"Fn::Not": [{"Condition": "SourceOnInstances"}]}


def test_the_capacity_provider_runs_in_the_stacks_subnets_at_its_architecture(cfn: dict[str, Any]) -> None:
    provider = cfn["Resources"]["TaskCapacityProvider"]
    assert provider["Type"] == "AWS::Lambda::CapacityProvider" and provider["Condition"] == "SourceOnInstances"
    props = provider["Properties"]
    assert props["VpcConfig"] == {"SubnetIds": {"Ref": "SubnetIds"}, "SecurityGroupIds": {"Ref": "SecurityGroupIds"}}
    assert props["InstanceRequirements"]["Architectures"] == [{"Ref": "Architecture"}]
    assert props["InstanceRequirements"]["AllowedInstanceTypes"] == {
        "Fn::If": ["HasInstanceTypes", {"Ref": "ManagedInstanceTypes"}, {"Ref": "AWS::NoValue"}]}
    assert props["CapacityProviderScalingConfig"]["MaxVCpuCount"] == {"Ref": "ManagedInstancesMaxVCpu"}
    # its operator role is the stack's own (by name: no !GetAtt of a resource that may be off), not one SAM generates
    assert provider["DependsOn"] == "TaskCapacityProviderOperatorRole" or provider["DependsOn"] == [
        "TaskCapacityProviderOperatorRole"]
    assert props["PermissionsConfig"]["CapacityProviderOperatorRoleArn"]["Fn::Sub"][0].endswith(
        ":role/lambda-connect-lmi-${StackId}")
    role = cfn["Resources"]["TaskCapacityProviderOperatorRole"]
    assert role["Condition"] == "SourceOnInstances"
    assert role["Properties"]["RoleName"]["Fn::Sub"][0] == "lambda-connect-lmi-${StackId}"
    assert not [k for k in cfn["Resources"] if k.startswith("TaskCapacityProvider") and k.endswith("OperatorRole")
                and k != "TaskCapacityProviderOperatorRole"]


def test_one_source_task_function_or_its_copy_on_the_provider_same_name_code_role_and_triggers(
        cfn: dict[str, Any]) -> None:
    resources = cfn["Resources"]
    on_demand, on_instances = resources["SourceTaskFunction"], resources["SourceTaskInstancesFunction"]
    assert on_demand["Condition"] == "SourceOnDemand" and on_instances["Condition"] == "SourceOnInstances"
    a, b = on_demand["Properties"], on_instances["Properties"]
    for key in ("FunctionName", "Handler", "Role", "Environment", "Layers", "Timeout", "Architectures"):
        assert a[key] == b[key], key
    config = b["CapacityProviderConfig"]["LambdaManagedInstancesCapacityProviderConfig"]
    assert config["CapacityProviderArn"]["Fn::Sub"].endswith(":capacity-provider:${AWS::StackName}-tasks")
    assert cfn["Resources"]["TaskCapacityProvider"]["Properties"]["CapacityProviderName"] == {
        "Fn::Sub": "${AWS::StackName}-tasks"}
    assert "TaskCapacityProvider" in on_instances["DependsOn"]  # created after it
    assert "VpcConfig" not in b and "VpcConfig" in a  # the provider's subnets, not the function's
    assert b["Runtime"] == "python3.13" and a["Runtime"] == "python3.12"
    assert b["MemorySize"] >= 2048  # Managed Instances' smallest execution environment
    ticks = {r["Condition"]: r["Properties"]["FunctionName"] for r in resources.values()
             if r["Type"] == "AWS::Lambda::EventSourceMapping" and r.get("Condition", "").startswith("Source")}
    assert ticks == {"SourceOnDemand": {"Ref": "SourceTaskFunction"},
                     "SourceOnInstances": {"Ref": "SourceTaskInstancesFunction"}}
    # the static source schedule of either copy: the same name, schedule and input, the function by its ARN
    schedules = {r["Condition"]: r["Properties"] for r in resources.values()
                 if r["Type"] == "AWS::Scheduler::Schedule" and r.get("Condition", "").startswith("Source")}
    assert set(schedules) == {"SourceOnDemand", "SourceOnInstances"}
    on, off = schedules["SourceOnInstances"], schedules["SourceOnDemand"]
    assert {k: v for k, v in on.items() if k != "Target"} == {k: v for k, v in off.items() if k != "Target"}
    assert {k: v for k, v in on["Target"].items() if k != "Arn"} == {
        k: v for k, v in off["Target"].items() if k != "Arn"}
    assert on["Target"]["Arn"]["Fn::Sub"].endswith(":function:${AWS::StackName}-source-task")


def test_the_coordinator_starts_and_schedules_whichever_copy_exists(cfn: dict[str, Any]) -> None:
    # by the name both copies share: a reference to the copy that is off breaks LocalStack's stack deletion
    chosen = {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
                         "${AWS::StackName}-source-task"}
    coordinator = cfn["Resources"]["CoordinatorFunction"]["Properties"]
    assert coordinator["Environment"]["Variables"]["LAMBDA_CONNECT_SOURCE_FUNCTION_ARN"] == chosen
    assert cfn["Outputs"]["SourceTaskFunctionArn"]["Value"] == chosen
    # every other function runs the stack's one runtime: python3.13 once the layer is built for the provider's
    for logical_id in ("CoordinatorFunction", "SinkTaskFunction"):
        assert cfn["Resources"][logical_id]["Properties"]["Runtime"] == {
            "Fn::If": ["SourceOnInstances", "python3.13", "python3.12"]}

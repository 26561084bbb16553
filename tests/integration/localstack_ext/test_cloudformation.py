"""Stack updates on LocalStack's CloudFormation with the extension's patches (patches.py): a SAM template whose
resources reference each other before the transform (template.yaml's coordinator and its heartbeat role: the
function's ScheduleV2 event names the role, the role's policy names the function) and that joins a list parameter
(template.yaml's HasVpc) is created, updated with a changed parameter, and updated again unchanged, which touches
no resource. Unpatched, LocalStack 4.13.1 failed the first update with "maximum recursion depth exceeded"."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from infra.local import stack

pytestmark = pytest.mark.integration

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Level:
    Type: String
  Names:
    Type: CommaDelimitedList
    Default: "a,b"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-fn"
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context):\\n    return event\\n"
      Environment:
        Variables:
          LEVEL: !Ref Level
          NAMES: !Join ["+", !Ref Names]
      Events:
        Beat:
          Type: ScheduleV2
          Properties:
            Name: !Sub "${AWS::StackName}-beat"
            ScheduleExpression: rate(1 minute)
            State: DISABLED
            Input: '{"beat": true}'
            RoleArn: !GetAtt BeatRole.Arn
  BeatRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: scheduler.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: InvokeFn
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: lambda:InvokeFunction
                Resource: [!GetAtt Fn.Arn, !Sub "${Fn.Arn}:*"]
"""


def _deploy(cloudformation: Any, name: str, parameters: dict[str, str]) -> None:
    exists = any(s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"
                 for s in cloudformation.list_stacks()["StackSummaries"])
    change_set = cloudformation.create_change_set(
        StackName=name, ChangeSetName=f"cs-{uuid.uuid4().hex[:8]}", TemplateBody=TEMPLATE,
        ChangeSetType="UPDATE" if exists else "CREATE", Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()])
    cloudformation.get_waiter("change_set_create_complete").wait(
        ChangeSetName=change_set["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    cloudformation.execute_change_set(ChangeSetName=change_set["Id"])
    cloudformation.get_waiter("stack_update_complete" if exists else "stack_create_complete").wait(
        StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300})


def _resource_events(cloudformation: Any, name: str) -> list[tuple[str, str]]:
    events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events if e["LogicalResourceId"] != name]


def test_a_sam_template_with_a_reference_cycle_before_its_transform_updates_and_an_unchanged_update_touches_nothing(
    aws_settings: dict[str, str],
) -> None:
    name = f"lc-cfn-{uuid.uuid4().hex[:6]}"
    cloudformation, lambda_ = stack.client("cloudformation"), stack.client("lambda")
    try:
        _deploy(cloudformation, name, {"Level": "INFO"})
        _deploy(cloudformation, name, {"Level": "DEBUG", "Names": "a,b,c"})
        function = lambda_.get_function_configuration(FunctionName=f"{name}-fn")
        assert function["Environment"]["Variables"] == {"LEVEL": "DEBUG", "NAMES": "a+b+c"}
        schedule = stack.client("scheduler").get_schedule(Name=f"{name}-beat")
        assert json.loads(schedule["Target"]["Input"]) == {"beat": True}
        role = cloudformation.describe_stack_resource(StackName=name, LogicalResourceId="BeatRole")[
            "StackResourceDetail"]["PhysicalResourceId"]
        assert schedule["Target"]["RoleArn"].endswith(f"/{role}")  # both sides of the cycle resolved
        policy = stack.client("iam").get_role_policy(RoleName=role, PolicyName="InvokeFn")["PolicyDocument"]
        policy = json.loads(policy) if isinstance(policy, str) else policy
        assert policy["Statement"][0]["Resource"] == [function["FunctionArn"], function["FunctionArn"] + ":*"]

        events = len(_resource_events(cloudformation, name))
        _deploy(cloudformation, name, {"Level": "DEBUG", "Names": "a,b,c"})
        assert len(_resource_events(cloudformation, name)) == events  # no resource was touched
        assert lambda_.get_function_configuration(FunctionName=f"{name}-fn")["LastModified"] == function[
            "LastModified"]
    finally:
        cloudformation.delete_stack(StackName=name)
        cloudformation.get_waiter("stack_delete_complete").wait(
            StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300})

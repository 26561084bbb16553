"""Smoke test: LocalStack in host mode serves the AWS APIs the deployer and S3 sink use."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

pytestmark = pytest.mark.integration


def test_s3_put_get_list(aws_settings: dict[str, str]) -> None:
    s3 = boto3.client("s3", **aws_settings)
    bucket = f"smoke-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="topics/t/part-0.json", Body=b'{"a":1}\n')

    assert s3.get_object(Bucket=bucket, Key="topics/t/part-0.json")["Body"].read() == b'{"a":1}\n'
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="topics/")
    assert [item["Key"] for item in listed["Contents"]] == ["topics/t/part-0.json"]


def test_conditional_put_refuses_to_overwrite(aws_settings: dict[str, str]) -> None:
    """The S3 sink's exactly-once design relies on If-None-Match: * being honoured."""
    s3 = boto3.client("s3", **aws_settings)
    bucket = f"smoke-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", IfNoneMatch="*")
    with pytest.raises(s3.exceptions.ClientError) as failure:
        s3.put_object(Bucket=bucket, Key="k", Body=b"second", IfNoneMatch="*")
    assert failure.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"first"


def test_secrets_manager_secret_round_trip(aws_settings: dict[str, str]) -> None:
    secrets = boto3.client("secretsmanager", **aws_settings)
    name = f"smoke/{uuid.uuid4().hex[:8]}"
    secrets.create_secret(Name=name, SecretString=json.dumps({"username": "u", "password": "p"}))
    assert json.loads(secrets.get_secret_value(SecretId=name)["SecretString"]) == {"username": "u", "password": "p"}


def test_scheduler_schedule_round_trip(aws_settings: dict[str, str]) -> None:
    scheduler = boto3.client("scheduler", **aws_settings)
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    target = {
        "Arn": "arn:aws:lambda:us-east-1:000000000000:function:source-task",
        "RoleArn": "arn:aws:iam::000000000000:role/scheduler",
        "Input": json.dumps({"connector": "c", "task": 0}),
    }
    scheduler.create_schedule(
        Name=name, ScheduleExpression="rate(1 minute)", FlexibleTimeWindow={"Mode": "OFF"}, Target=target
    )
    schedule = scheduler.get_schedule(Name=name)
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert json.loads(schedule["Target"]["Input"]) == {"connector": "c", "task": 0}
    scheduler.update_schedule(
        Name=name, ScheduleExpression="rate(1 minute)", FlexibleTimeWindow={"Mode": "OFF"}, Target=target,
        State="DISABLED",
    )
    assert scheduler.get_schedule(Name=name)["State"] == "DISABLED"
    scheduler.delete_schedule(Name=name)

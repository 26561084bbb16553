"""The Iceberg sink works with exactly the permissions template.yaml's ``IcebergSinkPolicy`` grants, and no less:
the policy is rendered from the template with its parameters and attached to an IAM user of an in-process moto server
that enforces IAM, and the sink (Glue catalog, warehouse on S3, both with that user's keys) creates its namespace and
table, commits twice, and a new task finds what is staged. moto checks S3 by action and object ARN (an object outside
the warehouse prefix is refused) and Glue by action only (its requests carry no resource), so the Glue statement is
attached with ``Resource: "*"``. Each action but ``s3:AbortMultipartUpload`` (what a failed multipart upload of a
large data file needs) is shown needed by removing it."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from connect_core.api.record import SinkRecord
from infra.local._process import free_server_port
from tests.unit.infra._template import load_template

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")

ACCOUNT = "123456789012"  # moto's
BUCKET, PREFIX, DATABASE = "lake-warehouse", "warehouse/", "lake"


def _render(node: Any, values: dict[str, str], conditions: dict[str, bool]) -> Any:
    """CloudFormation's ``Fn::Sub``, ``Fn::If`` and ``AWS::NoValue`` for the parameters in ``values``."""
    if isinstance(node, dict):
        if "Fn::Sub" in node:
            return re.sub(r"\$\{([^}]+)\}", lambda m: values[m.group(1)], node["Fn::Sub"])
        if "Fn::If" in node:
            name, yes, no = node["Fn::If"]
            return _render(yes if conditions[name] else no, values, conditions)
        return {k: _render(v, values, conditions) for k, v in node.items()}
    if isinstance(node, list):
        rendered = [_render(v, values, conditions) for v in node]
        return [v for v in rendered if v != {"Ref": "AWS::NoValue"}]
    return node


def _policy(without: str | None = None) -> dict[str, Any]:
    """The template's policy for this bucket, prefix and Glue database (``without``: one action left out)."""
    values = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": ACCOUNT,
              "IcebergWarehouseBucket": BUCKET, "IcebergWarehousePrefix": PREFIX, "IcebergGlueDatabase": DATABASE}
    document = _render(load_template()["Resources"]["IcebergSinkPolicy"]["Properties"]["PolicyDocument"], values,
                       {"HasIcebergGlue": True})
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != without] or ["s3:GetObjectTagging"]  # none left: unused
        if all(a.startswith("glue:") for a in statement["Action"]):
            statement["Resource"] = "*"  # moto authorizes Glue requests against "*" only
    return document


@pytest.fixture
def moto_url() -> Iterator[str]:
    from moto import settings
    from moto.server import ThreadedMotoServer

    port = free_server_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).close()
    try:
        yield url  # the process's moto backends, emptied: no bucket, user or Glue table of another test
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")  # moto's default: nothing enforced
        server.stop()


def _user_keys(url: str, policy: dict[str, Any]) -> tuple[str, str]:
    admin = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "admin",
             "aws_secret_access_key": "admin"}
    boto3.client("s3", **admin).create_bucket(Bucket=BUCKET)
    iam = boto3.client("iam", **admin)
    user = f"sink-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="IcebergSinkPolicy", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _run_sink(url: str, key_id: str, secret: str) -> list[int]:
    """Two batches committed by one task, a flush of a new task, the table read back: ids."""
    from connect_core.connectors.iceberg.config import load_config
    from connect_core.connectors.iceberg.sink_task import IcebergSinkTask, open_catalog

    props = {"name": "lake-sink", "iceberg.catalog": "glue", "iceberg.catalog.type": "glue",
             "iceberg.catalog.warehouse": f"s3://{BUCKET}/{PREFIX.rstrip('/')}",
             "iceberg.catalog.glue.endpoint": url, "iceberg.catalog.s3.endpoint": url,
             "iceberg.catalog.client.region": "us-east-1", "iceberg.catalog.s3.path-style-access": "true",
             "iceberg.catalog.s3.access-key-id": key_id, "iceberg.catalog.s3.secret-access-key": secret,
             "iceberg.catalog.glue.access-key-id": key_id, "iceberg.catalog.glue.secret-access-key": secret,
             "iceberg.tables": f"{DATABASE}.events", "iceberg.tables.auto-create-enabled": "true",
             "iceberg.control.commit.interval-ms": "0"}
    task = IcebergSinkTask()
    task.start(props)
    for batch in (range(0, 3), range(3, 6)):
        task.put([SinkRecord("events", 0, None, None, None, {"id": i}, i) for i in batch])
        task.flush({})
    task.stop()
    cold = IcebergSinkTask()
    cold.start(props)
    cold.flush({})
    table = open_catalog(load_config(props)).load_table(f"{DATABASE}.events")
    return sorted(r["id"] for r in table.scan().to_arrow().to_pylist())


def test_the_sink_commits_with_the_templates_policy_and_nothing_outside_the_warehouse_is_reachable(
        moto_url: str) -> None:
    from moto import settings

    key_id, secret = _user_keys(moto_url, _policy())
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # every request from now on is authorized against the user's policy

    assert _run_sink(moto_url, key_id, secret) == list(range(6))
    user_s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id=key_id,
                           aws_secret_access_key=secret)
    with pytest.raises(Exception, match="AccessDenied"):
        user_s3.put_object(Bucket=BUCKET, Key="elsewhere/x", Body=b"x")


@pytest.mark.parametrize("action", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
                                    "glue:GetDatabase", "glue:CreateDatabase", "glue:GetTable", "glue:CreateTable",
                                    "glue:UpdateTable"])
def test_each_action_the_sink_uses_is_needed(action: str, moto_url: str) -> None:
    from moto import settings

    key_id, secret = _user_keys(moto_url, _policy(without=action))
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    with pytest.raises(Exception, match="(?i)access.?denied|not authorized"):
        _run_sink(moto_url, key_id, secret)

"""Declared S3 object settings do what they say (LocalStack): server-side encryption, canned ACL, object tags."""

from __future__ import annotations

import random
import uuid
from typing import Any

import boto3
import pytest

from tests.unit.connectors.s3._replay import make_stream, scenario_configs

pytestmark = pytest.mark.integration


def _write(aws_settings: dict[str, str], extra: dict[str, str]) -> tuple[Any, str, list[str]]:
    from connect_core.connectors.s3.sink_task import S3SinkTask

    client = boto3.client("s3", **aws_settings)
    name = f"s3-sink-sse-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    endpoint = {"store.url": aws_settings["endpoint_url"], "s3.region": aws_settings["region_name"],
                "aws.access.key.id": aws_settings["aws_access_key_id"],
                "aws.secret.access.key": aws_settings["aws_secret_access_key"]}
    config = {**scenario_configs(name, endpoint)["default"], **extra}
    task = S3SinkTask()
    task.start(config)
    task.put(make_stream(random.Random(1), partitions=1, length=30)[0])
    task.flush({})
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]
    assert any("+staging/" in key for key in keys)  # 30 records, flush.size 25: 5 are staged
    return client, name, keys


def test_sse_s3_and_canned_acl_and_tags_are_applied(aws_settings: dict[str, str]) -> None:
    client, name, keys = _write(aws_settings, {"s3.sse.algorithm": "AES256", "s3.acl.canned": "public-read",
                                               "s3.object.tagging": "true"})
    for key in keys:
        assert client.head_object(Bucket=name, Key=key)["ServerSideEncryption"] == "AES256"
        if "+staging/" in key:  # staged records are encrypted too, but neither shared nor tagged
            continue
        grants = client.get_object_acl(Bucket=name, Key=key)["Grants"]
        assert any(g["Grantee"].get("URI", "").endswith("/global/AllUsers") and g["Permission"] == "READ"
                   for g in grants)
        tags = {t["Key"]: t["Value"] for t in client.get_object_tagging(Bucket=name, Key=key)["TagSet"]}
        assert set(tags) == {"startOffset", "endOffset", "recordCount"}


def test_sse_kms_with_a_key_id(aws_settings: dict[str, str]) -> None:
    key_id = boto3.client("kms", **aws_settings).create_key()["KeyMetadata"]["KeyId"]
    client, name, keys = _write(aws_settings, {"s3.sse.algorithm": "aws:kms", "s3.sse.kms.key.id": key_id})
    head = client.head_object(Bucket=name, Key=keys[0])
    assert head["ServerSideEncryption"] == "aws:kms"
    assert key_id in head["SSEKMSKeyId"]


def test_a_kms_key_without_kms_is_refused() -> None:
    from connect_core.api.config import parse_config
    from connect_core.api.errors import ConfigError
    from connect_core.connectors.s3.config import S3SinkConfig

    config = scenario_configs("b", {})["default"]
    with pytest.raises(ConfigError, match="s3.sse.kms.key.id"):
        parse_config(S3SinkConfig, {**config, "s3.sse.kms.key.id": "k"})


@pytest.mark.parametrize(("path_style", "bucket_in_host"), [("true", False), ("false", True)])
def test_s3_path_style_access_enabled_puts_the_bucket_in_the_path_or_the_host(
        aws_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch, path_style: str, bucket_in_host: bool) -> None:
    """With store.url on LocalStack's own domain: path style sends every request to that host; off, the requests go
    to ``<bucket>.<host>`` (virtual-hosted style, as Confluent's client without path style access)."""
    import socket

    from connect_core.connectors.s3.sink_task import S3SinkTask

    resolved: list[str] = []
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:  # no DNS here: *.localhost.localstack.cloud is loopback
        if isinstance(host, str) and host.endswith(".localhost.localstack.cloud"):
            resolved.append(host)
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    client = boto3.client("s3", **aws_settings)
    name = f"s3-sink-style-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    port = aws_settings["endpoint_url"].rsplit(":", 1)[1]
    config = {**scenario_configs(name)["default"], "store.url": f"http://s3.localhost.localstack.cloud:{port}",
              "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
              "aws.secret.access.key": aws_settings["aws_secret_access_key"], "flush.size": "3",
              "s3.path.style.access.enabled": path_style}
    task = S3SinkTask()
    task.start(config)
    task.put(make_stream(random.Random(2), partitions=1, length=3)[0])
    task.flush({})

    assert [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"] if "+staging/" not in o["Key"]]
    expected = f"{name}.s3.localhost.localstack.cloud" if bucket_in_host else "s3.localhost.localstack.cloud"
    assert set(resolved) == {expected}

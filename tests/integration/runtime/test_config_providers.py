"""A ``${secretsmanager:...}`` placeholder resolved end to end: a real secret on LocalStack, the SinkRunner on the
real broker; the config topic keeps the placeholder and a failure trace never shows the value."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING

import boto3
import pytest

from connect_core.runtime.config_providers.redaction import forget_secrets
from connect_core.runtime.config_providers.resolver import clear_provider_cache
from connect_core.runtime.sink_runner import SinkRunner
from tests.integration.runtime.test_sink_runner import FILE_SINK, msk_event

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration


def test_sink_runner_resolves_a_secrets_manager_placeholder(
    cluster: Cluster, tmp_path: Path, aws_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_provider_cache()
    forget_secrets()
    secret_name = f"it/{uuid.uuid4().hex[:8]}/file-sink"
    out = tmp_path / "out.txt"
    boto3.client("secretsmanager", **aws_settings).create_secret(
        Name=secret_name, SecretString=json.dumps({"path": str(out)}))
    providers = {
        "config.providers": "secretsmanager",
        "config.providers.secretsmanager.class":
            "com.github.jcustenborder.kafka.config.aws.SecretsManagerConfigProvider",
        "config.providers.secretsmanager.param.region": aws_settings["region_name"],
        "config.providers.secretsmanager.param.endpoint": aws_settings["endpoint_url"],
        "config.providers.secretsmanager.param.aws.access.key": aws_settings["aws_access_key_id"],
        "config.providers.secretsmanager.param.aws.secret.key": aws_settings["aws_secret_access_key"],
    }
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", json.dumps(providers))  # the worker's, never the connector's
    placeholder = f"${{secretsmanager:{secret_name}:path}}"
    cluster.deploy("secret-sink", {
        "connector.class": FILE_SINK, "file": placeholder, "topics": "orders", "tasks.max": "1",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }, [{"file": placeholder, "topics": "orders"}])
    runner = SinkRunner(cluster.worker, "secret-sink", config_store=cluster.configs, status_store=cluster.statuses)

    result = runner.handle(msk_event("orders", [b"one", b"two"]))

    assert result.put == 2
    assert out.read_text().splitlines() == ["one", "two"]
    cluster.configs.refresh()
    assert cluster.configs.connector_config("secret-sink")["file"] == placeholder
    assert cluster.configs.task_configs("secret-sink")[0]["file"] == placeholder

    # A task failure whose message quotes the resolved value: the FAILED trace shows [hidden] instead.
    out.unlink()
    out.mkdir()  # writing to a directory fails with the path in the error
    runner.close()
    with pytest.raises(Exception):  # noqa: B017 - whatever the OS error, only the trace matters here
        SinkRunner(cluster.worker, "secret-sink", config_store=cluster.configs,
                   status_store=cluster.statuses).handle(msk_event("orders", [b"three"]))
    cluster.statuses.refresh()
    status = cluster.statuses.task_status("secret-sink", 0)
    assert status.state.value == "FAILED"
    assert str(out) not in (status.trace or "")
    assert "[hidden]" in (status.trace or "")
    clear_provider_cache()
    forget_secrets()


@pytest.mark.parametrize("action", ["restart", "none"])
def test_a_rotated_secret_reaches_a_warm_task_after_the_providers_ttl_unless_reload_is_none(
    cluster: Cluster, tmp_path: Path, aws_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch, action: str,
) -> None:
    """Kafka's ``config.action.reload``: once the provider's TTL (``cache.ttl.ms``) has passed, a task whose value
    changed restarts with the new one at its next invocation (``restart``), or keeps the old one (``none``)."""
    rotated_reaches_the_task = action == "restart"
    clear_provider_cache()
    forget_secrets()
    secret_name = f"it/{uuid.uuid4().hex[:8]}/rotated"
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    secrets = boto3.client("secretsmanager", **aws_settings)
    secrets.create_secret(Name=secret_name, SecretString=json.dumps({"path": str(first)}))
    providers = {
        "config.providers": "secretsmanager",
        "config.providers.secretsmanager.param.region": aws_settings["region_name"],
        "config.providers.secretsmanager.param.endpoint": aws_settings["endpoint_url"],
        "config.providers.secretsmanager.param.aws.access.key": aws_settings["aws_access_key_id"],
        "config.providers.secretsmanager.param.aws.secret.key": aws_settings["aws_secret_access_key"],
        "config.providers.secretsmanager.param.cache.ttl.ms": "1",
    }
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", json.dumps(providers))
    placeholder = f"${{secretsmanager:{secret_name}:path}}"
    name = f"rotated-{action}"
    cluster.deploy(name, {
        "connector.class": FILE_SINK, "file": placeholder, "topics": "orders", "tasks.max": "1",
        "config.action.reload": action,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }, [{"file": placeholder, "topics": "orders"}])
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        runner.handle(msk_event("orders", [b"one"]))
        secrets.put_secret_value(SecretId=secret_name, SecretString=json.dumps({"path": str(second)}))
        time.sleep(0.01)  # past the 1 ms TTL
        runner.handle(msk_event("orders", [b"two"], first_offset=1))
    finally:
        runner.close()
        clear_provider_cache()
        forget_secrets()
    assert first.read_text().splitlines() == (["one"] if rotated_reaches_the_task else ["one", "two"])
    assert (second.read_text().splitlines() if second.exists() else []) == (["two"] if rotated_reaches_the_task
                                                                               else [])

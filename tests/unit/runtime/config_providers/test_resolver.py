"""Declaring providers (worker env only; a connector config is refused), Kafka class names, and redaction."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers.redaction import HIDDEN, redact
from connect_core.runtime.config_providers.resolver import ConfigResolver, resolve_configs

if TYPE_CHECKING:
    from pathlib import Path


def _worker(monkeypatch: pytest.MonkeyPatch, props: dict[str, str]) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", json.dumps(props))


def test_kafka_class_names_and_params(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "creds.properties").write_text("password=s3cret\n")
    monkeypatch.setenv("DB_USER", "app")
    _worker(monkeypatch, {
        "config.providers": "file,env",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.file.param.allowed.paths": str(tmp_path),
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    })
    connector = {
        "connection.password": f"${{file:{tmp_path}/creds.properties:password}}",
        "connection.user": "${env:DB_USER}",
        "untouched": "${vault:x:y}",
    }
    resolved, task = resolve_configs(connector, {"task.user": "${env:DB_USER}", "n": None})
    assert (resolved["connection.password"], resolved["connection.user"], resolved["untouched"]) == (
        "s3cret", "app", "${vault:x:y}")
    assert task == {"task.user": "app"}


def test_no_declared_provider_resolves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_USER", "app")
    assert resolve_configs({"a": "${env:DB_USER}"}) == ({"a": "${env:DB_USER}"},)


def test_worker_env_declares_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_USER", "app")
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", "env")
    assert resolve_configs({"a": "${env:DB_USER}"}) == ({"a": "app"},)
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", json.dumps({
        "config.providers": "e", "config.providers.e.class": "EnvVarConfigProvider"}))
    assert resolve_configs({"a": "${e:DB_USER}"}) == ({"a": "app"},)


def test_unknown_class_or_missing_class_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _worker(monkeypatch, {"config.providers": "x"})
    with pytest.raises(ConfigError, match="config.providers.x.class"):
        ConfigResolver.for_worker()
    _worker(monkeypatch, {"config.providers": "x", "config.providers.x.class": "com.example.Nope"})
    with pytest.raises(ConfigError, match="could not be found"):
        ConfigResolver.for_worker()


@pytest.mark.parametrize("own", [
    {"config.providers": "env"},
    {"config.providers.file.class": "tempfile:mkstemp"},
    {"config.providers.env.param.allowlist.pattern": ".*"},
])
def test_a_connector_config_may_not_declare_providers(monkeypatch: pytest.MonkeyPatch, own: dict[str, str]) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "the-role-secret")
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", "secretsmanager")
    with pytest.raises(ConfigError, match=f"Invalid configuration {next(iter(own))}: config providers come only"):
        resolve_configs({**own, "p": "${env:AWS_SECRET_ACCESS_KEY}"})


def test_popular_secrets_manager_class_names_and_endpoint_param(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws():
        boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
            Name="db", SecretString='{"password": "s3cret"}')
        for class_name in ("com.github.jcustenborder.kafka.config.aws.SecretsManagerConfigProvider",
                           "io.lenses.connect.secrets.providers.AWSSecretProvider"):
            _worker(monkeypatch, {"config.providers": "sm", "config.providers.sm.class": class_name,
                                  "config.providers.sm.param.aws.region": "eu-west-1"})
            (resolved,) = resolve_configs({"p": "${sm:db:password}"})
            assert resolved["p"] == "s3cret"


def test_resolved_values_are_redacted_in_text_and_logs(monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DB_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", "env")
    resolve_configs({"p": "${env:DB_PASSWORD}"})
    assert redact("login failed for password hunter2-secret") == f"login failed for password {HIDDEN}"
    with caplog.at_level(logging.ERROR):
        try:
            raise ValueError("bad url jdbc://u:hunter2-secret@h")
        except ValueError:
            logging.getLogger("connect_core.test").exception("failed with %s", "hunter2-secret")
    assert "hunter2-secret" not in caplog.text
    assert HIDDEN in caplog.text

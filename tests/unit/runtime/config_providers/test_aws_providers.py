"""SecretsManagerConfigProvider and SsmParameterStoreConfigProvider against moto."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers.secrets_manager import SecretsManagerConfigProvider
from connect_core.runtime.config_providers.ssm import SsmParameterStoreConfigProvider

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.mark.usefixtures("aws")
def test_secrets_manager_json_keys_whole_secret_and_arn() -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(Name="prod/db", SecretString=json.dumps(
        {"username": "app", "password": "s3cret", "port": 5432, "tls": True}))["ARN"]
    client.create_secret(Name="prod/token", SecretString="plain-token")
    provider = SecretsManagerConfigProvider()
    provider.configure({"region": "us-east-1"})

    assert provider.get("prod/db", {"password", "port", "tls", "missing"}).data == {
        "password": "s3cret", "port": "5432", "tls": "true"}
    assert provider.get("", {"prod/token"}).data == {"prod/token": "plain-token"}
    arn_key = arn[len("arn:"):] + ":username"
    assert provider.get("arn", {arn_key}).data == {arn_key: "app"}


@pytest.mark.usefixtures("aws")
def test_secrets_manager_caches_per_container_and_prefixes() -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.create_secret(Name="team/db", SecretString='{"password": "one"}')
    provider = SecretsManagerConfigProvider()
    provider.configure({"secret.prefix": "team/"})
    assert provider.get("db", {"password"}).data == {"password": "one"}
    client.put_secret_value(SecretId="team/db", SecretString='{"password": "two"}')
    assert provider.get("db", {"password"}).data == {"password": "one"}
    provider.configure({"secret.prefix": "team/", "cache.ttl.ms": "0"})
    assert provider.get("db", {"password"}).data == {"password": "two"}


@pytest.mark.usefixtures("aws")
def test_missing_secret_is_a_config_error_naming_the_secret() -> None:
    with pytest.raises(ConfigError, match="Secret nope not found"):
        SecretsManagerConfigProvider().get("nope", {"k"})


@pytest.mark.usefixtures("aws")
def test_ssm_names_hierarchy_secure_strings_and_missing_parameters() -> None:
    client = boto3.client("ssm", region_name="us-east-1")
    client.put_parameter(Name="/prod/db/password", Value="s3cret", Type="SecureString")
    client.put_parameter(Name="/prod/db/user", Value="app", Type="String")
    provider = SsmParameterStoreConfigProvider()
    assert provider.get("", {"/prod/db/password", "/prod/db/nope"}).data == {"/prod/db/password": "s3cret"}
    assert provider.get("/prod/db", {"user", "password"}).data == {"user": "app", "password": "s3cret"}


@pytest.mark.usefixtures("aws")
def test_ssm_fetches_in_chunks_of_ten() -> None:
    client = boto3.client("ssm", region_name="us-east-1")
    for i in range(12):
        client.put_parameter(Name=f"/p/k{i}", Value=f"v{i}", Type="String")
    data = SsmParameterStoreConfigProvider().get("/p", {f"k{i}" for i in range(12)})
    assert data.data == {f"k{i}": f"v{i}" for i in range(12)}

"""Kafka authentication: librdkafka properties per mode, secrets from Secrets Manager (moto), MSK IAM tokens."""

from __future__ import annotations

import base64
import json
import sys
import types
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import pytest
from moto import mock_aws

from connect_core.api.errors import ConfigError
from connect_core.kafka import auth
from connect_core.kafka.auth import KafkaAuth, KafkaAuthMode, clear_secret_cache, msk_iam_oauth_cb
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime import env
from connect_core.runtime.worker import WorkerSettings

if TYPE_CHECKING:
    from collections.abc import Iterator

REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    clear_secret_cache()
    with mock_aws():
        yield
    clear_secret_cache()


def _secret(value: dict[str, Any] | str, name: str = "kafka") -> str:
    import boto3

    client = boto3.client("secretsmanager", region_name=REGION)
    body = value if isinstance(value, str) else json.dumps(value)
    return client.create_secret(Name=name, SecretString=body)["ARN"]


def test_plaintext_adds_no_properties() -> None:
    assert KafkaAuth().client_properties() == {}


def test_tls_without_secret_only_switches_the_protocol() -> None:
    props = KafkaAuth(mode=KafkaAuthMode.TLS, ssl_ca_location="/etc/ca.pem").client_properties()
    assert props == {"security.protocol": "SSL", "ssl.ca.location": "/etc/ca.pem"}


def test_mutual_tls_reads_the_client_certificate_secret() -> None:
    arn = _secret({"certificate": "CERT", "privateKey": "KEY", "privateKeyPassword": "pw"})
    props = KafkaAuth(mode="TLS", secret_arn=arn).client_properties()
    assert props == {"security.protocol": "SSL", "ssl.certificate.pem": "CERT", "ssl.key.pem": "KEY",
                     "ssl.key.password": "pw"}


@pytest.mark.parametrize(("mode", "mechanism"), [
    ("SASL_SCRAM_512", "SCRAM-SHA-512"), ("SASL_SCRAM_256", "SCRAM-SHA-256"), ("SASL_PLAIN", "PLAIN"),
])
def test_sasl_reads_username_and_password_from_the_basic_auth_secret(mode: str, mechanism: str) -> None:
    arn = _secret({"username": "connect", "password": "s3cret"})
    props = KafkaClientSettings(bootstrap_servers="b:9096", auth=KafkaAuth(mode=mode, secret_arn=arn)).client_config()
    assert props == {"bootstrap.servers": "b:9096", "security.protocol": "SASL_SSL", "sasl.mechanism": mechanism,
                     "sasl.username": "connect", "sasl.password": "s3cret"}


def test_overrides_win_so_a_local_broker_can_use_scram_without_tls() -> None:
    arn = _secret({"username": "u", "password": "p"})
    settings = KafkaClientSettings(overrides={"security.protocol": "SASL_PLAINTEXT"},
                                   auth=KafkaAuth(mode="SASL_SCRAM_512", secret_arn=arn))
    assert settings.client_config()["security.protocol"] == "SASL_PLAINTEXT"


def test_the_secret_is_fetched_once_per_container() -> None:
    import boto3

    arn = _secret({"username": "u", "password": "p"})
    scram = KafkaAuth(mode="SASL_SCRAM_512", secret_arn=arn)
    assert scram.client_properties()["sasl.username"] == "u"
    boto3.client("secretsmanager", region_name=REGION).update_secret(
        SecretId=arn, SecretString=json.dumps({"username": "rotated", "password": "p2"}))
    assert scram.client_properties()["sasl.username"] == "u"  # cached: no second GetSecretValue
    clear_secret_cache()
    assert scram.client_properties()["sasl.username"] == "rotated"


def test_an_expired_cache_entry_is_fetched_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    arn = _secret({"username": "u", "password": "p"})
    assert auth.fetch_secret_json(arn)["username"] == "u"
    boto3.client("secretsmanager", region_name=REGION).update_secret(
        SecretId=arn, SecretString=json.dumps({"username": "new", "password": "p"}))
    later = auth.time.monotonic() + auth.DEFAULT_SECRET_MAX_AGE_S + 1
    monkeypatch.setattr(auth.time, "monotonic", lambda: later)
    assert auth.fetch_secret_json(arn)["username"] == "new"


def test_sasl_without_a_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="secret"):
        KafkaAuth(mode="SASL_SCRAM_512")


@pytest.mark.parametrize("body", ['{"username": "u"}', '"just a string"', "not json"])
def test_a_malformed_secret_is_a_config_error(body: str) -> None:
    arn = _secret(body)
    with pytest.raises(ConfigError):
        KafkaAuth(mode="SASL_SCRAM_512", secret_arn=arn).client_properties()


def test_the_secret_is_read_in_the_region_of_its_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    arn = _secret({"username": "u", "password": "p"})
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # a different default region must not matter
    assert KafkaAuth(mode="SASL_SCRAM_512", secret_arn=arn, region="us-east-1").client_properties()["sasl.password"]


def test_msk_iam_sets_oauthbearer_and_a_token_callback(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    class FakeProvider:
        @staticmethod
        def generate_auth_token(region: str) -> tuple[str, int]:
            calls.append(region)
            return "signed-token", 1_800_000_000_000

    fake = types.ModuleType("aws_msk_iam_sasl_signer")
    fake.MSKAuthTokenProvider = FakeProvider  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aws_msk_iam_sasl_signer", fake)
    props = KafkaAuth(mode="MSK_IAM", region="ap-south-1").client_properties()
    callback = props.pop("oauth_cb")
    assert props == {"security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER"}
    assert callback("") == ("signed-token", 1_800_000_000.0)  # librdkafka wants seconds, the signer gives ms
    assert calls == ["ap-south-1"]


def test_msk_iam_region_defaults_to_the_lambda_region(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("aws_msk_iam_sasl_signer")
    fake.MSKAuthTokenProvider = types.SimpleNamespace(  # type: ignore[attr-defined]
        generate_auth_token=lambda region: (region, 0))
    monkeypatch.setitem(sys.modules, "aws_msk_iam_sasl_signer", fake)
    assert msk_iam_oauth_cb()("")[0] == REGION


def test_the_real_signer_produces_a_presigned_kafka_connect_url() -> None:
    pytest.importorskip("aws_msk_iam_sasl_signer")
    token, expiry = msk_iam_oauth_cb("eu-west-1")("")
    padded = token + "=" * (-len(token) % 4)
    url = urlparse(base64.urlsafe_b64decode(padded).decode())
    query = parse_qs(url.query)
    assert url.hostname == "kafka.eu-west-1.amazonaws.com"
    assert query["Action"] == ["kafka-cluster:Connect"]
    assert expiry > 1_000_000_000  # epoch seconds


def test_worker_settings_read_auth_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    arn = _secret({"username": "u", "password": "p"})
    monkeypatch.setenv(env.KAFKA_AUTH, "SASL_SCRAM_512")
    monkeypatch.setenv(env.KAFKA_SECRET_ARN, arn)
    monkeypatch.setenv(env.KAFKA_REGION, REGION)
    worker = WorkerSettings.from_env(bootstrap_servers="b:9096")
    assert worker.kafka.auth == KafkaAuth(mode=KafkaAuthMode.SASL_SCRAM_512, secret_arn=arn, region=REGION)
    assert worker.kafka.client_config()["sasl.username"] == "u"


def test_worker_settings_default_to_plaintext(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (env.KAFKA_AUTH, env.KAFKA_SECRET_ARN, env.KAFKA_REGION, env.KAFKA_SSL_CA_LOCATION):
        monkeypatch.delenv(name, raising=False)
    assert WorkerSettings.from_env().kafka.auth_config() == {}


PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_the_server_root_ca_secret_becomes_ssl_ca_pem(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same {"certificate": PEM} secret a mapping's SERVER_ROOT_CA_CERTIFICATE names, read from the worker's
    environment."""
    login = _secret({"username": "u", "password": "p"})
    ca = _secret({"certificate": PEM}, name="kafka-ca")
    monkeypatch.setenv(env.KAFKA_AUTH, "SASL_SCRAM_512")
    monkeypatch.setenv(env.KAFKA_SECRET_ARN, login)
    monkeypatch.setenv(env.KAFKA_SERVER_ROOT_CA_SECRET_ARN, ca)
    props = WorkerSettings.from_env(bootstrap_servers="b:9096").kafka.auth_config()
    assert props == {"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "u",
                     "sasl.password": "p", "ssl.ca.pem": PEM}


def test_a_server_root_ca_secret_without_a_certificate_is_a_config_error_naming_it() -> None:
    ca = _secret({"cert": PEM}, name="kafka-ca")
    with pytest.raises(ConfigError, match=f'{ca} must hold {{"certificate": PEM}}'):
        KafkaAuth(mode="TLS", server_root_ca_secret_arn=ca).client_properties()


def test_access_configurations_give_the_properties_lambdas_poller_connects_with() -> None:
    secrets = {"login": {"username": "u", "password": "p"}, "ca": {"certificate": PEM},
               "cert": {"certificate": "CERT", "privateKey": "KEY"}}
    props = auth.access_configuration_properties(
        [{"Type": "SASL_SCRAM_256_AUTH", "URI": "login"}, {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": "ca"},
         {"Type": "VPC_SUBNET", "URI": "subnet:s-1"}], secrets.__getitem__)
    assert props == {"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-256", "sasl.username": "u",
                     "sasl.password": "p", "ssl.ca.pem": PEM}
    basic = auth.access_configuration_properties([{"Type": "BASIC_AUTH", "URI": "login"}], secrets.__getitem__)
    assert basic["sasl.mechanism"] == "PLAIN"
    mtls = auth.access_configuration_properties(
        [{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": "cert"}, {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": "ca"}],
        secrets.__getitem__)
    assert mtls == {"security.protocol": "SSL", "ssl.certificate.pem": "CERT", "ssl.key.pem": "KEY",
                    "ssl.ca.pem": PEM}
    assert auth.access_configuration_properties([{"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": "ca"}],
                                                secrets.__getitem__) == {"security.protocol": "SSL",
                                                                         "ssl.ca.pem": PEM}
    assert auth.access_configuration_properties([{"Type": "VPC_SUBNET", "URI": "subnet:s-1"}],
                                                secrets.__getitem__) == {}
    with pytest.raises(ConfigError, match='login2 must hold {"username": ..., "password": ...}'):
        auth.access_configuration_properties([{"Type": "SASL_SCRAM_512_AUTH", "URI": "login2"}],
                                             {"login2": {"user": "u"}}.__getitem__)

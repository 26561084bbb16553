"""Kafka authentication: the librdkafka security properties of one cluster, built when a client is built.

Kafka Connect reads ``security.protocol`` and ``sasl.*`` from its worker properties file. A function has no such file,
and its credentials belong in Secrets Manager, so one mode name from the environment selects the properties here:

* ``NONE``: plaintext, no properties (a local broker).
* ``TLS``: ``security.protocol=SSL``; with a secret, mutual TLS from the JSON the event source mapping's
  ``CLIENT_CERTIFICATE_TLS_AUTH`` secret holds (``certificate``, ``privateKey``, optional ``privateKeyPassword``).
* ``SASL_PLAIN`` / ``SASL_SCRAM_256`` / ``SASL_SCRAM_512``: ``SASL_SSL`` with the ``username`` / ``password`` of the
  same secret the mapping's ``BASIC_AUTH`` / ``SASL_SCRAM_*_AUTH`` access configuration names, so a sink connector's
  function and its trigger share one secret.
* ``MSK_IAM``: ``SASL_SSL`` + ``OAUTHBEARER`` with an ``oauth_cb`` that signs a token with the function's own role
  (``aws-msk-iam-sasl-signer-python``): no secret at all.

Brokers whose certificates a private CA signed: ``server_root_ca_secret_arn`` names the secret an event source
mapping's ``SERVER_ROOT_CA_CERTIFICATE`` access configuration names (``{"certificate": PEM}``), and its PEM becomes
``ssl.ca.pem``, so functions and their triggers trust the same CA (``ssl.ca.location``, a file, also works locally).
:func:`access_configuration_properties` turns a mapping's access configurations and their secrets into the same
properties (the LocalStack extension's Kafka poller).

Secrets are fetched lazily (first client of a container) and cached for :data:`DEFAULT_SECRET_MAX_AGE_S`; boto3 and
the signer are imported only when a mode needs them (cold start).
"""

from __future__ import annotations

import json
import os
import threading
import time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connect_core.api.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ACCESS_CONFIGURATION_MODES",
    "DEFAULT_SECRET_MAX_AGE_S",
    "KafkaAuth",
    "KafkaAuthMode",
    "access_configuration_properties",
    "clear_secret_cache",
    "fetch_secret_json",
    "msk_iam_oauth_cb",
    "secret_properties",
    "server_root_ca_properties",
]

DEFAULT_SECRET_MAX_AGE_S = 300.0  # as Powertools' parameters cache: a rotated secret reaches new clients in 5 min
_SASL_MECHANISMS = {"SASL_PLAIN": "PLAIN", "SASL_SCRAM_256": "SCRAM-SHA-256", "SASL_SCRAM_512": "SCRAM-SHA-512"}
_REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")  # set by Lambda itself; read only when no region is given

_secrets: dict[str, tuple[float, dict[str, Any]]] = {}
_secrets_lock = threading.Lock()


class KafkaAuthMode(StrEnum):
    """How clients authenticate; the names of the template's ``KafkaAuth`` parameter."""

    NONE = "NONE"
    TLS = "TLS"
    SASL_PLAIN = "SASL_PLAIN"
    SASL_SCRAM_256 = "SASL_SCRAM_256"
    SASL_SCRAM_512 = "SASL_SCRAM_512"
    MSK_IAM = "MSK_IAM"


class KafkaAuth(BaseModel):
    """Authentication of every client of one cluster (the security part of Kafka's client configs)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    mode: KafkaAuthMode = Field(KafkaAuthMode.NONE, description="NONE, TLS, SASL_PLAIN, SASL_SCRAM_256, "
                                "SASL_SCRAM_512 or MSK_IAM.")
    secret_arn: str | None = Field(
        None, description="Secrets Manager secret with {username, password} (SASL) or {certificate, privateKey} "
        "(mutual TLS); required by the SASL modes.",
    )
    region: str | None = Field(
        None, description="Region for MSK IAM signing and Secrets Manager; default: the secret ARN's region, then "
        "AWS_REGION.",
    )
    ssl_ca_location: str | None = Field(
        None, alias="ssl.ca.location", description="CA bundle for brokers whose certificates a public CA did not sign.",
    )

    server_root_ca_secret_arn: str | None = Field(
        None, description="Secrets Manager secret with {certificate: PEM}, the brokers' root CA (the event source "
        "mapping's SERVER_ROOT_CA_CERTIFICATE secret); its PEM becomes ssl.ca.pem.",
    )

    @model_validator(mode="after")
    def _check_secret(self) -> KafkaAuth:
        """A SASL mode without credentials would only fail later, at the first broker handshake."""
        if self.mode in _SASL_MECHANISMS and not self.secret_arn:
            raise ConfigError(f"Kafka auth mode {self.mode.value} needs a Secrets Manager secret ARN with "
                              '{"username", "password"}')
        return self

    def client_properties(self) -> dict[str, Any]:
        """librdkafka properties for this mode; plaintext adds none."""
        if self.mode is KafkaAuthMode.NONE:
            return {}
        props: dict[str, Any] = {}
        if self.ssl_ca_location:
            props["ssl.ca.location"] = self.ssl_ca_location
        if self.server_root_ca_secret_arn:
            props.update(server_root_ca_properties(
                fetch_secret_json(self.server_root_ca_secret_arn, self.region), self.server_root_ca_secret_arn))
        if self.mode is KafkaAuthMode.MSK_IAM:
            props.update({"security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER",
                          "oauth_cb": msk_iam_oauth_cb(self.region)})
            return props
        secret = fetch_secret_json(self.secret_arn, self.region) if self.secret_arn else None
        props.update(secret_properties(self.mode, secret, self.secret_arn or ""))
        return props


# Event source mapping SourceAccessConfiguration types -> the mode that authenticates the same way.
ACCESS_CONFIGURATION_MODES = {
    "BASIC_AUTH": KafkaAuthMode.SASL_PLAIN, "SASL_SCRAM_256_AUTH": KafkaAuthMode.SASL_SCRAM_256,
    "SASL_SCRAM_512_AUTH": KafkaAuthMode.SASL_SCRAM_512, "CLIENT_CERTIFICATE_TLS_AUTH": KafkaAuthMode.TLS,
}
SERVER_ROOT_CA_CERTIFICATE = "SERVER_ROOT_CA_CERTIFICATE"


def secret_properties(mode: KafkaAuthMode, secret: dict[str, Any] | None, secret_arn: str) -> dict[str, Any]:
    """librdkafka properties of a secret-based mode (TLS, SASL_*) from the secret's JSON (None: TLS without a client
    certificate); ConfigError naming the secret when it lacks the fields the mode needs."""
    if mode is KafkaAuthMode.TLS:
        props: dict[str, Any] = {"security.protocol": "SSL"}
        if secret is not None:
            props.update(_client_certificate(secret, secret_arn))
        return props
    if mode not in _SASL_MECHANISMS or secret is None:
        raise ConfigError(f"Kafka auth mode {mode.value} takes no secret properties")
    username, password = _credentials(secret, secret_arn)
    return {"security.protocol": "SASL_SSL", "sasl.mechanism": _SASL_MECHANISMS[mode], "sasl.username": username,
            "sasl.password": password}


def server_root_ca_properties(secret: dict[str, Any], secret_arn: str) -> dict[str, str]:
    """``ssl.ca.pem`` from a SERVER_ROOT_CA_CERTIFICATE secret (``{"certificate": PEM}``, Lambda's format)."""
    certificate = secret.get("certificate")
    if not isinstance(certificate, str) or "BEGIN CERTIFICATE" not in certificate:
        raise ConfigError(f'Kafka secret {secret_arn} must hold {{"certificate": PEM}} (the brokers\' root CA)')
    return {"ssl.ca.pem": certificate}


def access_configuration_properties(access: list[dict[str, str]],
                                    read_secret: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """librdkafka properties of an event source mapping's SourceAccessConfigurations, as Lambda's poller connects:
    SASL (BASIC_AUTH, SASL_SCRAM_256/512_AUTH) or mutual TLS with its secret, the SERVER_ROOT_CA_CERTIFICATE secret's
    CA; VPC entries add nothing. ``read_secret`` returns a secret's JSON by ARN."""
    props: dict[str, Any] = {}
    for entry in access:
        kind, uri = entry.get("Type", ""), entry.get("URI", "")
        if kind in ACCESS_CONFIGURATION_MODES:
            props.update(secret_properties(ACCESS_CONFIGURATION_MODES[kind], read_secret(uri), uri))
        elif kind == SERVER_ROOT_CA_CERTIFICATE:
            props.update(server_root_ca_properties(read_secret(uri), uri))
    if "ssl.ca.pem" in props and "security.protocol" not in props:
        props["security.protocol"] = "SSL"  # a CA alone: TLS encryption without client authentication
    return props


def msk_iam_oauth_cb(region: str | None = None) -> Callable[[str], tuple[str, float]]:
    """A confluent-kafka ``oauth_cb`` returning a fresh MSK IAM token and its expiry (epoch seconds).

    librdkafka calls it before the token expires (confluent-kafka 2.13+ from its background thread, so no ``poll()`` is
    needed first); the signer uses the function role's credentials from the environment and makes no network call.
    """
    def oauth_cb(_oauthbearer_config: str) -> tuple[str, float]:
        from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

        token, expiry_ms = MSKAuthTokenProvider.generate_auth_token(_region(region))
        return token, expiry_ms / 1000

    return oauth_cb


def fetch_secret_json(secret_arn: str, region: str | None = None, *,
                      max_age_s: float = DEFAULT_SECRET_MAX_AGE_S) -> dict[str, Any]:
    """The secret's JSON object, from a per-container cache younger than ``max_age_s``, else Secrets Manager."""
    now = time.monotonic()
    with _secrets_lock:
        cached = _secrets.get(secret_arn)
        if cached is not None and now - cached[0] < max_age_s:
            return cached[1]
    import boto3

    client = boto3.client("secretsmanager", region_name=_secret_region(secret_arn, region))
    raw = client.get_secret_value(SecretId=secret_arn).get("SecretString")
    try:
        value = json.loads(raw) if raw is not None else None
    except ValueError as error:
        raise ConfigError(f"Kafka secret {secret_arn} is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise ConfigError(f"Kafka secret {secret_arn} must be a JSON object in SecretString")
    with _secrets_lock:
        _secrets[secret_arn] = (now, value)
    return value


def clear_secret_cache() -> None:
    """Forget every cached secret (tests; a forced rotation)."""
    with _secrets_lock:
        _secrets.clear()


def _credentials(secret: dict[str, Any], secret_arn: str) -> tuple[str, str]:
    username, password = secret.get("username"), secret.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise ConfigError(f'Kafka secret {secret_arn} must hold {{"username": ..., "password": ...}}')
    return username, password


def _client_certificate(secret: dict[str, Any], secret_arn: str) -> dict[str, str]:
    certificate, key = secret.get("certificate"), secret.get("privateKey")
    if not isinstance(certificate, str) or not isinstance(key, str):
        raise ConfigError(f'Kafka secret {secret_arn} must hold {{"certificate": PEM, "privateKey": PEM}}')
    props = {"ssl.certificate.pem": certificate, "ssl.key.pem": key}
    if secret.get("privateKeyPassword"):
        props["ssl.key.password"] = str(secret["privateKeyPassword"])
    return props


def _secret_region(secret_arn: str, region: str | None) -> str | None:
    """The ARN's own region wins: a secret can only be read in the region that holds it."""
    parts = secret_arn.split(":")
    if len(parts) > 3 and parts[0] == "arn" and parts[3]:
        return parts[3]
    return region or _region_from_environment()


def _region(region: str | None) -> str:
    resolved = region or _region_from_environment()
    if not resolved:
        raise ConfigError("MSK IAM auth needs a region: set LAMBDA_CONNECT_KAFKA_REGION or AWS_REGION")
    return resolved


def _region_from_environment() -> str | None:
    return next((os.environ[name] for name in _REGION_VARIABLES if os.environ.get(name)), None)

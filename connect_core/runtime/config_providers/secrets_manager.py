"""``SecretsManagerConfigProvider``: ``${secretsmanager:<secret-id>:<json-key>}`` reads AWS Secrets Manager.

``${secretsmanager:prod/db:password}`` is key ``password`` of the JSON object in secret ``prod/db`` (numbers and
booleans rendered as Java would, nested objects as JSON); ``${secretsmanager:prod/api-token}`` the whole
SecretString; a full secret ARN works in both forms. Options: ``region``, ``endpoint``, ``secret.prefix``
(prepended to every id, as jcustenborder's provider) and ``cache.ttl.ms`` (300000). A missing secret fails the task
with a ConfigError naming the secret, never a value; a missing JSON key leaves the placeholder (Kafka's rule).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConfigError, RetriableError
from connect_core.runtime.config_providers._arn import split_arn_key
from connect_core.runtime.config_providers._aws import AwsProviderOptions, TtlCache
from connect_core.runtime.config_providers.config_provider import ConfigData, ConfigProvider

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["SecretsManagerConfigProvider", "render_json_value"]

SECRET_PREFIX_CONFIG = "secret.prefix"
_NOT_FOUND = ("ResourceNotFoundException",)
_RETRIABLE = ("ThrottlingException", "InternalServiceError", "InternalServiceErrorException")


def render_json_value(value: Any) -> str:
    """A JSON value as a config string: strings as is, ``true``/``false``/``null`` and numbers as Java prints them."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return json.dumps(value)


class SecretsManagerConfigProvider(ConfigProvider):
    """AWS Secrets Manager; accepts jcustenborder's and Lenses' class names too (see the resolver's manifest)."""

    def __init__(self) -> None:
        """Defaults: boto3's region and credentials, no prefix, five-minute cache."""
        self._options = AwsProviderOptions()
        self._prefix = ""
        self._cache = TtlCache(self._options.ttl_ms)
        self._client: Any = None

    def configure(self, params: Mapping[str, str]) -> None:
        """Read region, endpoint, static keys, ``secret.prefix`` and ``cache.ttl.ms``."""
        self._options = AwsProviderOptions(params)
        self._prefix = params.get(SECRET_PREFIX_CONFIG, "")
        self._cache = TtlCache(self._options.ttl_ms)
        self._client = None

    def get(self, path: str, keys: set[str]) -> ConfigData:
        """JSON keys of secret ``path``; with no path, each key is a secret id and resolves to the whole secret."""
        found: dict[str, str] = {}
        for key in keys:
            arn = split_arn_key(path, key)
            if arn is not None:
                secret_id, json_key = arn
            elif path:
                secret_id, json_key = self._prefix + path, key
            else:
                secret_id, json_key = self._prefix + key, None
            value = self._lookup(secret_id, json_key)
            if value is not None:
                found[key] = value
        return ConfigData(found, self._options.ttl_ms)

    def _lookup(self, secret_id: str, json_key: str | None) -> str | None:
        secret = self._secret_string(secret_id)
        if json_key is None:
            return secret
        try:
            document = json.loads(secret)
        except ValueError:
            return None
        if not isinstance(document, dict) or json_key not in document:
            return None
        return render_json_value(document[json_key])

    def _secret_string(self, secret_id: str) -> str:
        cached = self._cache.get(secret_id)
        if cached is not None:
            return str(cached)
        if self._client is None:
            self._client = self._options.client("secretsmanager")
        from botocore.exceptions import ClientError

        try:
            response = self._client.get_secret_value(SecretId=secret_id)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _RETRIABLE:
                raise RetriableError(f"Secrets Manager throttled reading secret {secret_id} ({code})") from None
            reason = "not found" if code in _NOT_FOUND else f"could not be read ({code})"
            raise ConfigError(f"Secret {secret_id} {reason} in AWS Secrets Manager") from None
        secret = response.get("SecretString")
        if secret is None:
            secret = bytes(response.get("SecretBinary") or b"").decode("utf-8", errors="replace")
        self._cache.put(secret_id, secret)
        return secret

    def close(self) -> None:
        """Forget cached secrets."""
        self._cache.clear()

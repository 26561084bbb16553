"""``SsmParameterStoreConfigProvider``: ``${ssm:<parameter>}`` reads AWS Systems Manager Parameter Store.

``${ssm:/prod/db/password}`` and ``${ssm:/prod/db:password}`` both read parameter ``/prod/db/password`` (the path a
hierarchy and the key a name under it, like ``DirectoryConfigProvider``); a parameter ARN works as the whole
reference. ``SecureString`` values are decrypted, ``StringList`` values come back comma-separated; names are fetched
with ``GetParameters``, ten at a time. A missing parameter leaves its placeholder (Kafka's missing-key rule).
Options: ``region``, ``endpoint``, ``cache.ttl.ms`` (default 300000).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConfigError, RetriableError
from connect_core.runtime.config_providers._arn import split_arn_key
from connect_core.runtime.config_providers._aws import AwsProviderOptions, TtlCache
from connect_core.runtime.config_providers.config_provider import ConfigData, ConfigProvider

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["SsmParameterStoreConfigProvider"]

GET_PARAMETERS_MAX = 10  # the API's limit per call
SSM_ARN_SEGMENTS = 6  # arn:aws:ssm:region:account:parameter/name
_MISSING = object()


class SsmParameterStoreConfigProvider(ConfigProvider):
    """AWS SSM Parameter Store (no Kafka counterpart; the syntax above is lambda-connect's)."""

    def __init__(self) -> None:
        """Defaults: boto3's region and credentials, five-minute cache."""
        self._options = AwsProviderOptions()
        self._cache = TtlCache(self._options.ttl_ms)
        self._client: Any = None

    def configure(self, params: Mapping[str, str]) -> None:
        """Read region, endpoint, static keys and ``cache.ttl.ms``."""
        self._options = AwsProviderOptions(params)
        self._cache = TtlCache(self._options.ttl_ms)
        self._client = None

    def get(self, path: str, keys: set[str]) -> ConfigData:
        """Values of the parameters named by ``path`` + ``key``; missing parameters are omitted."""
        names = {key: _parameter_name(path, key) for key in keys}
        values = self._values(set(names.values()))
        return ConfigData({key: values[name] for key, name in names.items() if name in values}, self._options.ttl_ms)

    def _values(self, names: set[str]) -> dict[str, str]:
        values: dict[str, str] = {}
        wanted = []
        for name in sorted(names):
            cached = self._cache.get(name)
            if cached is None:
                wanted.append(name)
            elif cached is not _MISSING:
                values[name] = cached
        for start in range(0, len(wanted), GET_PARAMETERS_MAX):
            chunk = wanted[start : start + GET_PARAMETERS_MAX]
            fetched = self._fetch(chunk)
            for name in chunk:
                self._cache.put(name, fetched.get(name, _MISSING))
            values.update(fetched)
        return values

    def _fetch(self, names: list[str]) -> dict[str, str]:
        if self._client is None:
            self._client = self._options.client("ssm")
        from botocore.exceptions import ClientError

        try:
            response = self._client.get_parameters(Names=names, WithDecryption=True)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("ThrottlingException", "InternalServerError"):
                raise RetriableError(f"SSM throttled reading parameters {names} ({code})") from None
            raise ConfigError(f"SSM parameters {names} could not be read ({code})") from None
        found: dict[str, str] = {}
        for parameter in response.get("Parameters", []):
            value = parameter.get("Value", "")
            requested = parameter.get("Name", "")
            found[requested] = value
            arn = parameter.get("ARN")
            if arn in names:
                found[arn] = value
        return found

    def close(self) -> None:
        """Forget cached values."""
        self._cache.clear()


def _parameter_name(path: str, key: str) -> str:
    arn = split_arn_key(path, key, SSM_ARN_SEGMENTS)
    if arn is not None:
        return arn[0] if arn[1] is None else f"{arn[0]}:{arn[1]}"
    if not path:
        return key
    return f"{path.rstrip('/')}/{key.lstrip('/')}"

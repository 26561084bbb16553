"""``ConfigResolver``: the worker's config providers, and connector configs with placeholders resolved.

Providers are declared the Kafka way (``config.providers=env,file,secretsmanager,ssm``,
``config.providers.<name>.class`` and ``.param.<option>``), from the worker configuration only
(``LAMBDA_CONNECT_CONFIG_PROVIDERS``): a connector config may not declare them, or it could read the function's AWS
credentials or any file (docs/security.md). Well-known names need no ``.class``; ``file``/``directory`` honour
``allowed.paths`` (KIP-993), ``env`` ``allowlist.pattern``. The config topic keeps placeholders; tasks resolve them
at start and again when a provider's TTL ends (``reload.py``), and providers are kept per container, keyed by class
and options, so their clients and caches survive warm invocations.
"""

from __future__ import annotations

import importlib
import json
import threading
from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError
from connect_core.runtime import env
from connect_core.runtime.config_providers.config_transformer import DEFAULT_PATTERN, ConfigTransformer
from connect_core.runtime.config_providers.redaction import remember_secrets

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.runtime.config_providers.config_provider import ConfigProvider

__all__ = [
    "CONFIG_PROVIDERS_CONFIG",
    "PROVIDER_CLASSES",
    "ConfigResolver",
    "clear_provider_cache",
    "connector_provider_keys",
    "provider_key_errors",
    "resolve_configs",
    "resolve_configs_with_ttl",
    "reverse_transform",
]

CONFIG_PROVIDERS_CONFIG = "config.providers"
_PKG = "connect_core.runtime.config_providers."
_ENV = _PKG + "env_var:EnvVarConfigProvider"
_FILE = _PKG + "file:FileConfigProvider"
_DIRECTORY = _PKG + "directory:DirectoryConfigProvider"
_SECRETS = _PKG + "secrets_manager:SecretsManagerConfigProvider"
_SSM = _PKG + "ssm:SsmParameterStoreConfigProvider"

# Class names accepted in config.providers.<name>.class -> "module:Class". Kafka's own, then popular AWS ones.
PROVIDER_CLASSES: dict[str, str] = {
    "org.apache.kafka.common.config.provider.EnvVarConfigProvider": _ENV,
    "org.apache.kafka.common.config.provider.FileConfigProvider": _FILE,
    "org.apache.kafka.common.config.provider.DirectoryConfigProvider": _DIRECTORY,
    "com.github.jcustenborder.kafka.config.aws.SecretsManagerConfigProvider": _SECRETS,
    "io.lenses.connect.secrets.providers.AWSSecretProvider": _SECRETS,
    "lambda.connect.config.provider.SecretsManagerConfigProvider": _SECRETS,
    "lambda.connect.config.provider.SsmParameterStoreConfigProvider": _SSM,
    "EnvVarConfigProvider": _ENV,
    "FileConfigProvider": _FILE,
    "DirectoryConfigProvider": _DIRECTORY,
    "SecretsManagerConfigProvider": _SECRETS,
    "SsmParameterStoreConfigProvider": _SSM,
}
# A provider name that is one of these needs no .class.
DEFAULT_CLASSES: dict[str, str] = {
    "env": _ENV, "file": _FILE, "directory": _DIRECTORY, "dir": _DIRECTORY,
    "secretsmanager": _SECRETS, "secretsManager": _SECRETS, "aws": _SECRETS, "ssm": _SSM,
}

_providers: dict[tuple[str, tuple[tuple[str, str], ...]], ConfigProvider] = {}
_providers_lock = threading.Lock()


def _worker_properties() -> dict[str, str]:
    raw = env.resolve(env.CONFIG_PROVIDERS, "").strip()
    if not raw:
        return {}
    if raw.startswith("{"):
        try:
            parsed = json.loads(raw)
        except ValueError as error:
            raise ConfigError(f"{env.CONFIG_PROVIDERS} must be a comma list or a JSON object: {error}") from error
        return {str(k): str(v) for k, v in parsed.items()}
    return {CONFIG_PROVIDERS_CONFIG: raw}


def _target(name: str, class_name: str | None) -> str:
    key = f"{CONFIG_PROVIDERS_CONFIG}.{name}.class"
    if class_name is None:
        if name in DEFAULT_CLASSES:
            return DEFAULT_CLASSES[name]
        raise ConfigError(f'Missing required configuration "{key}" which has no default value.')
    if class_name in PROVIDER_CLASSES:
        return PROVIDER_CLASSES[class_name]
    if ":" in class_name:  # a Python "module:Class" of the worker's own provider (worker configuration only)
        return class_name
    raise ConfigError(f"Invalid value {class_name} for configuration {key}: Class {class_name} could not be found.")


def _instantiate(target: str, params: dict[str, str]) -> ConfigProvider:
    cache_key = (target, tuple(sorted(params.items())))
    with _providers_lock:
        provider = _providers.get(cache_key)
        if provider is None:
            module_name, _, class_name = target.partition(":")
            try:
                cls = getattr(importlib.import_module(module_name), class_name)
            except (ImportError, AttributeError) as error:
                raise ConfigError(f"Config provider class {target} could not be loaded: {error}") from error
            provider = cls()
            provider.configure(params)
            _providers[cache_key] = provider
        return provider


class ConfigResolver:
    """The providers declared for one connector (worker level + its own config)."""

    def __init__(self, providers: Mapping[str, ConfigProvider]) -> None:
        """Usually built with ``ConfigResolver.for_connector``."""
        self.providers = dict(providers)
        self._transformer = ConfigTransformer(self.providers)

    @classmethod
    def for_connector(cls, connector_config: Mapping[str, str | None]) -> ConfigResolver:
        """The worker's providers (``LAMBDA_CONNECT_CONFIG_PROVIDERS``); a connector's own ``config.providers*``
        is refused (validation answers 400 before such a config is ever stored)."""
        own = connector_provider_keys(connector_config)
        if own:
            raise ConfigError(_refusal(own[0]))
        return cls.for_worker()

    @classmethod
    def for_worker(cls) -> ConfigResolver:
        """The providers the worker configuration declares."""
        props = _worker_properties()
        names = [n.strip() for n in props.get(CONFIG_PROVIDERS_CONFIG, "").split(",") if n.strip()]
        providers: dict[str, ConfigProvider] = {}
        for name in names:
            prefix = f"{CONFIG_PROVIDERS_CONFIG}.{name}.param."
            params = {k[len(prefix):]: v for k, v in props.items() if k.startswith(prefix)}
            target = _target(name, props.get(f"{CONFIG_PROVIDERS_CONFIG}.{name}.class"))
            providers[name] = _instantiate(target, params)
        return cls(providers)

    def resolve(self, config: Mapping[str, str | None]) -> dict[str, str]:
        """``config`` with placeholders substituted (None values dropped); substituted values become redacted."""
        return self.resolve_with_ttl(config)[0]

    def resolve_with_ttl(self, config: Mapping[str, str | None]) -> tuple[dict[str, str], int | None]:
        """``resolve``, plus the shortest TTL (ms) a provider gave for a value used (None: none given)."""
        present = {k: v for k, v in config.items() if v is not None}
        if not self.providers or not any("${" in v for v in present.values()):
            return present, None
        result = self._transformer.transform(present)
        remember_secrets(result.substituted)
        return {k: v for k, v in result.data.items() if v is not None}, min(result.ttls.values(), default=None)


def connector_provider_keys(config: Mapping[str, object]) -> list[str]:
    """The ``config.providers*`` keys of a connector config (none are accepted there)."""
    return [key for key in config if key == CONFIG_PROVIDERS_CONFIG or key.startswith(CONFIG_PROVIDERS_CONFIG + ".")]


def _refusal(key: str) -> str:
    return (f"Invalid configuration {key}: config providers come only from the worker configuration "
            f"({env.CONFIG_PROVIDERS}), not from a connector config")


def provider_key_errors(config: Mapping[str, object]) -> dict[str, str]:
    """Validation's error for each ``config.providers*`` key of a connector config."""
    return {key: _refusal(key) for key in connector_provider_keys(config)}


def reverse_transform(raw: Mapping[str, str | None], config: Mapping[str, str]) -> dict[str, str]:
    """Kafka's ``AbstractHerder.reverseTransform``: every key whose raw value holds a placeholder gets it back.

    A connector started with resolved values hands them into its task configs; these are stored in the config
    topic and shown by the REST API, so the placeholders go back before anything is written.
    """
    out = dict(config)
    for key, value in raw.items():
        if key in out and value is not None and DEFAULT_PATTERN.search(value):
            out[key] = value
    return out


def resolve_configs(
    connector_config: Mapping[str, str | None], *configs: Mapping[str, str | None]
) -> tuple[dict[str, str], ...]:
    """The connector config and each further config (a task config) resolved with the connector's providers."""
    return resolve_configs_with_ttl(connector_config, *configs)[0]


def resolve_configs_with_ttl(
    connector_config: Mapping[str, str | None], *configs: Mapping[str, str | None]
) -> tuple[tuple[dict[str, str], ...], int | None]:
    """``resolve_configs``, plus the shortest TTL (ms) of any value substituted (None when no provider gave one)."""
    resolver = ConfigResolver.for_connector(connector_config)
    answers = [resolver.resolve_with_ttl(c) for c in (connector_config, *configs)]
    ttls = [ttl for _, ttl in answers if ttl is not None]
    return tuple(resolved for resolved, _ in answers), min(ttls, default=None)


def clear_provider_cache() -> None:
    """Close and forget every configured provider (tests)."""
    with _providers_lock:
        for provider in _providers.values():
            provider.close()
        _providers.clear()

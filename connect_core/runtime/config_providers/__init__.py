"""Kafka config providers: ``${provider:[path:]key}`` placeholders resolved when a task starts.

Built in: env, file, directory (Kafka's own) and AWS Secrets Manager and SSM Parameter Store; see ``resolver`` for
how they are declared and each provider module for its syntax.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from connect_core.runtime.config_providers.config_provider import ConfigData, ConfigProvider
    from connect_core.runtime.config_providers.redaction import redact
    from connect_core.runtime.config_providers.resolver import ConfigResolver, resolve_configs

__all__ = ["ConfigData", "ConfigProvider", "ConfigResolver", "redact", "resolve_configs"]

# Each name's module, imported on first access (PEP 562): importing one submodule, or one name, no longer loads
# every module re-exported here (cold start: a handler pays only for what its first request uses).
_EXPORTS: dict[str, str] = {
    "ConfigData": "connect_core.runtime.config_providers.config_provider",
    "ConfigProvider": "connect_core.runtime.config_providers.config_provider",
    "ConfigResolver": "connect_core.runtime.config_providers.resolver",
    "redact": "connect_core.runtime.config_providers.redaction",
    "resolve_configs": "connect_core.runtime.config_providers.resolver",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)

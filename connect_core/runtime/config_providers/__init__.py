"""Kafka config providers: ``${provider:[path:]key}`` placeholders resolved when a task starts.

Built in: env, file, directory (Kafka's own) and AWS Secrets Manager and SSM Parameter Store; see ``resolver`` for
how they are declared and each provider module for its syntax.
"""

from __future__ import annotations

from connect_core.runtime.config_providers.config_provider import ConfigData, ConfigProvider
from connect_core.runtime.config_providers.redaction import redact
from connect_core.runtime.config_providers.resolver import ConfigResolver, resolve_configs

__all__ = ["ConfigData", "ConfigProvider", "ConfigResolver", "redact", "resolve_configs"]

"""lambda-connect's LocalStack extension: it runs inside LocalStack's virtualenv (Python 3.13), never ours."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "lambda-connect-localstack"
EXECUTOR_NAME = "lambda-connect"  # LAMBDA_RUNTIME_EXECUTOR value; the entry point name in pyproject.toml


def version() -> str:
    return metadata.version(DISTRIBUTION)


__all__ = ["DISTRIBUTION", "EXECUTOR_NAME", "version"]

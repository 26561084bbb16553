"""Each test starts with no cached providers and no remembered secrets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.runtime.config_providers.redaction import forget_secrets
from connect_core.runtime.config_providers.resolver import clear_provider_cache

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LAMBDA_CONNECT_CONFIG_PROVIDERS", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clear_provider_cache()
    forget_secrets()
    yield
    clear_provider_cache()
    forget_secrets()

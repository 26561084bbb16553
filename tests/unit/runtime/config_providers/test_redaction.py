"""Redaction: remembered secrets are masked in errors leaving a function and in logs even without a root handler."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from connect_core.api.errors import ConnectError
from connect_core.runtime.config_providers.redaction import (
    RedactingFilter,
    remember_secrets,
    without_secrets,
)

if TYPE_CHECKING:
    import pytest


def test_an_error_holding_a_secret_leaves_masked_and_others_unchanged() -> None:
    remember_secrets(["table-s3cret"])
    plain = ValueError("nothing to hide")
    assert without_secrets(plain) is plain
    masked = without_secrets(RuntimeError("(1146, \"Table 'db.table-s3cret' doesn't exist\")"))
    assert isinstance(masked, ConnectError)
    assert str(masked) == "RuntimeError: (1146, \"Table 'db.[hidden]' doesn't exist\")"


def test_the_last_resort_handler_is_filtered_when_the_root_logger_has_no_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A local function process logs through logging.lastResort: it must mask too."""
    stream = io.StringIO()
    last_resort = logging.StreamHandler(stream)
    monkeypatch.setattr(logging, "lastResort", last_resort)
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    remember_secrets(["pw-0123456789"])
    RedactingFilter.install()
    try:
        raise RuntimeError("login with pw-0123456789 failed")
    except RuntimeError:
        logging.getLogger("lc.test").exception("task failed")
    assert "pw-0123456789" not in stream.getvalue()
    assert "login with [hidden] failed" in stream.getvalue()

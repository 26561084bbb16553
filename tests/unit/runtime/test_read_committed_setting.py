"""``lambda.sink.read.committed`` and ``LAMBDA_CONNECT_ESM_ISOLATION_LEVEL``: who checks a batch for aborted records."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.local.kafka_trigger import esm_isolation_level
from connect_core.runtime import env
from connect_core.runtime.sink_runner import _checks_read_committed
from connect_core.runtime.trigger_config import KafkaTriggerConfig


def test_the_setting_defaults_to_auto_and_refuses_other_values() -> None:
    assert KafkaTriggerConfig.parse({}).read_committed == "auto"
    with pytest.raises(ConfigError, match="lambda.sink.read.committed"):
        KafkaTriggerConfig.parse({"lambda.sink.read.committed": "maybe"})


@pytest.mark.parametrize(("setting", "mapping", "checks"), [
    ("auto", None, True),  # AWS: the pollers' isolation level is not documented
    ("auto", "read_uncommitted", True),
    ("auto", "read_committed", False),
    ("true", "read_committed", True),
    ("false", None, False),
])
def test_auto_checks_unless_the_mapping_reads_committed(
    monkeypatch: pytest.MonkeyPatch, setting: str, mapping: str | None, checks: bool
) -> None:
    if mapping is None:
        monkeypatch.delenv(env.ESM_ISOLATION_LEVEL, raising=False)
    else:
        monkeypatch.setenv(env.ESM_ISOLATION_LEVEL, mapping)
    assert _checks_read_committed(setting) is checks


def test_local_mappings_read_uncommitted_by_default_and_refuse_unknown_levels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(env.ESM_ISOLATION_LEVEL, raising=False)
    assert esm_isolation_level() == "read_uncommitted"
    monkeypatch.setenv(env.ESM_ISOLATION_LEVEL, "read_committed")
    assert esm_isolation_level() == "read_committed"
    monkeypatch.setenv(env.ESM_ISOLATION_LEVEL, "committed")
    with pytest.raises(ValueError, match="LAMBDA_CONNECT_ESM_ISOLATION_LEVEL"):
        esm_isolation_level()

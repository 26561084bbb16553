"""Keys accepted and ignored: logged once per deploy, listed in docs/differences.md, never repeated per task start."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
import re
from pathlib import Path
from typing import TYPE_CHECKING

import connect_core
from connect_core.api.config import ConfigMeta
from connect_core.api.log_once import warning_once

if TYPE_CHECKING:
    import pytest

    from tests.unit.coordinator.conftest import Rest

DIFFERENCES = Path(__file__).resolve().parents[4] / "docs" / "differences.md"
S3_SINK = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": "lines", "s3.bucket.name": "b",
           "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "1000",
           "s3.part.size": "5242880", "storage.class": "io.confluent.connect.s3.storage.S3Storage",
           "schema.compatibility": "BACKWARD"}


def _declared_no_effect_keys() -> dict[str, str]:
    """Every key a config model of connect_core declares with ``no_effect``: key -> its model."""
    from pydantic import BaseModel

    found: dict[str, str] = {}
    for module_info in pkgutil.walk_packages(connect_core.__path__, "connect_core."):
        if module_info.name.startswith(("connect_core.local", "connect_core.testing")):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except Exception:
            continue
        for model in vars(module).values():
            if not (inspect.isclass(model) and issubclass(model, BaseModel) and model.__module__ == module.__name__):
                continue
            for name, info in model.model_fields.items():
                if any(isinstance(meta, ConfigMeta) and meta.no_effect for meta in info.metadata):
                    found[info.alias or name] = model.__name__
    return found


def test_every_key_accepted_and_ignored_is_listed_in_docs_differences() -> None:
    text = DIFFERENCES.read_text()
    section = text[text.index("## Keys accepted and ignored"):]
    section = section[:section.index("\n## ", 1)]
    listed = set(re.findall(r"`([^`\s]+)`", section))
    declared = _declared_no_effect_keys()
    assert {"s3.part.size", "storage.class", "schema.compatibility", "delete.handling.mode"} <= set(declared)
    assert sorted(set(declared) - listed) == []


def test_a_deploy_logs_each_ignored_key_once(rest: Rest, caplog: pytest.LogCaptureFixture) -> None:
    """The S3 sink's Confluent keys are accepted (no error) and logged once at the deploy, not silently dropped; a
    key set to its default (storage.class: S3Storage) does what it asks and says nothing."""
    with caplog.at_level(logging.WARNING, logger="connect_core.coordinator.herder.validation"):
        rest.create("s3", S3_SINK)
    logged = [r.getMessage() for r in caplog.records if "accepted for compatibility" in r.getMessage()]
    assert sorted(logged) == [
        "Connector s3: s3.part.size is accepted for compatibility but has no effect in lambda-connect: a file is "
        "built in memory and written with one PutObject, never a multipart upload",
        "Connector s3: schema.compatibility is accepted for compatibility but has no effect in lambda-connect: "
        "records are never projected to another schema: a file rotates at every schema change, as NONE"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="connect_core.coordinator.herder.validation"):
        rest.call("GET", "/connectors/s3/status")
    assert not [r for r in caplog.records if "accepted for compatibility" in r.getMessage()]


def test_a_removed_debezium_key_is_warned_about_once_per_container(caplog: pytest.LogCaptureFixture,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """ExtractNewRecordState is configured at every start of its task (after every failed batch): the removed key's
    warning is logged the first time only."""
    from connect_core.api import log_once
    from connect_core.transforms.debezium.extract_new_record_state import ExtractNewRecordState

    monkeypatch.setattr(log_once, "_seen", set())  # a fresh container
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            ExtractNewRecordState().configure({"drop.tombstones": "false", "delete.tombstone.handling.mode": "drop"})
    removed = [r for r in caplog.records if "drop.tombstones was removed in Debezium 3.0" in r.getMessage()]
    assert len(removed) == 1
    logger = logging.getLogger("tests.log_once")
    assert warning_once(logger, "%s once", "said") and not warning_once(logger, "%s once", "said")

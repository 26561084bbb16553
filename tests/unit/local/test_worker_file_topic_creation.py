"""A worker file's ``topic.creation.enable`` (KIP-158) reaches the source tasks' environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.local.worker_file import WorkerFileError, read_worker_file
from connect_core.runtime import env

if TYPE_CHECKING:
    from pathlib import Path


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "worker.properties"
    path.write_text(text, encoding="latin-1")
    return path


@pytest.mark.parametrize(("given", "expected"), [("false", "false"), (" TRUE ", "true"), ("False", "false")])
def test_topic_creation_enable_is_mapped(tmp_path: Path, given: str, expected: str) -> None:
    worker = read_worker_file(_file(tmp_path, f"bootstrap.servers=localhost:9092\ntopic.creation.enable={given}\n"),
                              standalone=False)
    assert worker.environment[env.TOPIC_CREATION_ENABLE] == expected


def test_topic_creation_enable_absent_sets_nothing(tmp_path: Path) -> None:
    worker = read_worker_file(_file(tmp_path, "bootstrap.servers=localhost:9092\n"), standalone=False)
    assert env.TOPIC_CREATION_ENABLE not in worker.environment


def test_a_topic_creation_enable_that_is_no_boolean_is_refused_as_kafka_does(tmp_path: Path) -> None:
    with pytest.raises(WorkerFileError, match="^Invalid value yes for configuration topic.creation.enable: Expected "
                                              "value to be either true or false$"):
        read_worker_file(_file(tmp_path, "topic.creation.enable=yes\n"), standalone=False)

"""Kafka's FileStream connectors under the Lambda model: any warm container, frozen and recycled ones, idle gaps
(connect_core/testing/lambda_model.py). ``make test`` runs a few schedules, ``make faults`` many."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.testing import EmbeddedConnect
from connect_core.testing.lambda_model import run_schedule, seeds
from tests.faults import _lambda_families as families
from tests.faults.conftest import BIG

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SCHEDULES = 300 if BIG else 2


@pytest.fixture(scope="module")
def connect(kafka_bootstrap: str) -> Iterator[EmbeddedConnect]:
    with EmbeddedConnect(kafka_bootstrap) as kit:
        yield kit


def _run(connect: EmbeddedConnect, family_of: object, request: pytest.FixtureRequest) -> None:
    failures = []
    for seed in seeds(SCHEDULES):
        report = run_schedule(connect, family_of(), seed)  # type: ignore[operator]
        if report.violations:
            failures.append(report.message(request.node.nodeid))
    assert not failures, f"{len(failures)} schedule(s) broke an invariant:\n" + "\n\n".join(failures[:3])


def test_filestream_sink(connect: EmbeddedConnect, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _run(connect, lambda: families.FileStreamSink(connect, tmp_path), request)


def test_filestream_source(connect: EmbeddedConnect, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _run(connect, lambda: families.FileStreamSource(connect, tmp_path), request)

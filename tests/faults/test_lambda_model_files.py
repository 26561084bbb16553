"""Kafka's FileStream connectors under the Lambda model: any warm container, frozen and recycled ones, idle gaps
(connect_core/testing/lambda_model.py). ``make test`` runs one schedule each, ``make faults`` many."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.faults import _lambda_families as families
from tests.faults import _lambda_model
from tests.faults._lambda_model import run_family as _run

if TYPE_CHECKING:
    from pathlib import Path

    from connect_core.testing import EmbeddedConnect


connect = _lambda_model.connect  # the module's kit (a fixture)
pytestmark = pytest.mark.timeout(_lambda_model.TIMEOUT_S)


def test_filestream_sink(connect: EmbeddedConnect, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _run(connect, lambda: families.FileStreamSink(connect, tmp_path), request)


def test_filestream_source(connect: EmbeddedConnect, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _run(connect, lambda: families.FileStreamSource(connect, tmp_path), request)

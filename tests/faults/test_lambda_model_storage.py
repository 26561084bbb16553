"""Confluent's S3 sink and source on LocalStack and Apache Iceberg's sink (JDBC catalog on PostgreSQL) under the Lambda
model: any warm container, frozen and recycled ones, injected failures, idle gaps
(connect_core/testing/lambda_model.py). ``make test`` runs one schedule each, ``make faults`` many."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.faults import _lambda_families as families
from tests.faults import _lambda_model
from tests.faults._lambda_model import run_family

if TYPE_CHECKING:
    from connect_core.testing import EmbeddedConnect


connect = _lambda_model.connect  # the module's kit (a fixture)
pytestmark = pytest.mark.timeout(_lambda_model.TIMEOUT_S)


def test_s3_sink(connect: EmbeddedConnect, aws_settings: dict[str, str], request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.S3Sink(connect, aws_settings), request)


def test_s3_source(connect: EmbeddedConnect, aws_settings: dict[str, str], request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.S3Source(connect, aws_settings), request)


def test_iceberg_sink(connect: EmbeddedConnect, aws_settings: dict[str, str], postgres_settings: dict[str, str],
                      request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.IcebergSink(connect, aws_settings, postgres_settings), request)

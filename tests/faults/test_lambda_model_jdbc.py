"""Confluent's JDBC sink and source on MariaDB and Debezium's JDBC sink under the Lambda model: any warm container,
frozen and recycled ones, injected failures, idle gaps (connect_core/testing/lambda_model.py). ``make test`` runs a
few schedules each, ``make faults`` many."""

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


def test_jdbc_sink(connect: EmbeddedConnect, mariadb_settings: dict[str, str], request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.JdbcSink(connect, mariadb_settings), request)


def test_jdbc_source(connect: EmbeddedConnect, mariadb_settings: dict[str, str],
                     request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.JdbcSource(connect, mariadb_settings), request)


def test_debezium_jdbc_sink(connect: EmbeddedConnect, mariadb_settings: dict[str, str],
                            request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.DebeziumJdbcSink(connect, mariadb_settings), request)

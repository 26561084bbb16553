"""The connector families on MariaDB, LocalStack's S3 and OpenSearch under the Lambda model: any warm container,
frozen and recycled ones, idle gaps (connect_core/testing/lambda_model.py). ``make test`` runs a few schedules,
``make faults`` many."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.faults import _lambda_families as families
from tests.faults import _lambda_model
from tests.faults._lambda_model import run_family

if TYPE_CHECKING:
    import pytest

    from connect_core.testing import EmbeddedConnect


connect = _lambda_model.connect  # the module's kit (a fixture)


def test_jdbc_sink(connect: EmbeddedConnect, mariadb_settings: dict[str, str], request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.JdbcSink(connect, mariadb_settings), request)


def test_jdbc_source(connect: EmbeddedConnect, mariadb_settings: dict[str, str],
                     request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.JdbcSource(connect, mariadb_settings), request)


def test_s3_sink(connect: EmbeddedConnect, aws_settings: dict[str, str], request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.S3Sink(connect, aws_settings), request)


def test_opensearch_sink(connect: EmbeddedConnect, opensearch_url: str, request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.OpenSearchSink(connect, opensearch_url), request)


def test_iceberg_sink(connect: EmbeddedConnect, aws_settings: dict[str, str], postgres_settings: dict[str, str],
                      request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.IcebergSink(connect, aws_settings, postgres_settings), request)


def test_http_sink(connect: EmbeddedConnect, request: pytest.FixtureRequest) -> None:
    from tests.integration.connectors.http._server import serve

    server, endpoint = serve()
    try:
        bodies: list[bytes] = []

        def record(request: Any) -> tuple[int, bytes]:
            bodies.append(request.body)
            return 200, b'{"ok":true}'

        endpoint.respond = record
        run_family(connect, lambda: families.HttpSink(connect, endpoint.url, bodies), request)
    finally:
        server.shutdown()


def test_datagen_source(connect: EmbeddedConnect, request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.Datagen(connect), request)


def test_binlog_cdc(connect: EmbeddedConnect, mariadb_settings: dict[str, str], request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.BinlogCdc(connect, mariadb_settings), request)


def test_postgres_cdc(connect: EmbeddedConnect, postgres_settings: dict[str, str],
                      request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.PostgresCdc(connect, postgres_settings), request)


def test_debezium_jdbc_sink(connect: EmbeddedConnect, mariadb_settings: dict[str, str],
                            request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.DebeziumJdbcSink(connect, mariadb_settings), request)


def test_mirror_source(connect: EmbeddedConnect, kafka2_bootstrap: str, request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.MirrorSource(connect, kafka2_bootstrap), request)


def test_s3_source(connect: EmbeddedConnect, aws_settings: dict[str, str], request: pytest.FixtureRequest) -> None:
    run_family(connect, lambda: families.S3Source(connect, aws_settings), request)

"""The Iceberg sink's tests: a fresh bucket and catalog name per test, on PostgreSQL (the JDBC catalog's tables) and
LocalStack S3; the runtime's per-test cluster for the SinkRunner tests."""

from __future__ import annotations

import uuid

import boto3
import pytest

from tests.integration.runtime.conftest import cluster  # noqa: F401  (the SinkRunner tests' internal topics)
from tests.unit.connectors.iceberg.test_code_names import probe  # noqa: F401  (a module that must not be imported)


@pytest.fixture
def props(aws_settings: dict[str, str], postgres_settings: dict[str, str]) -> dict[str, str]:
    bucket = f"iceberg-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", **aws_settings).create_bucket(Bucket=bucket)
    pg = postgres_settings
    return {
        "name": f"ice-{uuid.uuid4().hex[:8]}",
        "connector.class": "org.apache.iceberg.connect.IcebergSinkConnector",
        "iceberg.catalog": f"cat_{uuid.uuid4().hex[:8]}",
        "iceberg.catalog.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        "iceberg.catalog.uri": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{pg['database']}",
        "iceberg.catalog.jdbc.user": pg["user"], "iceberg.catalog.jdbc.password": pg["password"],
        "iceberg.catalog.warehouse": f"s3://{bucket}/warehouse",
        "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        "iceberg.catalog.s3.endpoint": aws_settings["endpoint_url"], "iceberg.catalog.s3.path-style-access": "true",
        "iceberg.catalog.s3.access-key-id": "test", "iceberg.catalog.s3.secret-access-key": "test",
        "iceberg.catalog.client.region": aws_settings["region_name"],
        "iceberg.tables.auto-create-enabled": "true",
        "iceberg.control.commit.interval-ms": "0",
    }

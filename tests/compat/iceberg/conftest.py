"""Apache Iceberg's own Kafka Connect sink (``iceberg-kafka-connect`` 1.10.1 and its runtime jars from Maven Central,
``pom.xml`` here) on a Kafka Connect 4.3.1 worker, once per module; the catalog both sinks share: a JDBC catalog on
the local PostgreSQL with files on LocalStack's S3 (a fresh bucket and catalog name per module)."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from tests.compat._oracle import RUN_DIR, maven_classpath
from tests.compat.connect_worker.conftest import ConnectWorker, free_port, running_worker

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = Path(__file__).resolve().parent
WORKER_POM = HERE.parent / "connect_worker" / "pom.xml"


def plugin_classpath() -> list[str]:
    """The jars of Iceberg's sink and its runtime, resolved from ``pom.xml`` (cached per pom content)."""
    return maven_classpath(HERE / "pom.xml", "-Dmdep.includeScope=runtime").split(os.pathsep)


def plugin_path() -> Path:
    """A ``plugin.path`` holding one plugin directory that links every jar of ``plugin_classpath()``."""
    jars = plugin_classpath()
    root = RUN_DIR / "plugins" / f"iceberg-{hashlib.sha256(':'.join(jars).encode()).hexdigest()[:12]}"
    plugin = root / "iceberg-kafka-connect"
    plugin.mkdir(parents=True, exist_ok=True)
    for jar in map(Path, jars):
        link = plugin / jar.name
        if not link.exists():
            link.symlink_to(jar)
    return root


@pytest.fixture(scope="module")
def iceberg_worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectWorker]:
    """The worker with Iceberg's sink on its plugin.path, REST API up; stopped and its topics dropped at the end."""
    from tests.compat.connect_worker import conftest as connect_worker

    plugins = plugin_path()
    start_timeout = connect_worker.START_TIMEOUT_S
    connect_worker.START_TIMEOUT_S = max(start_timeout, 600.0)  # ~100 plugin jars to scan on a busy machine
    try:
        with running_worker(WORKER_POM, free_port(), kafka_bootstrap, tmp_path_factory.mktemp("iceberg-worker"),
                            "compat-iceberg", extra_properties=f"plugin.path={plugins}\n") as worker:
            yield worker
    finally:
        connect_worker.START_TIMEOUT_S = start_timeout


@pytest.fixture(scope="module")
def catalog_props(aws_settings: dict[str, str], postgres_settings: dict[str, str]) -> dict[str, str]:
    """``iceberg.catalog*`` keys both sinks are configured with: one JDBC catalog, one bucket."""
    bucket = f"iceberg-compat-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", **aws_settings).create_bucket(Bucket=bucket)
    pg = postgres_settings
    return {
        "iceberg.catalog": f"compat_{uuid.uuid4().hex[:8]}",
        "iceberg.catalog.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        "iceberg.catalog.uri": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{pg['database']}",
        "iceberg.catalog.jdbc.user": pg["user"], "iceberg.catalog.jdbc.password": pg["password"],
        "iceberg.catalog.warehouse": f"s3://{bucket}/warehouse",
        "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        "iceberg.catalog.s3.endpoint": aws_settings["endpoint_url"], "iceberg.catalog.s3.path-style-access": "true",
        "iceberg.catalog.s3.access-key-id": aws_settings.get("aws_access_key_id", "test"),
        "iceberg.catalog.s3.secret-access-key": aws_settings.get("aws_secret_access_key", "test"),
        "iceberg.catalog.client.region": aws_settings["region_name"],
    }

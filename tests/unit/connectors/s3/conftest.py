"""moto-backed S3 for fast unit tests of the S3 sink (no sockets: moto patches botocore in-process)."""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws
from moto.core.base_backend import BaseBackend
from moto.s3.models import S3Backend

if TYPE_CHECKING:
    from collections.abc import Iterator

BUCKET = "sink-bucket"


def _s3_urls_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto re-imports its S3 URL table (``importlib.reload``) and rebuilds the URL map on every request, in case
    the environment changed; a test's never does, so each backend builds its map once (a third of moto's time)."""
    urls_module = importlib.import_module("moto.s3.urls")
    monkeypatch.setattr(S3Backend, "_url_module", property(lambda _backend: urls_module))
    urls = functools.cached_property(BaseBackend.urls.fget)  # type: ignore[attr-defined]
    urls.__set_name__(S3Backend, "urls")
    monkeypatch.setattr(S3Backend, "urls", urls)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto S3 client with ``BUCKET`` created."""
    _s3_urls_once(monkeypatch)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        client.create_bucket(Bucket=BUCKET)
        yield client


def final_objects(client: Any, bucket: str = BUCKET) -> dict[str, bytes]:
    """Every object but the staging area's: the files a reader of the bucket sees, key -> body."""
    from connect_core.connectors.s3._staging import STAGING_DIR

    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            for o in listed if f"{STAGING_DIR}/" not in o["Key"]}

"""The S3 sink's moto bucket, for source tests that read back what the real sink wrote."""

from tests.unit.connectors.s3.conftest import s3  # noqa: F401 - re-exported fixture

"""The S3 calls the sink makes: list, read a file's end offset, write a file once, read and swap a staging head.

boto3 is imported on first use and clients are reused across warm invocations. A file's end offset is read
with a HEAD every time, never cached: a key deleted and rewritten (reprocessing) may keep its ETag but not its
coverage, and one HEAD per directory and invocation is cheap next to a wrongly skipped record.
botocore failures become ``RetriableError`` (the batch is retried) except client errors no retry can fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from connect_core.api.errors import ConfigError, ConnectError, RetriableError
from connect_core.connectors.s3._direct_put import DirectPut, PreconditionFailedError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from connect_core.connectors.s3.config import S3SinkConfig

__all__ = ["END_OFFSET_META", "PARTS_META", "RECORD_COUNT_META", "FileExistsRetriableError", "S3Storage"]

END_OFFSET_META = "end-offset"
RECORD_COUNT_META = "record-count"
PARTS_META = "parts"  # every object of a file lists the file's views (key,headers,value): complete when all exist
_CLIENTS: dict[tuple[Any, ...], Any] = {}
_PUT_HEADERS = (("ACL", "x-amz-acl"), ("ServerSideEncryption", "x-amz-server-side-encryption"),
                ("SSEKMSKeyId", "x-amz-server-side-encryption-aws-kms-key-id"), ("Tagging", "x-amz-tagging"),
                ("IfNoneMatch", "If-None-Match"), ("IfMatch", "If-Match"))
_RETRIABLE_CODES = frozenset({"SlowDown", "RequestTimeout", "Throttling", "ThrottlingException", "InternalError",
                              "ServiceUnavailable", "ConditionalRequestConflict", "OperationAborted"})


def _put_headers(kwargs: dict[str, Any]) -> dict[str, str]:
    """The HTTP headers boto3 writes for these ``put_object`` arguments (those :meth:`S3Storage.put` uses)."""
    headers = {name: str(kwargs[arg]) for arg, name in _PUT_HEADERS if arg in kwargs}
    for name, value in kwargs.get("Metadata", {}).items():
        headers[f"x-amz-meta-{name}"] = value
    return headers


class FileExistsRetriableError(RetriableError):
    """Another attempt wrote this file first (412); retrying re-reads what is already in S3."""


def _client(config: S3SinkConfig) -> Any:
    key_id = config.aws_access_key_id.get_secret_value() if config.aws_access_key_id else None
    secret = config.aws_secret_access_key.get_secret_value() if config.aws_secret_access_key else None
    cache_key = (config.s3_region, config.store_url, config.s3_path_style_access_enabled, key_id, secret)
    client = _CLIENTS.get(cache_key)
    if client is None:
        import boto3
        from botocore.config import Config

        # false: the bucket in the host name, as Confluent's client; true: in the path on a store.url (on AWS
        # botocore's own choice, virtual-hosted, which every region serves).
        style: Literal["path", "virtual", "auto"] = "virtual" if not config.s3_path_style_access_enabled else (
            "path" if config.store_url else "auto")
        client = boto3.client(
            "s3", region_name=config.s3_region, endpoint_url=config.store_url or None,
            aws_access_key_id=key_id, aws_secret_access_key=secret,
            config=Config(s3={"addressing_style": style}, retries={"mode": "standard", "max_attempts": 3}),
        )
        _CLIENTS[cache_key] = client
    return client


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _translate(error: Exception, what: str) -> ConnectError:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):  # BotoCoreError: connection, timeout, credentials
        return RetriableError(f"S3 {what} failed: {error}")
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code == "PreconditionFailed" or status == 412:
        return FileExistsRetriableError(f"S3 {what}: the file was written by another attempt")
    if code in _RETRIABLE_CODES or status >= 500:
        return RetriableError(f"S3 {what} failed ({code}): {error}")
    return ConnectError(f"S3 {what} failed ({code}): {error}")


class S3Storage:
    """One bucket, through a shared boto3 client."""

    def __init__(self, config: S3SinkConfig, client: Any = None) -> None:
        """Bind to ``config``'s bucket; ``client`` overrides the shared client (tests, fault injection)."""
        self.bucket = config.s3_bucket_name
        self.client = client if client is not None else _client(config)
        self._sse_args: dict[str, Any] = {}  # what every PUT carries (staging objects too): encryption
        if config.s3_sse_algorithm:
            self._sse_args["ServerSideEncryption"] = config.s3_sse_algorithm
        if config.s3_sse_kms_key_id:
            self._sse_args["SSEKMSKeyId"] = config.s3_sse_kms_key_id
        self._acl_args: dict[str, Any] = {"ACL": config.s3_acl_canned} if config.s3_acl_canned else {}
        # the shared client's PUTs after its first go direct (_direct_put); a client given here is used for all
        self._direct = DirectPut(self.client) if client is None else None

    def check_bucket(self) -> None:
        """Fail at start when the bucket does not exist, as Confluent's task does.

        Only an answer that says so (404, 403, 400) is a configuration error, which opens the circuit breaker at
        once; a 5xx, throttling, a timeout or a lost connection is transient: ``RetriableError``, retried with backoff.
        """
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as e:
            transient = _translate(e, f"HeadBucket {self.bucket}")
            if isinstance(transient, RetriableError) and not isinstance(transient, FileExistsRetriableError):
                raise transient from e
            raise ConfigError(f"Invalid value {self.bucket} for configuration s3.bucket.name: "
                              f"no such bucket or no access ({e})") from e

    def list_keys(self, prefix: str) -> Iterator[str]:
        """The keys under ``prefix``, in key order."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            try:
                page = self.client.list_objects_v2(**kwargs)
            except Exception as e:
                raise _translate(e, "list") from e
            for item in page.get("Contents", ()):
                yield item["Key"]
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            kwargs["ContinuationToken"] = token

    def list_prefixes(self, prefix: str) -> Iterator[str]:
        """The "directories" right under ``prefix`` (common prefixes up to the next ``/``), in key order."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "Delimiter": "/"}
        while True:
            try:
                page = self.client.list_objects_v2(**kwargs)
            except Exception as e:
                raise _translate(e, "list") from e
            for item in page.get("CommonPrefixes", ()):
                yield item["Prefix"]
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            kwargs["ContinuationToken"] = token

    def end_offset(self, key: str) -> int | None:
        """The last Kafka offset file ``key`` accounts for (its ``end-offset`` metadata); None for a file another
        writer made (Confluent's S3 sink names files the same way but records no coverage)."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as e:
            raise _translate(e, "head") from e
        meta = head.get("Metadata", {})
        if END_OFFSET_META not in meta:
            return None
        return int(meta[END_OFFSET_META])

    def get(self, key: str) -> tuple[bytes, str] | None:
        """An object's body and ETag; None when there is no such key."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            return response["Body"].read(), response["ETag"]
        except Exception as e:
            if _code(e) in ("NoSuchKey", "404"):
                return None
            raise _translate(e, "get") from e

    def put(self, key: str, body: bytes, metadata: dict[str, str] | None = None, *, exclusive: bool,
            tags: dict[str, str] | None = None, if_match: str | None = None, plain: bool = False) -> str:
        """Write an object and return its ETag.

        ``exclusive`` makes it ``If-None-Match: *`` (never overwrite), ``if_match`` replaces only the version with
        that ETag (both raise ``FileExistsRetriableError`` on 412: another attempt wrote first); ``plain`` leaves out
        the canned ACL (staging objects are ours, not files to share) but keeps the configured encryption.
        """
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Body": body, **self._sse_args}
        if not plain:
            kwargs.update(self._acl_args)
        if metadata:
            kwargs["Metadata"] = metadata
        if tags:
            from urllib.parse import urlencode

            kwargs["Tagging"] = urlencode(tags)
        if exclusive:
            kwargs["IfNoneMatch"] = "*"
        if if_match is not None:
            kwargs["IfMatch"] = if_match
        direct = self._direct
        try:
            if direct is not None and direct.ready:
                etag = direct.put(key, body, _put_headers(kwargs))
                if etag is not None:
                    return etag
            elif direct is not None:  # boto3's PUT shows the URL and signing scope to use
                return self._put_learning(direct, kwargs)
            return str(self.client.put_object(**kwargs).get("ETag", ""))
        except PreconditionFailedError as e:
            raise FileExistsRetriableError(f"S3 put {key}: the file was written by another attempt") from e
        except Exception as e:
            if if_match is not None and _code(e) in ("NoSuchKey", "404"):  # replaced and deleted meanwhile
                raise FileExistsRetriableError(f"S3 put {key}: changed by another attempt") from e
            raise _translate(e, "put") from e

    def _put_learning(self, direct: DirectPut, kwargs: dict[str, Any]) -> str:
        """boto3's PutObject, with ``direct`` learning its URL and signing scope."""
        handler, events = direct.capture(kwargs["Key"]), self.client.meta.events
        events.register("before-send.s3.PutObject", handler)
        try:
            return str(self.client.put_object(**kwargs).get("ETag", ""))
        finally:
            events.unregister("before-send.s3.PutObject", handler)

    def delete_prefix(self, prefix: str) -> None:
        """Delete every object under ``prefix`` (staging objects of a closed round)."""
        self.delete_keys(list(self.list_keys(prefix)))

    def delete_keys(self, keys: list[str]) -> None:
        """Delete these objects (absent ones are no error)."""
        for i in range(0, len(keys), 1000):
            try:
                self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
            except Exception as e:
                raise _translate(e, "delete") from e

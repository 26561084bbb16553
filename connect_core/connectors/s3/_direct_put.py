"""PutObject without boto3's per-call machinery, for the sink's two PUTs an invocation (the file, the head's swap).

A boto3 ``put_object`` spends CPU here in its event hooks, parameter handling, user-agent string and response
parsing, comparable to what the sink spends on a batch's lines. This sends the same request itself: the URL and
the signing scope are the ones boto3 used for this bucket's first PUT (captured from that request, never built
here), the request is signed by botocore's own SigV4 signer with the client's current credentials (refreshed as
boto3 refreshes them) and carries the CRC32 checksum boto3 adds, and it goes through the client's own HTTP session
(its pool, proxies, TLS settings). Only a 2xx (the ETag) and a 412 (another attempt wrote first) are answered here:
any other answer or failure is the caller's cue to send the PUT through boto3, whose retries and errors then apply.
"""

from __future__ import annotations

import base64
import re
import zlib
from typing import Any
from urllib.parse import quote

__all__ = ["DirectPut", "PreconditionFailedError"]

# "Credential=AKID/20261124/us-east-1/s3/aws4_request": the scope boto3 signed this bucket's requests with
_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([^/,]+)/([^/,]+)/aws4_request")


class PreconditionFailedError(Exception):
    """412: the object exists (``If-None-Match: *``) or is no longer the version ``If-Match`` names."""


def _key_path(key: str) -> str:
    """The key as botocore writes it into the URL path."""
    return quote(key, safe="/~")


class DirectPut:
    """PUTs to one bucket at the URL and scope boto3's first PutObject to it used (:meth:`learn` takes them)."""

    def __init__(self, client: Any) -> None:
        """``client``: the boto3 S3 client whose credentials, HTTP session and first request this follows."""
        self._client = client
        self._prefix: str | None = None  # the URL up to the key, as boto3 built it
        self._scope: tuple[str, str] | None = None  # (region, service) of its signature

    @property
    def ready(self) -> bool:
        """Whether a boto3 PutObject has shown the URL and scope to use."""
        return self._prefix is not None

    def capture(self, key: str) -> Any:
        """An event handler (``before-send.s3.PutObject``) learning the URL and scope from boto3's PUT of ``key``;
        nothing is learnt from a request it does not understand (no SigV4 header, another key), so boto3 stays
        the path."""
        tail = "/" + _key_path(key)

        def handler(request: Any, **_: Any) -> None:
            url = str(request.url)
            scope = _SCOPE.search(str(request.headers.get("Authorization", "")))
            if scope is None or "?" in url or not url.endswith(tail):
                return
            self._prefix, self._scope = url[: -len(tail)], (scope.group(1), scope.group(2))

        return handler

    def put(self, key: str, body: bytes, headers: dict[str, str]) -> str | None:
        """Send the PUT; its ETag, or None when the answer is for boto3 to handle (anything but 2xx and 412).

        Raises ``PreconditionFailedError`` on 412."""
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest

        assert self._prefix is not None and self._scope is not None
        # boto3's own credentials (refreshed as it refreshes them) and HTTP session; a botocore without these
        # private attributes, or any failure before an answer (a lost connection, a timeout), leaves it to boto3
        get_credentials = getattr(self._client, "_get_credentials", None)
        session = getattr(getattr(self._client, "_endpoint", None), "http_session", None)
        credentials = get_credentials() if get_credentials is not None else None
        if credentials is None or session is None:
            return None
        checksum = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        request = AWSRequest(method="PUT", url=f"{self._prefix}/{_key_path(key)}", data=body,
                             headers={**headers, "x-amz-checksum-crc32": checksum,
                                      "x-amz-sdk-checksum-algorithm": "CRC32"})
        # what boto3 tells its signer about a PutObject: a streaming body with a header checksum (an unsigned
        # payload on https, the body's SHA-256 otherwise)
        request.context.update({"has_streaming_input": True,
                                "checksum": {"request_algorithm": {"in": "header", "name": "x-amz-checksum-crc32"}}})
        region, service = self._scope
        try:
            S3SigV4Auth(credentials.get_frozen_credentials(), service, region).add_auth(request)
            response = session.send(request.prepare())
        except Exception:
            return None
        status = response.status_code
        if 200 <= status < 300:
            return str(response.headers.get("ETag", ""))
        if status == 412:
            raise PreconditionFailedError(key)
        return None

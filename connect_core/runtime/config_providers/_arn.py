"""Kafka's placeholder pattern splits at the first colon after the provider, so an ARN arrives cut in two.

``${secretsmanager:arn:aws:secretsmanager:eu-west-1:123:secret:db-AbCdEf:password}`` reaches a provider as path
``arn`` and key ``aws:secretsmanager:...:password``; the AWS providers glue them back together here.
"""

from __future__ import annotations

__all__ = ["split_arn_key"]

ARN_SEGMENTS = 7  # arn:partition:service:region:account:resource-type:resource-name (Secrets Manager's shape)


def split_arn_key(path: str, key: str, segments: int = ARN_SEGMENTS) -> tuple[str, str | None] | None:
    """``(arn, trailing key or None)`` when ``path:key`` is an ARN (optionally followed by ``:<key>``), else None."""
    if path != "arn":
        return None
    full = f"arn:{key}"
    parts = full.split(":")
    if len(parts) == segments:
        return full, None
    if len(parts) > segments:
        return ":".join(parts[:segments]), ":".join(parts[segments:])
    return None

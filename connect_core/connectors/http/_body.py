"""Request bodies and URLs of the HTTP sink: a record's text (``request.body.format``), a batch's body
(``batch.prefix``/``batch.separator``/``batch.suffix`` or ``batch.json.as.array``) and ``${topic}``/``${key}``."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from connect_core.api.data_json import to_json_array, to_json_text
from connect_core.api.java_objects import java_string

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord
    from connect_core.connectors.http.config import HttpSinkConfig

__all__ = ["batch_body", "content_type", "json_array", "json_array_reference", "record_text", "substitute"]


def substitute(pattern: str, record: SinkRecord, *, quote: bool) -> str:
    """``pattern`` with ``${topic}`` and ``${key}`` replaced (percent-encoded in a URL: a key is any text)."""
    if "${" not in pattern:
        return pattern
    key = "" if record.key is None else java_string(record.key)
    topic = record.topic
    if quote:
        key, topic = urllib.parse.quote(key, safe=""), urllib.parse.quote(topic, safe="")
    return pattern.replace("${topic}", topic).replace("${key}", key)


def record_text(config: HttpSinkConfig, record: SinkRecord) -> str:
    """A record's value as the body holds it: ``String.valueOf`` (string) or its schemaless JSON (json)."""
    if config.request_body_format == "json":
        return to_json_text(record.value_schema, record.value)
    return java_string(record.value)


def batch_body(config: HttpSinkConfig, records: list[SinkRecord]) -> bytes:
    """One request's body for ``records``."""
    if config.request_body_format == "json" and config.batch_json_as_array:
        return json_array(records).encode()
    texts = [record_text(config, record) for record in records]
    return (config.batch_prefix + config.batch_separator.join(texts) + config.batch_suffix).encode()


def json_array(records: list[SinkRecord]) -> str:
    """The records' JSON texts as one array, as :func:`json_array_reference` joins them, written in one pass."""
    return to_json_array((record.value_schema, record.value) for record in records)


def json_array_reference(records: list[SinkRecord]) -> str:
    """Each record's ``to_json_text``, joined into an array (the reference for :func:`json_array`)."""
    return "[" + ",".join(to_json_text(record.value_schema, record.value) for record in records) + "]"


def content_type(config: HttpSinkConfig) -> str:
    """The Content-Type sent unless ``headers`` names one."""
    return "application/json" if config.request_body_format == "json" else "text/plain; charset=utf-8"

"""``S3SourceConfig``: the keys of Confluent's S3 source (backup and restore, and generalized), names and defaults
unchanged.

The S3 keys are the S3 sink's (``s3.bucket.name``, ``s3.region``, ``store.url``, static keys); the layout keys
(``topics.dir``, ``directory.delim``, ``file.delim``) must match the sink's config that wrote the archive.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from connect_core.api.config import config_error, config_field, in_range, valid_string
from connect_core.api.errors import ConfigError

__all__ = ["FORMATS", "S3SourceConfig", "TopicMap"]

JSON_FORMAT = "io.confluent.connect.s3.format.json.JsonFormat"
BYTEARRAY_FORMAT = "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"
AVRO_FORMAT = "io.confluent.connect.s3.format.avro.AvroFormat"
PARQUET_FORMAT = "io.confluent.connect.s3.format.parquet.ParquetFormat"
FORMATS = {JSON_FORMAT: "json", "JsonFormat": "json", BYTEARRAY_FORMAT: "bytearray", "ByteArrayFormat": "bytearray",
           AVRO_FORMAT: "avro", "AvroFormat": "avro", PARQUET_FORMAT: "parquet", "ParquetFormat": "parquet"}
_PARTITIONERS = ("DefaultPartitioner", "FieldPartitioner", "TimeBasedPartitioner", "DailyPartitioner",
                 "HourlyPartitioner")
PARTITIONERS = {n: n for n in _PARTITIONERS} | {"io.confluent.connect.storage.partitioner." + n: n
                                                 for n in _PARTITIONERS}
DEFAULT_REGION = "us-west-2"
DEFAULT_BATCH_MAX_SIZE = 200
DEFAULT_POLL_INTERVAL_MS = 60_000


def _one_of(choices: dict[str, str]) -> Any:
    def check(key: str, value: str) -> None:
        if value not in choices:
            raise config_error(key, value, "Supported: " + ", ".join(sorted({c for c in choices if "." in c})))

    return check


class TopicMap:
    """``topic.regex.list``: ``target:regex`` pairs; an archived topic goes to the first target whose regex matches
    it whole, and a topic no regex matches is not restored. Empty: every topic to itself."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: list[str]) -> None:
        """Parse the pairs, naming the key on a malformed one."""
        parsed: list[tuple[str, re.Pattern[str]]] = []
        for pair in pairs:
            target, colon, regex = pair.partition(":")
            if not colon or not target.strip() or not regex.strip():
                raise config_error("topic.regex.list", ",".join(pairs), f"'{pair}' is not <topic>:<regex>")
            try:
                parsed.append((target.strip(), re.compile(regex.strip())))
            except re.error as error:
                raise config_error("topic.regex.list", ",".join(pairs), f"bad regex '{regex}': {error}") from error
        self._pairs = tuple(parsed)

    def target(self, topic: str) -> str | None:
        """Where ``topic``'s records are restored to; None: not restored."""
        if not self._pairs:
            return topic
        return next((target for target, regex in self._pairs if regex.fullmatch(topic)), None)


class S3SourceConfig(BaseModel):
    """Config of ``S3SourceConnector`` (Confluent ``S3SourceConnectorConfig``, RESTORE_BACKUP and GENERIC modes)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    s3_bucket_name: str = config_field(alias="s3.bucket.name", importance="HIGH", group="S3",
                                       description="The bucket the S3 sink wrote to.")
    s3_region: str = config_field(DEFAULT_REGION, alias="s3.region", group="S3", description="The AWS region.")
    store_url: str | None = config_field(None, alias="store.url", group="S3",
                                         description="An S3-compatible endpoint (LocalStack, MinIO).")
    s3_path_style_access_enabled: bool = config_field(True, alias="s3.path.style.access.enabled", group="S3",
                                                      description="Path-style addressing on a store.url.")
    aws_access_key_id: SecretStr | None = config_field(None, alias="aws.access.key.id", group="S3",
                                                       description="Static key id (else the default chain).")
    aws_secret_access_key: SecretStr | None = config_field(None, alias="aws.secret.access.key", group="S3",
                                                           description="Static secret key.")
    mode: Literal["RESTORE_BACKUP", "GENERIC"] = config_field(
        "RESTORE_BACKUP", alias="mode", group="S3", validator=valid_string("RESTORE_BACKUP", "GENERIC"),
        description="RESTORE_BACKUP: read what the S3 sink wrote; GENERIC: read any file of format.class under "
                    "topics.dir into the topic topic.regex.list maps its key to.",
    )
    topics_dir: str = config_field("topics", alias="topics.dir", group="Storage",
                                   description="The sink's top-level directory (GENERIC: the prefix whose files "
                                               "are read).")
    directory_delim: str = config_field("/", alias="directory.delim", group="Storage",
                                        description="The sink's directory delimiter.")
    file_delim: str = config_field("+", alias="file.delim", group="Storage", description="The sink's file delimiter.")
    format_class: str = config_field(alias="format.class", importance="HIGH", validator=_one_of(FORMATS),
                                     group="Format", description="The format the sink wrote the values in.")
    format_bytearray_extension: str = config_field(".bin", alias="format.bytearray.extension", group="Format",
                                                   description="ByteArrayFormat's file extension.")
    format_bytearray_separator: str | None = config_field(
        None, alias="format.bytearray.separator", group="Format",
        description="ByteArrayFormat's record separator (Java escapes); default a line separator.",
    )
    tombstone_encoded_partition: str = config_field(
        "tombstone", alias="tombstone.encoded.partition", group="Storage",
        description="The sink's directory of tombstones: a key-only file there without the S3 sink's metadata "
                    "(Confluent's) is a file of tombstones, elsewhere the keys of a value object not written yet.",
    )
    partitioner_class: str = config_field(
        "io.confluent.connect.storage.partitioner.DefaultPartitioner", alias="partitioner.class", type="CLASS",
        validator=_one_of(PARTITIONERS), group="Partitioner",
        description="The sink's partitioner (files are found by their names, under any directory it made).",
    )
    record_batch_max_size: int = config_field(
        DEFAULT_BATCH_MAX_SIZE, alias="record.batch.max.size", validator=in_range(1), group="Connector",
        description="Records returned by one poll at most.",
    )
    s3_poll_interval_ms: int = config_field(
        DEFAULT_POLL_INTERVAL_MS, alias="s3.poll.interval.ms", type="LONG", validator=in_range(0), group="Connector",
        description="How often the bucket is listed again for new files once every file was read.",
    )
    topic_regex_list: list[str] = config_field(
        [], alias="topic.regex.list", group="Connector",
        description="<topic>:<regex> pairs renaming archived topics (unmatched topics are skipped); GENERIC "
                    "(required there): the topic of each file whose whole object key the regex matches.",
    )

    @model_validator(mode="after")
    def _check(self) -> S3SourceConfig:
        TopicMap(self.topic_regex_list)
        if self.mode == "GENERIC" and not self.topic_regex_list:
            raise ConfigError("Missing required configuration \"topic.regex.list\" which has no default value: "
                              "mode GENERIC maps files to topics by it")
        if not self.file_delim:
            raise ConfigError("Invalid value  for configuration file.delim: must not be empty")
        return self

    @property
    def kind(self) -> str:
        """json, bytearray, avro or parquet."""
        return FORMATS[self.format_class]

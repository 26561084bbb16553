"""``S3SinkConfig``: the S3 sink's keys, with Confluent's names and defaults (``S3SinkConnectorConfig``).

The connector validates with this model and the task parses the same model, so a config the REST API accepted
is exactly the config the function runs with. Java class names are accepted wherever Confluent takes a class.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from connect_core.api.config import ConfigType, Validator, config_error, config_field, in_range, valid_string

JSON_FORMAT = "io.confluent.connect.s3.format.json.JsonFormat"
BYTEARRAY_FORMAT = "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"
AVRO_FORMAT = "io.confluent.connect.s3.format.avro.AvroFormat"
PARQUET_FORMAT = "io.confluent.connect.s3.format.parquet.ParquetFormat"
AVRO_CODECS = ("null", "deflate", "snappy", "bzip2", "xz", "zstandard")
PARQUET_CODECS = ("none", "snappy", "gzip", "lz4", "brotli", "zstd")
_PARTITIONER_PACKAGE = "io.confluent.connect.storage.partitioner."
DEFAULT_PARTITIONER = _PARTITIONER_PACKAGE + "DefaultPartitioner"
CANNED_ACLS = ("private", "public-read", "public-read-write", "authenticated-read", "log-delivery-write",
               "bucket-owner-read", "bucket-owner-full-control", "aws-exec-read")
FORMATS = {JSON_FORMAT: "json", "JsonFormat": "json", BYTEARRAY_FORMAT: "bytearray", "ByteArrayFormat": "bytearray",
           AVRO_FORMAT: "avro", "AvroFormat": "avro", PARQUET_FORMAT: "parquet", "ParquetFormat": "parquet"}
PARTITIONERS = {
    name: name for name in ("DefaultPartitioner", "FieldPartitioner", "TimeBasedPartitioner", "DailyPartitioner",
                            "HourlyPartitioner")
} | {_PARTITIONER_PACKAGE + n: n for n in ("DefaultPartitioner", "FieldPartitioner", "TimeBasedPartitioner",
                                          "DailyPartitioner", "HourlyPartitioner")}
EXTRACTORS = {
    "Wallclock": "Wallclock", "Record": "Record", "RecordField": "RecordField",
    _PARTITIONER_PACKAGE + "TimeBasedPartitioner$WallclockTimestampExtractor": "Wallclock",
    _PARTITIONER_PACKAGE + "TimeBasedPartitioner$RecordTimestampExtractor": "Record",
    _PARTITIONER_PACKAGE + "TimeBasedPartitioner$RecordFieldTimestampExtractor": "RecordField",
}
TIME_BASED = frozenset({"TimeBasedPartitioner", "DailyPartitioner", "HourlyPartitioner"})
DEFAULT_REGION = "us-west-2"
DEFAULT_TOPICS_DIR = "topics"
DEFAULT_MAX_IN_FLIGHT_REQUESTS = 8  # below botocore's pool of 10 connections
DEFAULT_STAGING_DIR = "_lambda-connect+staging"  # "+" never occurs in a topic name: no topic directory collides
DEFAULT_ZERO_PAD_WIDTH = 10
DEFAULT_TOMBSTONE_PARTITION = "tombstone"
_LONG: ConfigType = "LONG"


def wallclock_warning(props: dict[str, str]) -> str | None:
    """The warning for ``timestamp.extractor=Wallclock`` (Confluent's default) with a time-based partitioner.

    Wallclock puts a record in the directory of the moment it is written, so a retried batch (other boundaries, a
    later minute or hour) can put the same record in another directory: at-least-once, not exactly-once. It stays a
    warning, not an error: it is Confluent's default and valid there.
    """
    partitioner = PARTITIONERS.get(props.get("partitioner.class") or DEFAULT_PARTITIONER)
    extractor = EXTRACTORS.get(props.get("timestamp.extractor") or "Wallclock")
    if partitioner not in TIME_BASED or extractor != "Wallclock":
        return None
    return (f"timestamp.extractor=Wallclock with {partitioner} is not exactly-once: a record is placed by the time "
            "it is written, so a retried batch can write it again into another time directory. Use Record or "
            "RecordField (the record's own time) for exactly-once.")


def _one_of(choices: dict[str, str]) -> Validator:
    def check(key: str, value: str) -> None:
        if value not in choices:
            raise config_error(key, value, "Supported: " + ", ".join(sorted({c for c in choices if "." in c})))

    return check


class S3SinkConfig(BaseModel):
    """Config of the S3 sink (Confluent ``S3SinkConnectorConfig`` + storage-common partitioner keys)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    s3_bucket_name: str = config_field(alias="s3.bucket.name", importance="HIGH", group="S3",
                                       description="The S3 bucket; it must exist.")
    s3_region: str = config_field(DEFAULT_REGION, alias="s3.region", group="S3", description="The AWS region.")
    store_url: str | None = config_field(None, alias="store.url", group="S3",
                                         description="Endpoint override (MinIO, LocalStack); AWS when unset.")
    s3_path_style_access_enabled: bool = config_field(True, alias="s3.path.style.access.enabled", group="S3",
                                                      description="Path-style addressing (the bucket in the path) on a "
                                                      "store.url; false: virtual-hosted (in the host name).")
    aws_access_key_id: SecretStr | None = config_field(None, alias="aws.access.key.id", group="S3",
                                                       description="Static access key; default credential chain "
                                                       "(the Lambda role) when unset.")
    aws_secret_access_key: SecretStr | None = config_field(None, alias="aws.secret.access.key", group="S3",
                                                           description="Static secret key, with aws.access.key.id.")
    s3_sse_algorithm: str = config_field(
        "", alias="s3.sse.algorithm", validator=valid_string("", "AES256", "aws:kms"), group="S3",
        description="The S3 Server Side Encryption algorithm (AES256 or aws:kms); empty: the bucket's default.")
    s3_sse_kms_key_id: str = config_field(
        "", alias="s3.sse.kms.key.id", group="S3",
        description="The KMS key id or ARN for aws:kms server side encryption; empty: the AWS managed key.")
    s3_acl_canned: str | None = config_field(
        None, alias="s3.acl.canned", validator=valid_string(*CANNED_ACLS), group="S3",
        description="An S3 canned ACL for every object written; unset: none is sent (the bucket's ownership rules).")
    s3_object_tagging: bool = config_field(
        False, alias="s3.object.tagging", group="S3",
        description="Tag each object with its startOffset, endOffset and recordCount.")
    topics_dir: str = config_field(DEFAULT_TOPICS_DIR, alias="topics.dir", group="Storage",
                                   description="Prefix of every object key; blank for none.")
    directory_delim: str = config_field("/", alias="directory.delim", group="Storage",
                                        description="Delimiter between key path segments.")
    lambda_connect_staging_dir: str = config_field(
        DEFAULT_STAGING_DIR, alias="lambda.connect.staging.dir", group="Storage",
        description="Prefix of the staging area (records of files not full yet, one head per partition): "
                    "<this>/<topics.dir>/<topic>+<partition>/; must lie outside topics.dir, where readers of the "
                    "files look.")
    lambda_connect_max_in_flight_requests: int = config_field(
        DEFAULT_MAX_IN_FLIGHT_REQUESTS, alias="lambda.connect.max.in.flight.requests", validator=in_range(1, 64),
        group="Storage",
        description="The most S3 requests in flight at once, sent while the next file is encoded: a partition's "
                    "one at a time and in order, partitions side by side; bounds the encoded bytes held (1: one "
                    "request after another).")
    file_delim: str = config_field("+", alias="file.delim", group="Storage",
                                   description="Delimiter between topic, partition and offset in file names.")
    filename_offset_zero_pad_width: int = config_field(
        DEFAULT_ZERO_PAD_WIDTH, alias="filename.offset.zero.pad.width", validator=in_range(0), group="Storage",
        description="Width the start offset in a file name is zero-padded to.")
    format_class: str = config_field(alias="format.class", importance="HIGH", validator=_one_of(FORMATS),
                                     group="Format", type="CLASS", description="Output format of value files.")
    flush_size: int = config_field(alias="flush.size", importance="HIGH", validator=in_range(1), group="Format",
                                   description="Records per file: a Kafka partition's open files close after this "
                                   "many records (unless a rotation closes them first).")
    rotate_interval_ms: int = config_field(-1, alias="rotate.interval.ms", type=_LONG, group="Format",
                                           description="Time-based partitioners: start a new file once a record's "
                                           "timestamp is this far past the file's first one.")
    rotate_schedule_interval_ms: int = config_field(-1, alias="rotate.schedule.interval.ms", type=_LONG,
                                                    group="Format", description="Wall clock: open files close "
                                                    "at the first invocation for their partition after the next "
                                                    "multiple of this interval (in timezone) since they opened.")
    s3_compression_type: Literal["none", "gzip"] = config_field(
        "none", alias="s3.compression.type", validator=valid_string("none", "gzip"), group="Format",
        description="Compression of JSON and ByteArray files (gzip adds .gz).")
    s3_compression_level: int = config_field(-1, alias="s3.compression.level", validator=in_range(-1, 9),
                                             group="Format", description="gzip level; -1 is zlib's default.")
    format_bytearray_extension: str = config_field(".bin", alias="format.bytearray.extension", group="Format",
                                                   description="File extension of ByteArrayFormat files.")
    format_bytearray_separator: str | None = config_field(
        None, alias="format.bytearray.separator", group="Format",
        description="Bytes after each ByteArrayFormat record (Java escapes such as \\n); line separator if unset.")
    json_decimal_format: Literal["BASE64", "NUMERIC"] = config_field(
        "BASE64", alias="json.decimal.format", validator=valid_string("BASE64", "NUMERIC"), group="Format",
        description="How JsonFormat writes Decimal values.")
    avro_codec: str = config_field("null", alias="avro.codec", validator=valid_string(*AVRO_CODECS), group="Format",
                                   description="AvroFormat: compression codec of the container files' blocks.")
    parquet_codec: str = config_field("snappy", alias="parquet.codec", validator=valid_string(*PARQUET_CODECS),
                                      group="Format", description="ParquetFormat: compression codec (its name goes "
                                      "into the extension, e.g. .snappy.parquet).")
    enhanced_avro_schema_support: bool = config_field(
        False, alias="enhanced.avro.schema.support", group="Format",
        description="AvroFormat/ParquetFormat: keep enums and full record names in the Avro schema.")
    connect_meta_data: bool = config_field(True, alias="connect.meta.data", group="Format",
                                           description="AvroFormat: carry Connect metadata in the Avro schema.")
    behavior_on_null_values: Literal["fail", "ignore", "write"] = config_field(
        "fail", alias="behavior.on.null.values", validator=valid_string("fail", "ignore", "write"),
        group="Format", description="Tombstones: fail the task, skip them, or write their keys (store.kafka.keys).")
    tombstone_encoded_partition: str = config_field(DEFAULT_TOMBSTONE_PARTITION, alias="tombstone.encoded.partition",
                                                    group="Format", description="Directory of written tombstones.")
    store_kafka_keys: bool = config_field(False, alias="store.kafka.keys", group="Format",
                                          description="Also write record keys to .keys files.")
    keys_format_class: str = config_field(JSON_FORMAT, alias="keys.format.class", validator=_one_of(FORMATS),
                                          type="CLASS", group="Format", description="Format of .keys files.")
    store_kafka_headers: bool = config_field(False, alias="store.kafka.headers", group="Format",
                                             description="Also write record headers to .headers files.")
    headers_format_class: str = config_field(JSON_FORMAT, alias="headers.format.class", validator=_one_of(FORMATS),
                                             type="CLASS", group="Format", description="Format of .headers files.")
    partitioner_class: str = config_field(DEFAULT_PARTITIONER, alias="partitioner.class", type="CLASS",
                                          validator=_one_of(PARTITIONERS), group="Partitioner",
                                          description="How records map to directories.")
    partition_field_name: list[str] = config_field([], alias="partition.field.name", group="Partitioner",
                                                   description="FieldPartitioner: value fields (dots for nesting).")
    partition_duration_ms: int = config_field(-1, alias="partition.duration.ms", type=_LONG, group="Partitioner",
                                              description="TimeBasedPartitioner: width of a time bucket.")
    path_format: str = config_field("", alias="path.format", group="Partitioner",
                                    description="TimeBasedPartitioner: Joda-Time pattern of the directory.")
    locale: str = config_field("", alias="locale", group="Partitioner",
                               description="Time-based partitioners: locale of path.format (required).")
    timezone: str = config_field("", alias="timezone", group="Partitioner",
                                 description="Time-based partitioners: zone of path.format (required).")
    timestamp_extractor: str = config_field("Wallclock", alias="timestamp.extractor", validator=_one_of(EXTRACTORS),
                                            group="Partitioner", description="Wallclock, Record or RecordField.")
    timestamp_field: str = config_field("timestamp", alias="timestamp.field", group="Partitioner",
                                        description="RecordField: the value field holding the timestamp.")
    # Confluent keys accepted so that existing configs keep working, with no effect here: validate warns about a
    # value other than the default, and the coordinator logs it once per deploy (docs/differences.md).
    s3_part_size: int = config_field(
        26214400, alias="s3.part.size", group="S3", description="Accepted for compatibility; no multipart upload.",
        no_effect="a file is built in memory and written with one PutObject, never a multipart upload")
    storage_class: str = config_field(
        "io.confluent.connect.s3.storage.S3Storage", alias="storage.class", type="CLASS", group="Storage",
        description="Accepted for compatibility; the storage is S3.",
        no_effect="the storage is always S3 (io.confluent.connect.s3.storage.S3Storage)")
    schema_compatibility: str = config_field(
        "NONE", alias="schema.compatibility", group="Schema",
        description="Accepted for compatibility; a file rotates at every schema change, as with NONE.",
        no_effect="records are never projected to another schema: a file rotates at every schema change, as NONE")

    @property
    def partitioner(self) -> str:
        """The partitioner's short name (Java class names resolved)."""
        return PARTITIONERS[self.partitioner_class]

    @model_validator(mode="after")
    def _check_combinations(self) -> S3SinkConfig:
        if self.partitioner in TIME_BASED:
            if self.partitioner == "TimeBasedPartitioner":
                if self.partition_duration_ms < 0:
                    raise config_error("partition.duration.ms", self.partition_duration_ms,
                                       "must be set (>= 0) for TimeBasedPartitioner")
                if not self.path_format:
                    raise config_error("path.format", "", "must be set for TimeBasedPartitioner")
            for key, value in (("locale", self.locale), ("timezone", self.timezone)):
                if not value:
                    raise config_error(key, value, f"must be set for {self.partitioner}")
        if self.partitioner == "FieldPartitioner" and not self.partition_field_name:
            raise config_error("partition.field.name", "", "must name at least one field for FieldPartitioner")
        if self.rotate_schedule_interval_ms > 0 and not self.timezone:
            raise config_error("timezone", "", "must be set when rotate.schedule.interval.ms is set")
        if self.behavior_on_null_values == "write" and not self.store_kafka_keys:
            raise config_error("behavior.on.null.values", "write", "requires store.kafka.keys=true")
        if FORMATS[self.headers_format_class] != "json":
            raise config_error("headers.format.class", self.headers_format_class, "only JsonFormat can hold headers")
        if self.s3_sse_kms_key_id and self.s3_sse_algorithm != "aws:kms":
            raise config_error("s3.sse.kms.key.id", self.s3_sse_kms_key_id, "requires s3.sse.algorithm=aws:kms")
        staging, topics = self.lambda_connect_staging_dir.strip("/"), self.topics_dir.strip("/")
        if not staging:
            raise config_error("lambda.connect.staging.dir", self.lambda_connect_staging_dir, "must not be blank")
        if topics and (staging == topics or staging.startswith((topics + "/", topics + self.directory_delim))):
            raise config_error("lambda.connect.staging.dir", self.lambda_connect_staging_dir,
                               f"must lie outside topics.dir ({self.topics_dir}), where readers of the files look")
        if not self.directory_delim or not self.file_delim:
            raise config_error("directory.delim" if not self.directory_delim else "file.delim", "", "must not be empty")
        return self

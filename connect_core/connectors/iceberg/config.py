"""``IcebergSinkConfig``: Apache Iceberg's keys (``IcebergSinkConfig.java``), their defaults and its checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ConfigDict, PrivateAttr

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.errors import ConfigError
from connect_core.api.library_properties import LibraryProperties, LibraryProperty

if TYPE_CHECKING:
    from connect_core.api.file_roots import FileRoots

__all__ = [
    "CATALOG_PROPERTIES",
    "TABLE_PROPERTIES",
    "IcebergSinkConfig",
    "TableSinkConfig",
    "catalog_properties",
    "library_problems",
    "load_config",
    "split_partition_by",
]

CATALOG_PREFIX: Final = "iceberg.catalog."
TABLE_PREFIX: Final = "iceberg.table."
AUTO_CREATE_PROPS_PREFIX: Final = "iceberg.tables.auto-create-props."
WRITE_PROPS_PREFIX: Final = "iceberg.tables.write-props."
# keys of Iceberg's control-topic machinery, which files staged on the table's storage replace: accepted, no effect
NO_EFFECT_PREFIXES: Final = ("iceberg.kafka.", "iceberg.hadoop.")
_NO_CONTROL_TOPIC: Final = ("no control topic, coordinator or control consumer exists: files staged on the table's "
                            "storage and committed by the sink invocations replace them")
COMMA_NO_PARENS = re.compile(r",(?![^()]*\))")

_JDBC_URL = re.compile(r"^jdbc:(?P<driver>postgresql|mysql|sqlite):(?P<rest>.*)$")
_CATALOG_IMPLS: Final = {
    "org.apache.iceberg.jdbc.JdbcCatalog": "sql",
    "org.apache.iceberg.rest.RESTCatalog": "rest",
    "org.apache.iceberg.aws.glue.GlueCatalog": "glue",
}
_CATALOG_TYPES: Final = {"jdbc": "sql", "sql": "sql", "rest": "rest", "glue": "glue"}
_IO_IMPLS: Final = ("org.apache.iceberg.aws.s3.S3FileIO", "org.apache.iceberg.io.ResolvingFileIO")
# the FileIO every catalog of the sink loads (``_file_io.py``; named, not imported: pyarrow loads with it)
FILE_IO: Final = "connect_core.connectors.iceberg._file_io.DelayedOpenFileIO"

_S = LibraryProperty
_JAVA_ONLY: Final = "a key of Iceberg's Java catalogs or FileIO that pyiceberg has no counterpart of"
# ``iceberg.catalog.*`` as the config names them: Iceberg's Java keys this sink translates, and the pyiceberg
# catalog (SQL, REST, Glue) and PyArrow FileIO properties that read as data. Never passed: pyiceberg's code-loading
# ``py-io-impl``, ``py-catalog-impl``, ``s3.retry-strategy-impl``, a REST ``auth`` manager class.
CATALOG_PROPERTIES: Final = LibraryProperties(
    "pyiceberg catalog",
    (
        _S("catalog-impl"), _S("type"), _S("io-impl"), _S("uri"), _S("jdbc.user"), _S("jdbc.password", "secret"),
        _S("warehouse", "location"), _S("client.region"), _S("s3.path-style-access", "bool"),
        _S("s3.endpoint", "url"), _S("s3.access-key-id", "secret"), _S("s3.secret-access-key", "secret"),
        _S("s3.session-token", "secret"), _S("s3.region"), _S("s3.resolve-region", "bool"),
        _S("s3.proxy-uri", "url"), _S("s3.connect-timeout", "float"), _S("s3.request-timeout", "float"),
        _S("s3.role-arn"), _S("s3.role-session-name"), _S("s3.force-virtual-addressing", "bool"),
        _S("s3.anonymous", "bool"), _S("s3.sse-kms-key-id"),
        _S("client.access-key-id", "secret"), _S("client.secret-access-key", "secret"),
        _S("client.session-token", "secret"), _S("client.role-arn"), _S("client.role-session-name"),
        _S("glue.endpoint", "url"), _S("glue.region"), _S("glue.id"), _S("glue.skip-archive", "bool"),
        _S("glue.access-key-id", "secret"), _S("glue.secret-access-key", "secret"),
        _S("glue.session-token", "secret"), _S("glue.max-retries", "int"),
        _S("credential", "secret"), _S("token", "secret"), _S("oauth2-server-uri", "url"), _S("scope"),
        _S("audience"), _S("resource"), _S("prefix"), _S("header."), _S("rest.sigv4-enabled", "bool"),
        _S("rest.signing-region"), _S("rest.signing-name"), _S("rest.sigv4.max-retries", "int"),
        _S("snapshot-loading-mode", "choice", ("all", "refs")), _S("rest-page-size", "int"),
        _S("pool_pre_ping", "bool"), _S("init_catalog_tables", "bool"),
    ),
    {key: _JAVA_ONLY for key in (
        "lock-impl", "lock.", "cache-enabled", "cache.", "clients", "client.pool.", "metrics-reporter-impl",
        "table-default.", "table-override.", "jdbc.schema-version", "jdbc.strict-mode", "jdbc.init-catalog-tables",
        "client.factory", "client.assume-role.", "client.credentials-provider", "client.credentials-provider.",
        "http-client.", "s3.sse.", "s3.acl", "s3.multipart.", "s3.checksum-enabled", "s3.delete-enabled",
        "s3.delete.", "s3.write.", "s3.preload-client-enabled", "s3.use-arn-region-enabled", "s3.staging-dir",
        "s3.dualstack-enabled", "s3.acceleration-enabled", "s3.remote-signing-enabled", "glue.skip-name-validation",
        "glue.lakeformation-enabled", "glue.account-id", "glue.catalog-arn", "rest.auth.type", "rest.client.",
        "rest-metrics-reporting-enabled", "view-endpoints-supported", "include-credentials", "io-manifest.",
        "encryption.kms-impl", "encryption.kms-type", "gcs.", "adls.")},
)
# ``iceberg.tables.auto-create-props.*`` and ``write-props.*``: table properties (stored in the table's metadata,
# read by pyiceberg and every engine); ``write.py-location-provider.impl`` would make pyiceberg import a class.
TABLE_PROPERTIES: Final = LibraryProperties(
    "Iceberg table",
    (
        _S("write.data.path", "location"), _S("write.metadata.path", "location"),
        _S("write.object-storage.path", "location"), _S("write.folder-storage.path", "location"),
        *(_S(prefix) for prefix in ("write.format.", "write.parquet.", "write.avro.", "write.orc.",
                                    "write.target-file-size-bytes", "write.delete.", "write.update.",
                                    "write.merge.", "write.distribution-mode", "write.metadata.",
                                    "write.object-storage.", "write.summary.", "write.wap.", "write.spark.",
                                    "write.upsert.", "write.location-provider.impl", "read.", "commit.",
                                    "history.", "gc.", "snapshot.", "schema.", "format-version", "comment",
                                    "owner", "engine.", "compatibility.", "current-snapshot-id")),
    ),
)


@dataclass(frozen=True)
class TableSinkConfig:
    """One table's ``iceberg.table.<t>.*`` keys over the ``iceberg.tables.default-*`` ones (``TableSinkConfig``)."""

    route_regex: re.Pattern[str] | None
    id_columns: list[str]
    partition_by: list[str]
    commit_branch: str | None


def split_partition_by(value: str | None) -> list[str]:
    """Iceberg's ``stringToList(value, COMMA_NO_PARENS_REGEX)``: commas outside parentheses split."""
    return [part.strip() for part in COMMA_NO_PARENS.split(value)] if value else []


class IcebergSinkConfig(BaseModel):
    """Apache Iceberg's sink keys; ``iceberg.catalog.*``/``iceberg.table.<t>.*`` prefixes are read from the props."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    tables: list[str] | None = config_field(None, alias="iceberg.tables", importance="HIGH",
                                            description="Comma-delimited list of destination tables")
    dynamic_enabled: bool = config_field(False, alias="iceberg.tables.dynamic-enabled", importance="MEDIUM",
                                         description="Enable dynamic routing to tables based on a record value")
    route_field: str | None = config_field(None, alias="iceberg.tables.route-field", importance="MEDIUM",
                                           description="Source record field for routing records to tables")
    default_commit_branch: str | None = config_field(None, alias="iceberg.tables.default-commit-branch",
                                                     importance="MEDIUM", description="Default branch for commits")
    default_id_columns: str | None = config_field(
        None, alias="iceberg.tables.default-id-columns", importance="MEDIUM",
        description="Default ID columns for tables, comma-separated")
    default_partition_by: str | None = config_field(
        None, alias="iceberg.tables.default-partition-by", importance="MEDIUM",
        description="Default partition spec to use when creating tables, comma-separated")
    auto_create_enabled: bool = config_field(
        False, alias="iceberg.tables.auto-create-enabled", importance="MEDIUM",
        description="Set to true to automatically create destination tables, false otherwise")
    schema_force_optional: bool = config_field(
        False, alias="iceberg.tables.schema-force-optional", importance="MEDIUM",
        description="Set to true to set columns as optional during table create and evolution, false to respect "
                    "schema")
    schema_case_insensitive: bool = config_field(
        False, alias="iceberg.tables.schema-case-insensitive", importance="MEDIUM",
        description="Set to true to look up table columns by case-insensitive name, false for case-sensitive")
    evolve_schema_enabled: bool = config_field(
        False, alias="iceberg.tables.evolve-schema-enabled", importance="MEDIUM",
        description="Set to true to add any missing record fields to the table schema, false otherwise")
    catalog_name: str = config_field("iceberg", alias="iceberg.catalog", importance="MEDIUM",
                                     description="Iceberg catalog name")
    control_topic: str = config_field("control-iceberg", alias="iceberg.control.topic", importance="MEDIUM",
                                      description="Name of the control topic", no_effect=_NO_CONTROL_TOPIC)
    control_group_id_prefix: str = config_field(
        "cg-control-", alias="iceberg.control.group-id-prefix", importance="LOW",
        description="Prefix of the control consumer group", no_effect=_NO_CONTROL_TOPIC)
    connect_group_id: str | None = config_field(
        None, alias="iceberg.connect.group-id", importance="LOW",
        description="Name of the Connect consumer group, should not be set under normal conditions")
    commit_interval_ms: int = config_field(
        300_000, alias="iceberg.control.commit.interval-ms", importance="MEDIUM",
        description="Coordinator interval for performing Iceberg table commits, in millis")
    commit_timeout_ms: int = config_field(
        30_000, alias="iceberg.control.commit.timeout-ms", importance="MEDIUM",
        description="Coordinator time to wait for worker responses before committing, in millis")
    commit_threads: int | None = config_field(
        None, alias="iceberg.control.commit.threads", importance="MEDIUM",
        description="Coordinator threads to use for table commits, default is (cores * 2)",
        no_effect="each sink invocation commits the tables it wrote to itself, one after the other")
    transactional_prefix: str | None = config_field(
        None, alias="iceberg.coordinator.transactional.prefix", importance="LOW",
        description="Optional prefix of the transactional id for the coordinator", no_effect=_NO_CONTROL_TOPIC)
    hadoop_conf_dir: str | None = config_field(
        None, alias="iceberg.hadoop-conf-dir", importance="MEDIUM",
        description="If specified, Hadoop config files in this directory will be loaded",
        no_effect="pyiceberg reads no Hadoop configuration; set the file IO keys under iceberg.catalog.*")
    keep_alive_timeout_ms: int = config_field(
        120_000, alias="iceberg.coordinator-executor-keep-alive-timeout-ms", importance="LOW",
        description="config to control coordinator executor keep alive time", no_effect=_NO_CONTROL_TOPIC)
    commit_max_consecutive_failures: int = config_field(
        1, alias="iceberg.control.commit.max-consecutive-failures", importance="MEDIUM",
        description="Maximum number of consecutive commit failures before the coordinator terminates",
        no_effect="a failed commit fails its invocation, whose batch is delivered again; no coordinator terminates")
    name: str | None = config_field(None, alias="name", importance="HIGH", description="The connector's name")
    _props: dict[str, str] = PrivateAttr(default_factory=dict)

    def check(self, props: dict[str, str]) -> IcebergSinkConfig:
        """Keep ``props`` (the prefixed keys) and run Iceberg's ``validate()``, with its messages, plus a refusal
        of ``iceberg.*`` keys it does not define."""
        self._props = {key: str(value) for key, value in props.items()}
        if not self.catalog_props():
            raise ConfigError("Must specify Iceberg catalog properties")
        if self.tables is not None:
            if self.dynamic_enabled:
                raise ConfigError("Cannot specify both static and dynamic table names")
        elif self.dynamic_enabled:
            if self.route_field is None:
                raise ConfigError("Must specify a route field if using dynamic table names")
        else:
            raise ConfigError("Must specify table name(s)")
        if self.commit_max_consecutive_failures < 1:
            raise ConfigError("Invalid value 0 for configuration iceberg.control.commit.max-consecutive-failures: "
                              "Value must be at least 1")
        for key in self._props:
            if key.startswith("iceberg.") and not self._known(key):
                raise ConfigError(f"Unknown configuration '{key}': not a key of Apache Iceberg's IcebergSinkConfig")
        return self

    def _known(self, key: str) -> bool:
        aliases = {info.alias for info in type(self).model_fields.values()}
        if key in aliases or key.startswith((CATALOG_PREFIX, AUTO_CREATE_PROPS_PREFIX, WRITE_PROPS_PREFIX,
                                             *NO_EFFECT_PREFIXES)):
            return True
        if key.startswith(TABLE_PREFIX):
            return key.rsplit(".", 1)[-1] in ("route-regex", "id-columns", "partition-by", "commit-branch")
        return False

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Iceberg's ``PropertyUtil.propertiesWithPrefix``: the keys under ``prefix``, prefix removed."""
        return {key[len(prefix):]: str(value) for key, value in self._props.items()
                if key.startswith(prefix)}

    def catalog_props(self) -> dict[str, str]:
        """``iceberg.catalog.*`` without the prefix."""
        return self.prefixed(CATALOG_PREFIX)

    def connect_group(self) -> str:
        """``iceberg.connect.group-id`` or ``connect-<name>`` (``connectGroupId()``)."""
        if self.connect_group_id is not None:
            return self.connect_group_id
        if self.name is None:
            raise ConfigError("Connector name cannot be null")
        return f"connect-{self.name}"

    def table_config(self, table: str) -> TableSinkConfig:
        """``tableConfig(tableName)``: ``iceberg.table.<table>.*`` over the defaults."""
        own = self.prefixed(f"{TABLE_PREFIX}{table}.")
        regex = own.get("route-regex")
        id_columns = own.get("id-columns", self.default_id_columns)
        return TableSinkConfig(
            route_regex=re.compile(regex) if regex is not None else None,
            id_columns=[part.strip() for part in id_columns.split(",")] if id_columns else [],
            partition_by=split_partition_by(own.get("partition-by", self.default_partition_by)),
            commit_branch=own.get("commit-branch", self.default_commit_branch),
        )


def load_config(props: dict[str, str]) -> IcebergSinkConfig:
    """Parse and check a connector's (or task's) props.

    Raises:
        ConfigError: a bad value, a refused combination or an unknown ``iceberg.*`` key.
    """
    return parse_config(IcebergSinkConfig, props).check(props)


def _jdbc_to_sqlalchemy(uri: str, user: str | None, password: str | None) -> str:
    """A JDBC URL (``jdbc:postgresql://host:port/db``) as the SQLAlchemy URL pyiceberg's SQL catalog takes."""
    match = _JDBC_URL.match(uri)
    if match is None:
        return uri  # already a SQLAlchemy URL
    driver, rest = match["driver"], match["rest"]
    if driver == "sqlite":  # jdbc:sqlite:<path> -> sqlite:///<path> (an absolute path: four slashes)
        path = rest.removeprefix("file:")
        return "sqlite://" if path.startswith(":memory:") else f"sqlite:///{path}"
    from urllib.parse import quote

    scheme = {"postgresql": "postgresql+psycopg2", "mysql": "mysql+pymysql"}[driver]
    host = rest.removeprefix("//")
    auth = ""
    if user is not None:
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "") + "@"
    return f"{scheme}://{auth}{host}"


def library_problems(props: dict[str, str], file_roots: FileRoots | None) -> dict[str, str]:
    """Config key -> message for each ``iceberg.catalog.*`` and table property the allow-lists refuse (validate)."""
    config = {key: str(value) for key, value in props.items()}

    def under(prefix: str) -> dict[str, str]:
        return {key[len(prefix):]: value for key, value in config.items() if key.startswith(prefix)}

    catalog = under(CATALOG_PREFIX)
    problems = CATALOG_PROPERTIES.problems(catalog, CATALOG_PREFIX, file_roots)
    uri = catalog.get("uri")
    if uri is not None and "${" not in uri and (reason := _uri_problem(uri, file_roots)) is not None:
        problems.setdefault(CATALOG_PREFIX + "uri", str(config_error(CATALOG_PREFIX + "uri", uri, reason)))
    for prefix in (AUTO_CREATE_PROPS_PREFIX, WRITE_PROPS_PREFIX):
        problems.update(TABLE_PROPERTIES.problems(under(prefix), prefix, file_roots))
    return problems


def _uri_problem(uri: str, file_roots: FileRoots | None) -> str | None:
    """A catalog URI: http(s) for REST, a PostgreSQL/MySQL JDBC URL, or a SQLite file under the file roots."""
    match = _JDBC_URL.match(uri)
    if match is not None:
        if match["driver"] != "sqlite":
            return None
        path = match["rest"].removeprefix("file:")
        if path in ("", ":memory:") or path.startswith(":memory:"):
            return None
        if file_roots is None:
            return "names a host file; this worker's file roots allow none (no file roots are configured)"
        return file_roots.problem(path)
    scheme = uri.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        return None
    return "must be an http(s) URL (REST catalog) or a jdbc:postgresql:, jdbc:mysql: or jdbc:sqlite: URL"


def catalog_properties(props: dict[str, str], name: str = "iceberg",
                       file_roots: FileRoots | None = None) -> dict[str, str]:
    """``iceberg.catalog.*`` (Java catalog and S3FileIO keys) as pyiceberg's ``load_catalog`` properties; ``type``
    and ``catalog-impl`` as ``CatalogUtil.buildIcebergCatalog`` takes them (type lower-cased, not both). Only the
    properties :data:`CATALOG_PROPERTIES` accepts reach pyiceberg.

    Raises:
        ConfigError: a property the allow-list refuses (naming its key), both ``type`` and ``catalog-impl``, or a
            ``catalog-impl``/``type``/``io-impl`` pyiceberg has no counterpart of.
    """
    out = CATALOG_PROPERTIES.passed(props, CATALOG_PREFIX, file_roots)
    uri = out.get("uri")
    if uri is not None and (reason := _uri_problem(uri, file_roots)) is not None:
        raise config_error(CATALOG_PREFIX + "uri", uri, reason)
    impl = out.pop("catalog-impl", None)
    kind = out.pop("type", None)
    if impl is not None:
        if kind is not None:
            raise ConfigError(f"Cannot create catalog {name}, both type and catalog-impl are set: type={kind}, "
                              f"catalog-impl={impl}")
        if impl not in _CATALOG_IMPLS:
            raise ConfigError(f"iceberg.catalog.catalog-impl {impl} is not supported; supported: "
                              f"{', '.join(_CATALOG_IMPLS)}")
        out["type"] = _CATALOG_IMPLS[impl]
    elif kind is not None:
        if kind.lower() not in _CATALOG_TYPES:
            raise ConfigError(f"iceberg.catalog.type {kind} is not supported; supported: jdbc, rest, glue")
        out["type"] = _CATALOG_TYPES[kind.lower()]
    else:
        raise ConfigError("iceberg.catalog.catalog-impl or iceberg.catalog.type is required")
    io_impl = out.pop("io-impl", None)
    if io_impl is not None and io_impl not in _IO_IMPLS:
        raise ConfigError(f"iceberg.catalog.io-impl {io_impl} is not supported; supported: {', '.join(_IO_IMPLS)}")
    if out["type"] == "sql":
        uri = out.get("uri", "")
        sqlite = _JDBC_URL.match(uri)
        if sqlite is not None and sqlite["driver"] == "sqlite" and file_roots is not None:
            path = sqlite["rest"].removeprefix("file:")
            if not path.startswith(":memory:"):
                out["uri"] = "jdbc:sqlite:" + file_roots.resolve(CATALOG_PREFIX + "uri", path)
        out["uri"] = _jdbc_to_sqlalchemy(out.get("uri", ""), out.pop("jdbc.user", None),
                                         out.pop("jdbc.password", None))
    region = out.pop("client.region", None)
    if region is not None:
        out.setdefault("s3.region", region)
        out.setdefault("glue.region", region)
        out.setdefault("client.region", region)
    if out.pop("s3.path-style-access", "").lower() == "true":
        out["s3.force-virtual-addressing"] = "false"
    out["py-io-impl"] = FILE_IO  # ours, never the config's (the allow-list refuses the key)
    return out

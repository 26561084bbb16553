"""Iceberg's keys, defaults and messages (``IcebergSinkConfig.validate``), and the catalog mapping to pyiceberg."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.file_roots import FileRoots
from connect_core.connectors.iceberg.config import (
    FILE_IO,
    catalog_properties,
    library_problems,
    load_config,
    split_partition_by,
)

if TYPE_CHECKING:
    from pathlib import Path

BASE = {"name": "lake", "iceberg.catalog.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        "iceberg.catalog.uri": "jdbc:postgresql://127.0.0.1:5432/connect"}


def test_defaults_and_table_keys() -> None:
    config = load_config(BASE | {"iceberg.tables": "db.a, db.b", "iceberg.tables.default-id-columns": "id",
                                 "iceberg.table.db.a.partition-by": "bucket(id, 4),day(ts), name",
                                 "iceberg.table.db.a.commit-branch": "b1", "iceberg.table.db.a.route-regex": "a.*"})
    assert (config.tables, config.control_topic, config.commit_interval_ms, config.commit_timeout_ms,
            config.catalog_name, config.connect_group()) == (
        ["db.a", "db.b"], "control-iceberg", 300_000, 30_000, "iceberg", "connect-lake")
    a, b = config.table_config("db.a"), config.table_config("db.b")
    assert (a.partition_by, a.commit_branch, a.id_columns, a.route_regex.pattern if a.route_regex else None) == (
        ["bucket(id, 4)", "day(ts)", "name"], "b1", ["id"], "a.*")
    assert (b.partition_by, b.commit_branch, b.id_columns) == ([], None, ["id"])
    assert split_partition_by("truncate(s, 2),x") == ["truncate(s, 2)", "x"]


@pytest.mark.parametrize(("props", "message"), [
    ({"iceberg.tables": "t"}, "Must specify Iceberg catalog properties"),
    (BASE, "Must specify table name(s)"),
    (BASE | {"iceberg.tables": "t", "iceberg.tables.dynamic-enabled": "true"},
     "Cannot specify both static and dynamic table names"),
    (BASE | {"iceberg.tables.dynamic-enabled": "true"}, "Must specify a route field if using dynamic table names"),
    (BASE | {"iceberg.tables": "t", "iceberg.tables.upsert-mode-enabled": "true"},
     "Unknown configuration 'iceberg.tables.upsert-mode-enabled'"),
    (BASE | {"iceberg.tables": "t", "iceberg.table.t.cdc-field": "op"}, "Unknown configuration"),
])
def test_icebergs_refusals(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(props)


def test_catalog_keys_map_to_pyiceberg() -> None:
    assert catalog_properties({"catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
                               "uri": "jdbc:postgresql://h:5432/db", "jdbc.user": "u", "jdbc.password": "p@ss",
                               "io-impl": "org.apache.iceberg.aws.s3.S3FileIO", "s3.path-style-access": "true",
                               "client.region": "us-east-1", "warehouse": "s3://b/w"}) == {
        "type": "sql", "uri": "postgresql+psycopg2://u:p%40ss@h:5432/db", "warehouse": "s3://b/w",
        "s3.region": "us-east-1", "glue.region": "us-east-1", "client.region": "us-east-1",
        "s3.force-virtual-addressing": "false", "py-io-impl": FILE_IO}
    assert catalog_properties({"type": "rest", "uri": "http://r"}) == {"type": "rest", "uri": "http://r",
                                                                      "py-io-impl": FILE_IO}
    with pytest.raises(ConfigError, match="org.apache.iceberg.hive.HiveCatalog is not supported"):
        catalog_properties({"catalog-impl": "org.apache.iceberg.hive.HiveCatalog"})


def test_catalog_type_as_icebergs_catalog_util() -> None:
    """``CatalogUtil.buildIcebergCatalog``: the type is matched lower-cased, and a type beside a catalog-impl is
    refused with its message rather than one of the two silently winning."""
    assert catalog_properties({"type": "REST", "uri": "http://r"}) == {"type": "rest", "uri": "http://r",
                                                                      "py-io-impl": FILE_IO}
    assert catalog_properties({"type": "Glue", "warehouse": "s3://b/w"}) == {"type": "glue", "warehouse": "s3://b/w",
                                                                            "py-io-impl": FILE_IO}
    with pytest.raises(ConfigError, match="^Cannot create catalog lake, both type and catalog-impl are set: "
                                          "type=glue, catalog-impl=org.apache.iceberg.rest.RESTCatalog$"):
        catalog_properties({"type": "glue", "catalog-impl": "org.apache.iceberg.rest.RESTCatalog"}, name="lake")


@pytest.mark.parametrize(("key", "value"), [
    ("iceberg.catalog.py-io-impl", "subprocess.call"),
    ("iceberg.catalog.py-catalog-impl", "os.system"),
    ("iceberg.catalog.s3.retry-strategy-impl", "probe_module.Strategy"),
    ("iceberg.catalog.auth", '{"type": "custom", "impl": "probe_module.Auth"}'),
    ("iceberg.catalog.anything-new", "probe_module"),
    ("iceberg.catalog.warehouse", "file:///etc"),
    ("iceberg.catalog.warehouse", "/etc"),
    ("iceberg.catalog.s3.endpoint", "file:///etc/passwd"),
])
def test_catalog_properties_refused_by_key(key: str, value: str) -> None:
    """Nothing that pyiceberg could read as code, a host path or an unknown property reaches it."""
    props = BASE | {"iceberg.tables": "t", key: value}
    assert list(library_problems(props, None)) == [key]
    with pytest.raises(ConfigError, match=f"for configuration {key}"):
        catalog_properties(load_config(props).catalog_props())


def test_table_properties_refuse_pyicebergs_location_provider() -> None:
    key = "iceberg.tables.auto-create-props.write.py-location-provider.impl"
    props = BASE | {"iceberg.tables": "t", key: "os.system", "iceberg.tables.auto-create-props.format-version": "2"}
    assert list(library_problems(props, None)) == [key]


def test_java_keys_pass_or_are_dropped(tmp_path: Path) -> None:
    """Iceberg's Java keys keep working: translated, or dropped as without effect; local files under the roots."""
    roots = FileRoots.of([str(tmp_path)])
    props = BASE | {"iceberg.tables": "t", "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
                    "iceberg.catalog.lock-impl": "org.apache.iceberg.util.LockManagers$InMemoryLockManager",
                    "iceberg.catalog.client.credentials-provider": "software.amazon.awssdk.auth.Default",
                    "iceberg.catalog.warehouse": "file:warehouse", "iceberg.catalog.s3.path-style-access": "true",
                    "iceberg.catalog.gcs.session-kwargs": '{"x": 1}'}
    assert library_problems(props, roots) == {}
    out = catalog_properties(load_config(props).catalog_props(), file_roots=roots)
    assert not {"lock-impl", "client.credentials-provider", "gcs.session-kwargs"} & set(out)
    assert out["warehouse"] == f"file://{tmp_path.resolve()}/warehouse"
    assert out["s3.force-virtual-addressing"] == "false"


def test_sqlite_catalog_uri_under_the_file_roots(tmp_path: Path) -> None:
    roots = FileRoots.of([str(tmp_path)])
    sqlite = {"iceberg.catalog.type": "jdbc", "iceberg.catalog.uri": "jdbc:sqlite:catalog.db", "iceberg.tables": "t"}
    assert catalog_properties(load_config(sqlite).catalog_props(), file_roots=roots)["uri"] == (
        f"sqlite:///{tmp_path.resolve()}/catalog.db")
    outside = sqlite | {"iceberg.catalog.uri": "jdbc:sqlite:/etc/catalog.db"}
    assert list(library_problems(outside, roots)) == ["iceberg.catalog.uri"]
    with pytest.raises(ConfigError, match="outside the allowed file roots"):
        catalog_properties(load_config(outside).catalog_props(), file_roots=roots)


def test_every_catalog_loads_the_sinks_file_io_with_delayed_opens_on_s3() -> None:
    """``FILE_IO`` (every catalog's ``py-io-impl``) is ``DelayedOpenFileIO``: its S3 filesystems open objects when
    written, with the options pyiceberg gave them otherwise; other schemes' are pyiceberg's."""
    from pyiceberg.io import load_file_io

    from connect_core.connectors.iceberg._file_io import DelayedOpenFileIO

    props = catalog_properties({"type": "rest", "uri": "http://r", "s3.endpoint": "http://127.0.0.1:4566",
                                "s3.region": "eu-west-1", "s3.access-key-id": "k", "s3.secret-access-key": "s",
                                "s3.connect-timeout": "7"})
    io = load_file_io(props, "s3://bucket/warehouse")
    assert type(io) is DelayedOpenFileIO
    options = io.fs_by_scheme("s3", "bucket").__reduce__()[1][0]
    assert options["allow_delayed_open"] is True
    assert (options["region"], options["endpoint_override"], options["access_key"], options["connect_timeout"]) == (
        "eu-west-1", "http://127.0.0.1:4566", "k", 7.0)
    assert "allow_delayed_open" not in repr(io.fs_by_scheme("file", None).__reduce__())  # pyiceberg's own

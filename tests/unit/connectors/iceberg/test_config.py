"""Iceberg's keys, defaults and messages (``IcebergSinkConfig.validate``), and the catalog mapping to pyiceberg."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.connectors.iceberg.config import catalog_properties, load_config, split_partition_by

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
        "s3.force-virtual-addressing": "false"}
    assert catalog_properties({"type": "rest", "uri": "http://r"}) == {"type": "rest", "uri": "http://r"}
    with pytest.raises(ConfigError, match="org.apache.iceberg.hive.HiveCatalog is not supported"):
        catalog_properties({"catalog-impl": "org.apache.iceberg.hive.HiveCatalog"})


def test_catalog_type_as_icebergs_catalog_util() -> None:
    """``CatalogUtil.buildIcebergCatalog``: the type is matched lower-cased, and a type beside a catalog-impl is
    refused with its message rather than one of the two silently winning."""
    assert catalog_properties({"type": "REST", "uri": "http://r"}) == {"type": "rest", "uri": "http://r"}
    assert catalog_properties({"type": "Glue", "warehouse": "s3://b/w"}) == {"type": "glue", "warehouse": "s3://b/w"}
    with pytest.raises(ConfigError, match="^Cannot create catalog lake, both type and catalog-impl are set: "
                                          "type=glue, catalog-impl=org.apache.iceberg.rest.RESTCatalog$"):
        catalog_properties({"type": "glue", "catalog-impl": "org.apache.iceberg.rest.RESTCatalog"}, name="lake")

"""JDBC source building blocks: URLs, offsets maps, task splitting and config rules (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from connect_core.api.config import parse_config, validate_config
from connect_core.api.errors import ConfigError
from connect_core.connectors.jdbc._dialect import MySqlDialect, TableId, dialect_for
from connect_core.connectors.jdbc._offsets import Offset, table_partition_v1
from connect_core.connectors.jdbc._querier import QuerySpec, TableQuerier
from connect_core.connectors.jdbc._url import parse_jdbc_url
from connect_core.connectors.jdbc.source_config import JdbcSourceConfig
from connect_core.connectors.jdbc.source_connector import group_partitions


def test_jdbc_urls_translate_to_sqlalchemy_urls() -> None:
    url = parse_jdbc_url("jdbc:mysql://db.example:3307/shop?useSSL=false&user=u")
    assert (url.family, url.host, url.port, url.database, url.user) == ("mysql", "db.example", 3307, "shop", "u")
    assert url.sqlalchemy_url("me", "secret").render_as_string(hide_password=False) == \
        "mysql+pymysql://me:secret@db.example:3307/shop?charset=utf8mb4"
    assert parse_jdbc_url("jdbc:mariadb://h/db").drivername == "mariadb+pymysql"
    assert parse_jdbc_url("jdbc:postgresql://h:5432/db").port == 5432
    assert parse_jdbc_url("jdbc:sqlite:/tmp/x.db").sqlalchemy_url().database == "/tmp/x.db"


@pytest.mark.parametrize("url", ["", "jdbc:oracle:thin:@h:1521:db", "mysql://h/db", "jdbc:mysql://a,b/db"])
def test_unsupported_urls_name_connection_url(url: str) -> None:
    with pytest.raises(ConfigError, match="for configuration connection.url"):
        parse_jdbc_url(url)


def test_offset_maps_have_confluents_keys_and_java_hashmap_order() -> None:
    assert list(table_partition_v1(TableId("db", None, "t"))) == ["protocol", "table"]
    offset = Offset.from_instant(dt.datetime(2024, 1, 1, 0, 0, 1, 234567, tzinfo=dt.UTC), 9)
    assert offset.to_map() == {"timestamp_nanos": 234567000, "incrementing": 9, "timestamp": 1704067201234}
    assert list(offset.to_map()) == ["timestamp_nanos", "incrementing", "timestamp"]
    assert Offset.from_map(offset.to_map()).instant == dt.datetime(2024, 1, 1, 0, 0, 1, 234567, tzinfo=dt.UTC)
    assert Offset.from_map({"timestamp": 1500}).instant == dt.datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=dt.UTC)


def test_tables_are_split_in_contiguous_groups_like_connector_utils() -> None:
    assert group_partitions(list("abcde"), 3) == [["a", "b"], ["c", "d"], ["e"]]
    assert group_partitions(list("ab"), 2) == [["a"], ["b"]]


TABLE = TableId("db", None, "t")


def _querier(ts: list[str], inc: str | None, table: TableId | None = TABLE,
             quote: str = "always", query: str = "") -> TableQuerier:
    spec = QuerySpec(table, query, "", "x", {}, ts, inc, 0)
    return TableQuerier(dialect_for("mysql", "", quote), spec, Offset(), ("none", "connect_logical", dt.UTC))


def test_query_shapes_match_confluents_criteria() -> None:
    assert _querier([], "id").sql() == "SELECT * FROM `db`.`t` WHERE `db`.`t`.`id` > %s ORDER BY `db`.`t`.`id` ASC"
    assert _querier(["a", "b"], None, quote="never").sql() == (
        "SELECT * FROM db.t WHERE COALESCE(db.t.a,db.t.b) > %s AND COALESCE(db.t.a,db.t.b) < %s "
        "ORDER BY COALESCE(db.t.a,db.t.b) ASC")
    assert _querier(["ts"], "id", table=None, query="SELECT * FROM x WHERE 1").sql() == (
        "SELECT * FROM x WHERE 1 WHERE `ts` < %s AND ((`ts` = %s AND `id` > %s) OR `ts` > %s) ORDER BY `ts`,`id` ASC")
    assert _querier([], None).sql() == "SELECT * FROM `db`.`t`"


def test_mysql_identifiers_parse_as_catalog_and_table() -> None:
    assert MySqlDialect().parse_table_identifier("`db`.`my.table`") == TableId("db", None, "my.table")
    assert MySqlDialect().quote("a`b") == "`a``b`"


BASE = {"connection.url": "jdbc:sqlite:/tmp/x", "mode": "bulk"}


@pytest.mark.parametrize(("props", "key", "message"), [
    ({"table.whitelist": "a", "table.blacklist": "b"}, "table.whitelist", "are exclusive"),
    ({"table.whitelist": "a", "table.include.list": "db\\..*"}, "table.include.list", "Cannot mix legacy"),
    ({"query": "SELECT 1", "table.whitelist": "a"}, "query", "Do not specify table filtering configs"),
    ({"query": "DELETE FROM t"}, "query", "Only SELECT statements are supported"),
    ({"table.whitelist": "a", "mode": "timestamp"}, "timestamp.column.name", "required"),
    ({"table.whitelist": "a", "topic.prefix": "bad prefix"}, "topic.prefix", "ASCII alphanumerics"),
    ({"table.whitelist": "a", "numeric.mapping": "fast"}, "numeric.mapping", "String must be one of"),
    ({"table.whitelist": "a", "batch.max.rows": "0"}, "batch.max.rows", "at least 1"),
    ({"table.whitelist": "a", "jdbc.credentials.provider.class": "com.example.VaultProvider"},
     "jdbc.credentials.provider.class", "Only io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider"),
])
def test_cross_field_rules_name_their_key(props: dict[str, str], key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(JdbcSourceConfig, {**BASE, **props})
    errors = {v["name"]: v["errors"] for v in validate_config(JdbcSourceConfig, {**BASE, **props})}
    assert any(message in e for e in errors[key])


def test_the_default_credentials_provider_is_accepted_by_either_name() -> None:
    for name in ("io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider", "DefaultJdbcCredentialsProvider"):
        parse_config(JdbcSourceConfig, {**BASE, "table.whitelist": "a", "jdbc.credentials.provider.class": name})


def test_defaults_follow_confluent() -> None:
    config = parse_config(JdbcSourceConfig, {**BASE, "table.whitelist": "a"})
    assert (config.batch_max_rows, config.poll_interval_ms, config.table_poll_interval_ms) == (1000, 5000, 60000)
    assert (config.effective_numeric_mapping, config.db_timezone, config.quote_sql_identifiers) == \
        ("none", "UTC", "always")
    assert parse_config(JdbcSourceConfig, {**BASE, "table.whitelist": "a", "numeric.precision.mapping": "true"}) \
        .effective_numeric_mapping == "precision_only"

"""SQL text per dialect: inserts, multi-row-capable upserts, updates, deletes, CREATE/ALTER and type mapping."""

from __future__ import annotations

import pytest

from connect_core.api import ConnectError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.connectors.jdbc._dialect import TableId, dialect_for
from connect_core.connectors.jdbc._sql_builder import ColumnSpec, SqlBuilder

T = TableId(None, None, "orders")


def _builder(family: str, quote: str = "always") -> SqlBuilder:
    return SqlBuilder(dialect_for(family, "", quote))


def test_mysql_upsert_uses_on_duplicate_key_update() -> None:
    assert _builder("mysql").upsert(T, ["id"], ["a", "b"]) == (
        "INSERT INTO `orders`(`id`,`a`,`b`) VALUES(%s,%s,%s) ON DUPLICATE KEY UPDATE `a`=VALUES(`a`),`b`=VALUES(`b`)"
    )


def test_mysql_upsert_without_value_columns_updates_the_keys() -> None:
    assert _builder("mysql").upsert(T, ["id"], []).endswith("ON DUPLICATE KEY UPDATE `id`=VALUES(`id`)")


def test_postgres_upsert_uses_on_conflict() -> None:
    assert _builder("postgresql").upsert(T, ["id"], ["a"]) == (
        'INSERT INTO "orders"("id","a") VALUES(%s,%s) ON CONFLICT ("id") DO UPDATE SET "a"=EXCLUDED."a"'
    )
    assert _builder("postgresql").upsert(T, ["id"], []).endswith('ON CONFLICT ("id") DO NOTHING')


def test_sqlite_upsert_uses_on_conflict_not_replace() -> None:
    sql = _builder("sqlite").upsert(T, ["k1", "k2"], ["a"])
    assert sql == (
        'INSERT INTO "orders"("k1","k2","a") VALUES(?,?,?) ON CONFLICT ("k1","k2") DO UPDATE SET "a"=EXCLUDED."a"'
    )
    assert "REPLACE" not in sql


def test_upsert_needs_key_columns() -> None:
    with pytest.raises(ConnectError, match="UPSERT mode requires key field names"):
        _builder("mysql").upsert(T, [], ["a"])


def test_update_and_delete_bind_keys_last() -> None:
    b = _builder("sqlite")
    assert b.update(T, ["id"], ["a", "b"]) == 'UPDATE "orders" SET "a" = ?, "b" = ? WHERE "id" = ?'
    assert b.delete(T, ["id", "v"]) == 'DELETE FROM "orders" WHERE "id" = ? AND "v" = ?'


def test_quote_never_leaves_identifiers_bare() -> None:
    assert _builder("mysql", "never").insert(T, ["id"], ["a"]) == "INSERT INTO orders(id,a) VALUES(%s,%s)"


def test_create_table_mysql_types_and_string_key_as_varchar() -> None:
    keys = [ColumnSpec("id", Type.STRING, False)]
    values = [
        ColumnSpec("n", Type.INT32, False, default=3),
        ColumnSpec("amount", Type.BYTES, True, Decimal.LOGICAL_NAME, 2),
        ColumnSpec("d", Type.INT32, True, Date.LOGICAL_NAME),
        ColumnSpec("t", Type.INT32, True, Time.LOGICAL_NAME),
        ColumnSpec("ts", Type.INT64, False, Timestamp.LOGICAL_NAME),
        ColumnSpec("flag", Type.BOOLEAN, True),
        ColumnSpec("tags", Type.ARRAY, True),
    ]
    assert _builder("mysql").create_table(T, keys, values) == (
        "CREATE TABLE `orders` (\n`id` VARCHAR(256) NOT NULL,\n`n` INT DEFAULT 3,\n`amount` DECIMAL(65,2) NULL,\n"
        "`d` DATE NULL,\n`t` TIME(3) NULL,\n`ts` DATETIME(3) NOT NULL,\n`flag` TINYINT NULL,\n`tags` TEXT NULL,\n"
        "PRIMARY KEY(`id`))"
    )


@pytest.mark.parametrize(
    ("family", "expected"),
    [("postgresql", ["BIGINT", "DOUBLE PRECISION", "BYTEA", "TIMESTAMP", "DECIMAL"]),
     ("sqlite", ["INTEGER", "REAL", "BLOB", "NUMERIC", "NUMERIC"])],
)
def test_type_mapping_per_dialect(family: str, expected: list[str]) -> None:
    specs = [ColumnSpec("a", Type.INT64), ColumnSpec("b", Type.FLOAT64), ColumnSpec("c", Type.BYTES),
             ColumnSpec("d", Type.INT64, logical=Timestamp.LOGICAL_NAME),
             ColumnSpec("e", Type.BYTES, logical=Decimal.LOGICAL_NAME, scale=3)]
    assert [_builder(family).sql_type(s) for s in specs] == expected


def test_add_column_is_nullable() -> None:
    assert _builder("sqlite").add_column(T, ColumnSpec("x", Type.STRING)) == 'ALTER TABLE "orders" ADD "x" TEXT NULL'


def test_mysql_statements_match_pymysql_multi_row_rewrite() -> None:
    from pymysql.cursors import RE_INSERT_VALUES

    b = _builder("mysql")
    assert RE_INSERT_VALUES.match(b.upsert(T, ["id"], ["a"]))
    assert RE_INSERT_VALUES.match(b.insert(T, ["id"], ["a"]))

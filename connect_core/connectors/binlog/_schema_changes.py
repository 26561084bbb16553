"""Schema change records (``include.schema.changes``): each DDL statement on the topic named after ``topic.prefix``.

Key ``io.debezium.connector.<flavour>.SchemaChangeKey`` {databaseName}; value ``...SchemaChangeValue`` {source,
ts_ms, databaseName, schemaName, ddl, tableChanges}. ``tableChanges`` describes the table the statement names as
``information_schema`` shows it when the event is read (Debezium replays its DDL parser over a history topic
instead; while catching up over several ALTERs the description can therefore be newer than the statement).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.record import SourceRecord
from connect_core.api.schema import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_BOOLEAN_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from connect_core.connectors.binlog._catalog import TableFilter
    from connect_core.connectors.binlog._envelope import SourceSchema
    from connect_core.connectors.binlog._offsets import BinlogPosition

__all__ = ["SchemaChanges"]

_TABLE_DDL: Final = re.compile(
    r"^\s*(CREATE|ALTER|DROP|TRUNCATE|RENAME)\s+(?:TEMPORARY\s+|ONLINE\s+|IGNORE\s+|OR\s+REPLACE\s+)*TABLE\s+"
    r"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?((?:`[^`]+`|\w+)(?:\s*\.\s*(?:`[^`]+`|\w+))?)", re.IGNORECASE)
_JDBC_TYPES: Final = {
    "bit": -7, "tinyint": -6, "smallint": 5, "mediumint": 4, "int": 4, "integer": 4, "bigint": -5, "float": 7,
    "double": 8, "real": 8, "decimal": 3, "numeric": 2, "char": 1, "varchar": 12, "tinytext": 12, "text": 12,
    "mediumtext": 12, "longtext": 12, "date": 91, "time": 92, "datetime": 93, "timestamp": 2014, "year": 4,
    "binary": -2, "varbinary": -3, "tinyblob": -3, "blob": 2004, "mediumblob": 2004, "longblob": 2004, "enum": 1,
    "set": 1, "json": 1111, "bool": -7, "boolean": -7,
}


def _unquote(name: str) -> str:
    return name.strip().strip("`")


class SchemaChanges:
    """Builds schema change records for one connector."""

    def __init__(self, connector: str, prefix: str, source: SourceSchema, table_filter: TableFilter) -> None:
        """Build Debezium's schemas once."""
        column = (SchemaBuilder.struct().name("io.debezium.connector.schema.Column").version(1)
                  .field("name", STRING_SCHEMA).field("jdbcType", INT32_SCHEMA)
                  .field("nativeType", OPTIONAL_INT32_SCHEMA).field("typeName", STRING_SCHEMA)
                  .field("typeExpression", OPTIONAL_STRING_SCHEMA).field("charsetName", OPTIONAL_STRING_SCHEMA)
                  .field("length", OPTIONAL_INT32_SCHEMA).field("scale", OPTIONAL_INT32_SCHEMA)
                  .field("position", INT32_SCHEMA).field("optional", OPTIONAL_BOOLEAN_SCHEMA)
                  .field("autoIncremented", OPTIONAL_BOOLEAN_SCHEMA).field("generated", OPTIONAL_BOOLEAN_SCHEMA)
                  .field("comment", OPTIONAL_STRING_SCHEMA).field("defaultValueExpression", OPTIONAL_STRING_SCHEMA)
                  .field("enumValues", SchemaBuilder.array(STRING_SCHEMA).optional().build()).build())
        self._column = column
        self._table = (SchemaBuilder.struct().name("io.debezium.connector.schema.Table").version(1)
                       .field("defaultCharsetName", OPTIONAL_STRING_SCHEMA)
                       .field("primaryKeyColumnNames", SchemaBuilder.array(STRING_SCHEMA).optional().build())
                       .field("columns", SchemaBuilder.array(column).build())
                       .field("comment", OPTIONAL_STRING_SCHEMA).optional().build())
        self._change = (SchemaBuilder.struct().name("io.debezium.connector.schema.Change").version(1)
                        .field("type", STRING_SCHEMA).field("id", STRING_SCHEMA).field("table", self._table).build())
        self.key_schema = (SchemaBuilder.struct().name(f"io.debezium.connector.{connector}.SchemaChangeKey")
                           .version(1).field("databaseName", STRING_SCHEMA).build())
        self.value_schema = (SchemaBuilder.struct().name(f"io.debezium.connector.{connector}.SchemaChangeValue")
                             .version(1).field("source", source.schema).field("ts_ms", INT64_SCHEMA)
                             .field("databaseName", OPTIONAL_STRING_SCHEMA).field("schemaName", OPTIONAL_STRING_SCHEMA)
                             .field("ddl", OPTIONAL_STRING_SCHEMA).field("tableChanges",
                                                                         SchemaBuilder.array(self._change).build())
                             .build())
        self._prefix = prefix
        self._source = source
        self._filter = table_filter

    def record(self, conn: Any, db: str, ddl: str, *, position: BinlogPosition, gtid: str | None, timestamp: int,
               partition: dict[str, str]) -> SourceRecord | None:
        """The schema change record of one statement; None when it names a table that is not captured."""
        changes: list[Struct] = []
        match = _TABLE_DDL.match(ddl)
        table_db = db
        if match:
            kind, name = match.group(1).upper(), match.group(2)
            parts = [_unquote(p) for p in re.split(r"\s*\.\s*", name, maxsplit=1)] if "." in name else [_unquote(name)]
            table_db, table = (parts[0], parts[1]) if len(parts) == 2 else (db, parts[0])
            if not self._filter.table(table_db, table):
                return None
            if kind in ("CREATE", "ALTER"):
                changes.append(Struct.from_validated(self._change, [
                    kind, f'"{table_db}"."{table}"', self._describe(conn, table_db, table)]))
            elif kind == "DROP":
                changes.append(Struct.from_validated(self._change, ["DROP", f'"{table_db}"."{table}"', None]))
        offset = position.offset()
        source = self._source.struct(timestamp * 1000, None, table_db, None, position.server_id, gtid, position.file,
                                     position.pos, 0)
        value = Struct.from_validated(self.value_schema, [source, int(time.time() * 1000), table_db, None, ddl,
                                                          changes])
        key = Struct.from_validated(self.key_schema, [table_db])
        return SourceRecord(partition, offset, self._prefix, 0, self.key_schema, key, self.value_schema, value)

    def _describe(self, conn: Any, db: str, table: str) -> Struct | None:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, CHARACTER_MAXIMUM_LENGTH, "
                "NUMERIC_PRECISION, NUMERIC_SCALE, ORDINAL_POSITION, IS_NULLABLE, EXTRA, COLUMN_COMMENT, "
                "COLUMN_DEFAULT, COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND "
                "TABLE_NAME = %s ORDER BY ORDINAL_POSITION", (db, table))
            rows = cursor.fetchall()
            cursor.execute("SELECT c.CHARACTER_SET_NAME, t.TABLE_COMMENT FROM information_schema.TABLES t LEFT JOIN "
                           "information_schema.COLLATION_CHARACTER_SET_APPLICABILITY c ON c.COLLATION_NAME = "
                           "t.TABLE_COLLATION WHERE t.TABLE_SCHEMA = %s AND t.TABLE_NAME = %s", (db, table))
            table_row = cursor.fetchone()
            cursor.execute("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s AND "
                           "TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION", (db, table))
            pk = [r[0] for r in cursor.fetchall()]
        if not rows:
            return None
        columns = []
        for name, data_type, column_type, charset, char_len, precision, scale, position, nullable, extra, comment, \
                default, _key in rows:
            kind = str(data_type).lower()
            length = char_len if char_len is not None else precision
            enum_values = None
            if kind in ("enum", "set"):
                enum_values = re.findall(r"'((?:[^']|'')*)'", column_type)
            expression = None if default is None or str(default).upper() == "NULL" else str(default).strip("'")
            columns.append(Struct.from_validated(self._column, [
                name, _JDBC_TYPES.get(kind, 1111), None, kind.upper(), None, charset,
                None if length is None else min(int(length), 2**31 - 1), None if scale is None else int(scale),
                int(position), nullable == "YES", "auto_increment" in str(extra).lower(),
                "auto_increment" in str(extra).lower(), comment or None, expression, enum_values,
            ]))
        charset, comment = table_row if table_row else (None, None)
        return Struct.from_validated(self._table, [charset, pk, columns, comment or None])

"""The shared data: a 10-column MariaDB table of mixed types, and the same rows as Kafka records for the sinks.

Rows are made by MariaDB's SEQUENCE engine (``seq_1_to_N``) in one ``INSERT ... SELECT``, so a million rows take
seconds, not minutes of client-side inserts. The sink topic carries the records exactly as our JDBC source writes
this table (JsonConverter with schemas, key ``{"id": n}``), built here without the source so sink cases can run
on their own.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

COLUMNS = ("id", "name", "qty", "price", "score", "active", "created_at", "day", "note", "category")
DDL = """CREATE TABLE `{table}` (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  qty INT NOT NULL,
  price DECIMAL(12,2) NOT NULL,
  score DOUBLE NOT NULL,
  active BOOLEAN NOT NULL,
  created_at DATETIME(3) NOT NULL,
  day DATE NOT NULL,
  note VARCHAR(200) NULL,
  category SMALLINT NOT NULL
)"""
FILL = """INSERT INTO `{table}` (id, name, qty, price, score, active, created_at, day, note, category)
SELECT seq, CONCAT('name-', seq), seq % 1000, (seq % 100000) / 100, (seq % 1000) * 0.25, seq % 2,
       TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND, DATE'2024-01-01' + INTERVAL (seq % 365) DAY,
       IF(seq % 10 = 0, NULL, CONCAT('note for row ', seq, ' lorem ipsum dolor sit amet')), seq % 7
FROM seq_1_to_{rows}"""
EPOCH = dt.datetime(2024, 1, 1)


def connect(settings: dict[str, str], *, autocommit: bool = True, **options: Any) -> Any:
    """A plain pymysql connection (the driver our JDBC connectors use underneath SQLAlchemy's URL parsing);
    ``options`` go to ``pymysql.connect`` (a raw floor's ``conv``)."""
    import pymysql

    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=settings["database"], autocommit=autocommit,
                           **options)


def create_table(settings: dict[str, str], table: str, rows: int) -> None:
    """Create and fill ``table`` with ``rows`` rows."""
    conn = connect(settings)
    try:
        with conn.cursor() as cursor:
            cursor.execute(DDL.format(table=table))
            cursor.execute(FILL.format(table=table, rows=rows))
    finally:
        conn.close()


def drop_tables(settings: dict[str, str], tables: list[str]) -> None:
    """Drop what a case created (best effort)."""
    conn = connect(settings)
    try:
        with conn.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS `{table}`")
    finally:
        conn.close()


def python_row(seq: int) -> tuple[Any, ...]:
    """Row ``seq`` as the driver returns it (same values as ``FILL``)."""
    return (seq, f"name-{seq}", seq % 1000, decimal.Decimal(seq % 100000).scaleb(-2), (seq % 1000) * 0.25,
            seq % 2, EPOCH + dt.timedelta(seconds=seq), (EPOCH + dt.timedelta(days=seq % 365)).date(),
            None if seq % 10 == 0 else f"note for row {seq} lorem ipsum dolor sit amet", seq % 7)


def connect_schemas() -> tuple[Any, Any]:
    """(key schema, value schema) as our JDBC source derives them from ``DDL`` (BOOLEAN is TINYINT(1): int8)."""
    from connect_core.api.logical import Date, Decimal, Timestamp
    from connect_core.api.schema import (
        FLOAT64_SCHEMA,
        INT8_SCHEMA,
        INT16_SCHEMA,
        INT32_SCHEMA,
        INT64_SCHEMA,
        OPTIONAL_STRING_SCHEMA,
        STRING_SCHEMA,
        SchemaBuilder,
    )

    key = SchemaBuilder.struct().field("id", INT64_SCHEMA).build()
    value = (SchemaBuilder.struct().name("rows")
             .field("id", INT64_SCHEMA).field("name", STRING_SCHEMA).field("qty", INT32_SCHEMA)
             .field("price", Decimal.builder(2).parameter("connect.decimal.precision", "12").build())
             .field("score", FLOAT64_SCHEMA).field("active", INT8_SCHEMA)
             .field("created_at", Timestamp.builder().build()).field("day", Date.builder().build())
             .field("note", OPTIONAL_STRING_SCHEMA).field("category", INT16_SCHEMA).build())
    return key, value


def sink_records(count: int) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) bytes of rows 1..count through our JsonConverter with schemas (setup, never timed)."""
    from connect_core.api.struct import Struct
    from connect_core.converters.json import JsonConverter

    key_schema, value_schema = connect_schemas()
    keys, values = JsonConverter(), JsonConverter()
    keys.configure({"schemas.enable": "true"}, is_key=True)
    values.configure({"schemas.enable": "true"}, is_key=False)
    for seq in range(1, count + 1):
        row = python_row(seq)
        struct = Struct(value_schema)
        for name, value in zip(COLUMNS, row, strict=True):
            struct.put(name, value)
        key = keys.from_connect_data("t", key_schema, Struct(key_schema).put("id", seq))
        yield key, values.from_connect_data("t", value_schema, struct)


# -- FileStream lines ----------------------------------------------------------------------------------------
LINES_SEED = 20261125
_ASCII_WORDS = ("user", "request", "GET", "/api/v2/orders", "status=200", "latency_ms=", "id", "session", "error",
                "warn", "retrying", "payload", "the", "of", "and", "timeout", "ok", "host=10.0.3.17", "x-trace")
_QUOTED = ('"quoted value"', "'single'", '{"key": "value", "n": 42}', 'say "hello"', '""', '"a\\"b"')
_BACKSLASHED = ("C:\\Users\\svc\\logs", "\\n is not a newline", "regex \\d+\\s*", "\\\\server\\share", "end\\")
_UTF8_WORDS = ("café", "naïve", "Grüße", "€100", "£5", "ñandú", "日本語のテキスト", "中文字符", "Привет мир",
               "Ελληνικά", "עברית", "한국어", "½ °C ±", "—", "…")
_ASTRAL = ("😀", "🚀", "𝄞", "🇩🇪")  # above the Basic Multilingual Plane: Jackson writes them as escaped surrogate pairs


def realistic_lines(count: int, seed: int = LINES_SEED) -> Iterator[str]:
    """``count`` lines (without their newline) as users' files hold them, the same for the same seed: UTF-8
    text of 2-, 3- and 4-byte characters, double and single quotes, backslashes and tabs, from 20 to 2,000 bytes
    each (log-uniform, so short lines are common and long ones present: ~430 bytes on average; about one line in
    ten holds a character above the Basic Multilingual Plane). No ``\\r`` or ``\\n`` inside a line
    (FileStreamSource splits there). Each line is a slice of one seeded text of words, cut on character
    boundaries, so a million lines take seconds."""
    import random

    rng = random.Random(seed)
    pools = (_ASCII_WORDS, _ASCII_WORDS, _ASCII_WORDS, _QUOTED, _BACKSLASHED, _UTF8_WORDS, _UTF8_WORDS)
    words = [rng.choice(rng.choice(pools)) if rng.random() > 0.003 else rng.choice(_ASTRAL)
             for _ in range(200_000)]
    text = "".join(w + ("\t" if rng.random() < 0.05 else " ") for w in words).encode()
    low, high, span = math.log(20), math.log(2000), len(text) - 2100
    for i in range(count):
        target = int(math.exp(rng.uniform(low, high)))
        at = rng.randrange(span)
        line = text[at:at + target - 8].decode(errors="ignore")  # drops a character cut at either end
        yield f"{i:07d} {line}".ljust(20, ".")


def ascii_lines(count: int) -> Iterator[str]:
    """The original FileStream lines: short printable ASCII, no quotes or backslashes."""
    return (f"line {i} lorem ipsum dolor sit amet consectetur" for i in range(count))

"""The fast row image reader (``_rows.fast_rows``) against python-mysql-replication's decoding (the reference) on
the real MariaDB binlog: random values of every column type the connector captures, inserts, updates and deletes,
full, minimal and noblob row images, one event per row and many rows per event."""

from __future__ import annotations

import datetime as dt
import decimal
import random
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.connectors.binlog import _stream
from connect_core.connectors.binlog._rows import fast_rows, reference_rows
from connect_core.connectors.binlog._stream import connection_settings
from connect_core.connectors.binlog._time2 import install
from tests.integration.connectors.binlog.conftest import MemoryOffsetReader, rows

if TYPE_CHECKING:
    from tests.integration.connectors.binlog.conftest import CdcDb

pytestmark = pytest.mark.integration

COLUMNS: list[tuple[str, str]] = [
    ("t_s", "TINYINT"), ("t_u", "TINYINT UNSIGNED"), ("s_s", "SMALLINT"), ("s_u", "SMALLINT UNSIGNED"),
    ("m_s", "MEDIUMINT"), ("m_u", "MEDIUMINT UNSIGNED"), ("i_s", "INT"), ("i_u", "INT UNSIGNED"),
    ("b_s", "BIGINT"), ("b_u", "BIGINT UNSIGNED"), ("f", "FLOAT"), ("d", "DOUBLE"), ("bo", "BOOLEAN"),
    ("dec1", "DECIMAL(12,2)"), ("dec2", "DECIMAL(30,10)"), ("dec3", "DECIMAL(5,0)"), ("dec4", "DECIMAL(4,4)"),
    ("dec5", "DECIMAL(65,30)"), ("dec6", "DECIMAL(19,9) UNSIGNED"),
    ("da", "DATE"), ("dt0", "DATETIME"), ("dt3", "DATETIME(3)"), ("dt6", "DATETIME(6)"), ("dt1", "DATETIME(1)"),
    ("ts0", "TIMESTAMP NULL"), ("ts4", "TIMESTAMP(4) NULL"), ("ts6", "TIMESTAMP(6) NULL"),
    ("ti0", "TIME"), ("ti1", "TIME(1)"), ("ti2", "TIME(2)"), ("ti3", "TIME(3)"), ("ti5", "TIME(5)"),
    ("ti6", "TIME(6)"), ("y", "YEAR"),
    ("c", "CHAR(10) CHARACTER SET utf8mb4"), ("v", "VARCHAR(40) CHARACTER SET utf8mb4"),
    ("vl", "VARCHAR(300) CHARACTER SET utf8mb4"), ("v1", "VARCHAR(50) CHARACTER SET latin1"),
    ("v3", "VARCHAR(30) CHARACTER SET utf8mb3"), ("vu", "VARCHAR(20) CHARACTER SET ucs2"),
    ("vg", "VARCHAR(20) CHARACTER SET gbk"),
    ("bi", "BINARY(8)"), ("vb", "VARBINARY(20)"), ("tb", "TINYBLOB"), ("bl", "BLOB"), ("mb", "MEDIUMBLOB"),
    ("lb", "LONGBLOB"), ("tt", "TINYTEXT"), ("tx", "TEXT CHARACTER SET utf8mb4"), ("mt", "MEDIUMTEXT"),
    ("lt", "LONGTEXT"), ("j", "JSON"), ("e", "ENUM('a','b b','ć','x''y')"), ("se", "SET('r','w','x','ü')"),
    ("bit1", "BIT(1)"), ("bit5", "BIT(5)"), ("bit12", "BIT(12)"), ("bit64", "BIT(64)"),
]
WORDS = ["", "a", "hello", "café", "日本語", "Привет", "😀 emoji", "x'y", "tab\tnew\nline", "  trailing  "]


def _text(rng: random.Random, limit: int, alphabet: list[str] = WORDS) -> str:
    out = " ".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
    return out[:limit]


def _decimal(rng: random.Random, precision: int, scale: int, *, unsigned: bool = False) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, precision - scale)))
    fraction = "".join(rng.choice("0123456789") for _ in range(scale))
    sign = "" if unsigned or rng.random() < 0.5 else "-"
    return f"{sign}{digits or '0'}{'.' + fraction if fraction else ''}"


def _time(rng: random.Random, fsp: int) -> str:
    sign = "-" if rng.random() < 0.5 else ""
    text = f"{sign}{rng.randint(0, 838)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    if fsp:
        text += "." + "".join(rng.choice("0123456789") for _ in range(fsp))
    return text


def _datetime(rng: random.Random, fsp: int, low: int = 1000, high: int = 9999) -> str:
    value = dt.datetime(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                        rng.randint(0, 59), rng.randint(0, 59))
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if fsp:
        text += "." + "".join(rng.choice("0123456789") for _ in range(fsp))
    return text


def _value(rng: random.Random, name: str, kind: str) -> Any:  # noqa: C901, PLR0912
    ints = {"TINYINT": 8, "SMALLINT": 16, "MEDIUMINT": 24, "INT": 32, "BIGINT": 64}
    head = kind.split(maxsplit=1)[0].split("(", maxsplit=1)[0]
    if head in ints:
        bits = ints[head]
        edge = rng.random() < 0.3
        if "UNSIGNED" in kind:
            return rng.choice([0, (1 << bits) - 1]) if edge else rng.randint(0, (1 << bits) - 1)
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return rng.choice([low, high, 0, -1]) if edge else rng.randint(low, high)
    if head in ("FLOAT", "DOUBLE"):
        return rng.choice([0.0, -1.5, 3.25e10, rng.uniform(-1e6, 1e6)])
    if head == "BOOLEAN":
        return rng.randint(-128, 127)
    if head == "DECIMAL":
        precision, scale = (int(x) for x in kind[kind.index("(") + 1:kind.index(")")].split(","))
        return _decimal(rng, precision, scale, unsigned="UNSIGNED" in kind)
    if head == "DATE":
        return _datetime(rng, 0)[:10]
    if head == "DATETIME":
        return _datetime(rng, int(kind[9]) if "(" in kind else 0)
    if head == "TIMESTAMP":
        return _datetime(rng, int(kind[10]) if "(" in kind else 0, 1971, 2037)
    if head == "TIME":
        return _time(rng, int(kind[5]) if "(" in kind else 0)
    if head == "YEAR":
        return rng.choice([1901, 2155, rng.randint(1901, 2155)])
    if head in ("BINARY", "VARBINARY", "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB"):
        size = 8 if head == "BINARY" else rng.choice([0, 1, 20]) if head == "VARBINARY" else rng.choice([0, 5, 300])
        return bytes(rng.randrange(256) for _ in range(size))
    if head == "JSON":
        return rng.choice(['{"a": 1, "b": [true, null, "é"]}', "[]", '"text"', "3.5"])
    if head == "ENUM":
        return rng.choice(["a", "b b", "ć", "x'y"])
    if head == "SET":
        return ",".join(m for m in ("r", "w", "x", "ü") if rng.random() < 0.5)
    if head == "BIT":
        bits = int(kind[4:-1])
        return rng.randrange(1 << bits)
    limit = {"c": 10, "v": 40, "vl": 300, "v1": 50, "v3": 30, "vu": 20, "vg": 20}.get(name, 1000)
    if name == "v1":
        return _text(rng, limit, ["", "abc", "café", "naïve", "Grüße"])
    if name == "vg":
        return _text(rng, limit, ["", "abc", "中文字符"])
    if name == "vl":
        return (_text(rng, 60) * 6)[:limit]
    if name in ("mt", "lt", "tt"):
        return (_text(rng, 200) * rng.choice([1, 50]))[:250 if name == "tt" else 10_000]
    return _text(rng, limit)


def _row(rng: random.Random) -> dict[str, Any]:
    return {name: None if rng.random() < 0.15 else _value(rng, name, kind) for name, kind in COLUMNS}


def _strict(value: Any) -> Any:
    """A value with its type, so 1 == 1.0 == True and Decimal('1.0') == Decimal('1.00') do not pass for equal."""
    if isinstance(value, decimal.Decimal):
        return ("Decimal", str(value))
    if isinstance(value, (set, frozenset)):
        return ("set", sorted(value))
    if isinstance(value, list):
        return [_strict(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_strict(v) for v in value)
    return (type(value).__name__, value)


def _events(db: CdcDb, start: tuple[str, int]) -> list[tuple[Any, Any, Any]]:
    """(fast, reference, event type) of every row event of ``db`` from ``start`` to the end of the binlog."""
    from pymysqlreplication import BinLogStreamReader
    from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

    install()
    settings = db.settings
    reader = BinLogStreamReader(
        connection_settings=connection_settings(settings["host"], int(settings["port"]), settings["user"],
                                                settings["password"]),
        server_id=random.randint(100_000, 4_000_000_000), resume_stream=True, log_file=start[0], log_pos=start[1],
        blocking=False, only_events=[WriteRowsEvent, UpdateRowsEvent, DeleteRowsEvent], enable_logging=False)
    out = []
    try:
        for event in reader:
            if event.schema != db.name:
                continue
            fast = fast_rows(event)  # first: the reference consumes the packet
            out.append((fast, reference_rows(event), event.event_type))
    finally:
        reader.close()
    return out


def _position(db: CdcDb) -> tuple[str, int]:
    with db.conn.cursor() as cursor:
        cursor.execute("SHOW MASTER STATUS")
        row = cursor.fetchone()
    return str(row[0]), int(row[1])


def _changes(db: CdcDb, rng: random.Random, image: str) -> None:
    """The table ``every`` with random inserts (many rows per event and one per event), updates and deletes."""
    names = [n for n, _ in COLUMNS]
    columns = ", ".join(f"`{n}` {k}" for n, k in COLUMNS)
    db.sql(f"CREATE TABLE IF NOT EXISTS every (id INT PRIMARY KEY, {columns}) DEFAULT CHARSET=utf8mb4",
           "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'", f"SET SESSION binlog_row_image = '{image}'",
           "SET SESSION time_zone = '+00:00'")
    marks = ", ".join(["%s"] * (len(names) + 1))
    statement = f"INSERT INTO every (id, {', '.join(f'`{n}`' for n in names)}) VALUES ({marks})"
    rows = [[i, *_row(rng).values()] for i in range(1, 121)]
    with db.conn.cursor() as cursor:
        cursor.executemany(statement, rows[:100])  # one statement: many rows per event
        for row in rows[100:]:
            cursor.execute(statement, row)
        cursor.execute("INSERT INTO every (id) VALUES (1000)")  # every other column NULL or its default
        for i in range(1, 121, 3):  # updates of a few random columns
            changed = rng.sample(names, 4)
            values = _row(rng)
            cursor.execute(f"UPDATE every SET {', '.join(f'`{n}` = %s' for n in changed)} WHERE id = %s",
                           [values[n] for n in changed] + [i])
        cursor.execute("UPDATE every SET id = id + 5000 WHERE id < 40")  # many rows per update event
        cursor.execute("DELETE FROM every WHERE id % 2 = 0")


@pytest.mark.parametrize("image", ["FULL", "MINIMAL", "NOBLOB"])
def test_fast_rows_agree_with_the_reference(cdc_db: CdcDb, image: str) -> None:
    seed = random.randrange(1 << 30)
    names_all = ["id", *(n for n, _ in COLUMNS)]
    start = _position(cdc_db)
    _changes(cdc_db, random.Random(seed), image)
    events = _events(cdc_db, start)
    ops = {23: "c", 30: "c", 24: "u", 31: "u", 25: "d", 32: "d"}  # v1 (MariaDB) or v2 (MySQL) row events
    assert {ops[kind] for _, _, kind in events} == {"c", "u", "d"}, f"seed {seed}"
    total = 0
    for fast, reference, kind in events:
        assert fast is not None, f"seed {seed}: the fast reader left a type {kind} event to the reference"
        mismatches = [(i, side, names_all[c], a, b)
                      for i, (f_row, r_row) in enumerate(zip(fast, reference, strict=True))
                      for side, f_image, r_image in (("before", f_row[0], r_row[0]), ("after", f_row[1], r_row[1]))
                      if (f_image is None) != (r_image is None) or f_image is not None
                      for c, (a, b) in enumerate(zip(f_image or [], r_image or [], strict=True))
                      if _strict(a) != _strict(b)]
        assert not mismatches[:5], f"seed {seed}"
        assert _strict(fast) == _strict(reference), f"seed {seed}"
        total += len(fast)
    assert total > 200


@pytest.mark.parametrize(("image", "modes"), [
    ("FULL", {}),
    ("MINIMAL", {"decimal.handling.mode": "string", "time.precision.mode": "connect"}),
    ("NOBLOB", {"decimal.handling.mode": "double", "column.exclude.list": "{db}.every.dec5,{db}.every.f"}),
])
def test_records_agree_with_the_reference_path(cdc_db: CdcDb, image: str, modes: dict[str, str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The connector's records (keys, before/after, offsets) with converted values read from the bytes are the
    records of python-mysql-replication's values through the schema's converters."""
    seed = random.randrange(1 << 30)
    extra = {k: v.format(db=cdc_db.name) for k, v in modes.items()}
    cdc_db.sql(f"CREATE TABLE every (id INT PRIMARY KEY, {', '.join(f'`{n}` {k}' for n, k in COLUMNS)}) "
               "DEFAULT CHARSET=utf8mb4")
    reader = MemoryOffsetReader()
    cdc_db.run(reader, **{"snapshot.mode": "no_data", **extra})  # stores the position
    start = dict(reader.committed)
    _changes(cdc_db, random.Random(seed), image)

    def records(fast: bool) -> list[Any]:
        monkeypatch.setattr(_stream, "READ_ROWS_FAST", fast)
        out = cdc_db.run(MemoryOffsetReader(start), **{"snapshot.mode": "no_data", **extra})
        return [(repr(row), r.source_offset) for row, r in zip(rows(out), out, strict=True)]

    fast, reference = records(True), records(False)
    assert len(reference) > 200, f"seed {seed}"
    assert fast == reference, f"seed {seed}"


def test_unsupported_columns_fall_back_to_the_reference(cdc_db: CdcDb) -> None:
    """A spatial column: the fast reader declines the whole event, the reference still decodes it."""
    cdc_db.sql("CREATE TABLE shapes (id INT PRIMARY KEY, g POINT, note VARCHAR(10))")
    start = _position(cdc_db)
    cdc_db.sql("INSERT INTO shapes VALUES (1, POINT(1, 2), 'x'), (2, NULL, NULL)")
    events = _events(cdc_db, start)
    assert len(events) == 1
    fast, reference, _ = events[0]
    assert fast is None
    assert [row[1][0] for row in reference] == [1, 2]


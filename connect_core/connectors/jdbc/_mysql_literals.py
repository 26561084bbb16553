"""Multi-row ``INSERT ... VALUES (...),(...)`` text for pymysql, written here instead of by its ``executemany``.

pymysql's ``executemany`` already turns an ``INSERT``/upsert into multi-row statements, but it escapes every value
through ``Connection.escape`` (several calls and type checks per value): with ten columns that was most of the
sink's database CPU. Here each value's literal comes from pymysql's own encoder for its exact type, picked once per
value class, so the text is the one pymysql would have sent (``tests/integration/connectors/jdbc`` compares it with
``Cursor.mogrify``); anything unusual (another type, a connection with its own encoders) goes to
``Connection.escape`` itself. Statements are cut at pymysql's ``max_stmt_length``.
"""

from __future__ import annotations

import datetime
import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["MultiRowInsert"]

_POSITIONAL = re.compile(r"\(\s*%s\s*(?:,\s*%s\s*)*\)")


class MultiRowInsert:
    """An ``INSERT``/upsert statement with one ``%s`` per column, split as pymysql splits it."""

    def __init__(self, prefix: str, postfix: str, columns: int) -> None:
        """Use :meth:`parse`."""
        self.prefix = prefix
        self.postfix = postfix
        self.columns = columns

    @classmethod
    def parse(cls, sql: str) -> MultiRowInsert | None:
        """The statement's parts when pymysql's ``executemany`` would write it as multi-row, else None."""
        from pymysql.cursors import RE_INSERT_VALUES

        match = RE_INSERT_VALUES.match(sql)
        if match is None or _POSITIONAL.fullmatch(match.group(2)) is None:
            return None
        return cls(match.group(1), match.group(3) or "", match.group(2).count("%s"))

    def statements(self, dbapi_connection: Any, rows: Sequence[Sequence[Any]]) -> list[str] | None:
        """The statements to run (each still goes through pymysql's ``query % ()``, so ``%`` is doubled), or None
        when ``dbapi_connection`` is not a plain pymysql connection (then use ``executemany``)."""
        escapes = _escapes(dbapi_connection)
        columns = self.columns
        if escapes is None or not rows or any(len(row) != columns for row in rows):
            return None  # executemany raises its own error for a row of the wrong length
        escape, encoding = dbapi_connection.escape, dbapi_connection.encoding
        get = escapes.get
        prefix, postfix = self.prefix, self.postfix
        limit = _max_stmt_length()
        fixed = len(prefix.encode(encoding)) + len(postfix.encode(encoding))
        out: list[str] = []
        chunk: list[str] = []
        size = fixed
        for row in rows:
            text = "(" + ",".join([(get(value.__class__) or escape)(value) for value in row]) + ")"
            length = len(text) if text.isascii() else len(text.encode(encoding))
            if chunk and size + length + 1 > limit:
                out.append(prefix + ",".join(chunk) + postfix)
                chunk, size = [], fixed
            chunk.append(text.replace("%", "%%") if "%" in text else text)
            size += length + 1
        out.append(prefix + ",".join(chunk) + postfix)
        return out


def _iso_formats() -> dict[Callable[[Any, Any], str], tuple[type, ...]]:
    from pymysql import converters

    return {converters.escape_datetime: (datetime.datetime,), converters.escape_date: (datetime.date,),
            converters.escape_time: (datetime.time,)}


def _max_stmt_length() -> int:
    from pymysql.cursors import Cursor

    return int(Cursor.max_stmt_length)


def _escapes(dbapi_connection: Any) -> dict[type, Callable[[Any], str]] | None:
    """Per exact value class, the function giving ``dbapi_connection.escape(value)``'s text."""
    from pymysql import converters
    from pymysql.connections import Connection
    from pymysql.constants import SERVER_STATUS

    if not isinstance(dbapi_connection, Connection):
        return None
    encoders = dbapi_connection.encoders
    escapes: dict[type, Callable[[Any], str]] = {type(None): lambda _value: "NULL"}
    server_status: int = getattr(dbapi_connection, "server_status", 0)  # set by the handshake; not in the stubs
    if server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES:
        escapes[str] = lambda value: "'" + value.replace("'", "''") + "'"
    else:
        table: dict[int, str] = converters._escape_table  # type: ignore[attr-defined]  # escape_string's table
        escapes[str] = lambda value: "'" + value.translate(table) + "'"
    # Connection.escape hands every other type to escape_item: the connection's encoder for type(value), called
    # as encoder(value, encoders); only pymysql's own scalar encoders are taken, anything else stays with escape().
    iso_formats = _iso_formats()
    for cls, default in converters.encoders.items():
        if cls in (str, bytes, type(None)) or encoders.get(cls) is not default:
            continue
        if default is converters.escape_int:
            escapes[cls] = str
        elif cls in iso_formats.get(default, ()):
            escapes[cls] = functools.partial(_iso, default, encoders)
        elif default in (converters.escape_bool, converters.escape_float, converters.escape_timedelta):
            escapes[cls] = default  # encoder(value, encoders) ignores the mapping: called with the value alone
        elif default is converters.Decimal2Literal:
            escapes[cls] = _decimal
        elif default in (converters.escape_date, converters.escape_datetime, converters.escape_time):
            escapes[cls] = functools.partial(_encode, default, encoders)
    if encoders.get(type(None)) is not converters.escape_None:
        del escapes[type(None)]
    return escapes


def _decimal(value: Any) -> str:
    """``Decimal2Literal``: plain notation; a NaN or infinity raises pymysql's own error."""
    if value.is_finite():
        return format(value, "f")
    from pymysql import converters

    return str(converters.Decimal2Literal(value, None))


def _encode(encoder: Callable[[Any, Any], str], encoders: Any, value: Any) -> str:
    return encoder(value, encoders)


def _iso(encoder: Callable[[Any, Any], str], encoders: Any, value: Any) -> str:
    """pymysql's date/time formats are ISO 8601 with a space and without the offset, the microseconds only when
    non-zero: ``isoformat`` writes exactly that for a naive value (in C); an aware one keeps pymysql's encoder."""
    if getattr(value, "tzinfo", None) is not None:
        return encoder(value, encoders)
    if value.__class__ is datetime.datetime:
        return "'" + value.isoformat(" ") + "'"
    return "'" + value.isoformat() + "'"

"""Multi-row ``INSERT ... VALUES (...),(...)`` text for pymysql, written here instead of by its ``executemany``.

pymysql's ``executemany`` already turns an ``INSERT``/upsert into multi-row statements, but it escapes every value
through ``Connection.escape`` (several calls and type checks per value), most of the sink's database CPU on wide
rows. Here each value's literal comes from pymysql's own encoder for its exact type, picked once per value class,
so the text is the one pymysql would have sent (``Cursor.mogrify``'s); anything unusual (another type, a connection
with its own encoders) goes to
``Connection.escape`` itself. Statements are cut at pymysql's ``max_stmt_length``.
"""

from __future__ import annotations

import datetime
import functools
import operator
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = ["MultiRowInsert", "StructColumn", "escapes_of", "struct_rows_writer"]

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
        row_text = _row_writer(escapes, dbapi_connection.escape, rows[0])
        return self.join(dbapi_connection.encoding, map(row_text, rows))

    def join(self, encoding: str, texts: Iterable[str]) -> list[str]:
        """The statements of rows already written as ``(...)`` texts, cut at pymysql's ``max_stmt_length``."""
        prefix, postfix = self.prefix, self.postfix
        limit = _max_stmt_length()
        fixed = len(prefix.encode(encoding)) + len(postfix.encode(encoding))
        out: list[str] = []
        chunk: list[str] = []
        size = fixed
        for text in texts:
            length = len(text) if text.isascii() else len(text.encode(encoding))
            if chunk and size + length + 1 > limit:
                out.append(prefix + ",".join(chunk) + postfix)
                chunk, size = [], fixed
            chunk.append(text.replace("%", "%%") if "%" in text else text)
            size += length + 1
        out.append(prefix + ",".join(chunk) + postfix)
        return out


# (value classes, escape kinds, string mode) -> factory of the generated row writer; bounded by the shapes in use
_ROW_WRITERS: dict[tuple[Any, ...], Callable[..., Callable[[Sequence[Any]], str]]] = {}


def _row_writer(escapes: dict[type, Callable[[Any], str]], escape: Callable[[Any], str],
                first: Sequence[Any]) -> Callable[[Sequence[Any]], str]:
    """``"(" + ",".join((escapes.get(type(v)) or escape)(v) for v in row) + ")"``, generated per column classes.

    The classes of ``first`` (the chunk's first row) pick, per column, the encoder's text written inline (an int's
    ``str``, a string's quoting, a naive date/time's ``isoformat``, a finite Decimal's ``format``) or called
    directly; a value of any other class (a None where the first row had a value, ...) takes the generic look-up,
    so every row's text is the generic one whatever the classes.
    """
    classes = tuple(value.__class__ for value in first)
    kinds = tuple(_kind(escapes, cls) for cls in classes)
    key = (classes, kinds, type(None) in escapes)
    factory = _ROW_WRITERS.get(key)
    if factory is None:
        factory = _ROW_WRITERS[key] = _compile_row_writer(kinds, type(None) in escapes)
    return factory(tuple(escapes.get(cls) for cls in classes), classes, escapes.get, escape)


def _kind(escapes: dict[type, Callable[[Any], str]], cls: type) -> str:
    """How a value of exactly ``cls`` is written: inline (``int``, ``quote``, ``iso``, ...), ``call`` or ``generic``."""
    encoder = escapes.get(cls)
    if encoder is None or cls is type(None):
        return "generic"
    if cls is str:
        return "quote-no-backslash" if encoder is _quote_no_backslash else "quote-table"
    if encoder is str:
        return "int"
    if isinstance(encoder, functools.partial) and encoder.func is _iso:
        return "datetime" if cls is datetime.datetime else "date" if cls is datetime.date else "iso-tz"
    if encoder is _decimal:
        return "decimal"
    from pymysql import converters

    if encoder is converters.escape_float and cls is float:
        return "float"
    if encoder is converters.escape_bool and cls is bool:
        return "bool"
    return "call"


# The text of a value of the exact class a kind was picked for, written inline (``E{i}``: the class's encoder).
_INLINE = {
    "int": "str(x{i})",
    "quote-table": "\"'\" + x{i}.translate(T) + \"'\"",
    "quote-no-backslash": "\"'\" + x{i}.replace(\"'\", \"''\") + \"'\"",
    "datetime": "(\"'\" + x{i}.isoformat(' ') + \"'\") if x{i}.tzinfo is None else E{i}(x{i})",
    "date": "\"'\" + x{i}.isoformat() + \"'\"",
    "iso-tz": "(\"'\" + x{i}.isoformat() + \"'\") if getattr(x{i}, 'tzinfo', None) is None else E{i}(x{i})",
    # a finite Decimal's ``str`` is its plain notation unless it has an exponent (cheaper than ``format``)
    "decimal": "(d if 'E' not in (d := str(x{i})) else format(x{i}, 'f')) if x{i}.is_finite() else E{i}(x{i})",
    "float": "r if 'e' in (r := repr(x{i})) else E{i}(x{i}) if 'n' in r else r + 'e0'",  # inf/nan: pymysql's error
    "bool": "'1' if x{i} else '0'",
    # an aware UTC datetime bound as its naive self (``db.timezone=UTC``): the naive text is the aware one's
    # ``isoformat`` without its ``+00:00``
    "datetime-utc": "\"'\" + x{i}.isoformat(' ')[:-6] + \"'\"",
    "call": "E{i}(x{i})",
}


def _compile_row_writer(kinds: tuple[str, ...], null: bool) -> Callable[..., Callable[[Sequence[Any]], str]]:
    """The factory ``(encoders, classes, get, escape) -> row_text`` for one tuple of kinds (generated source)."""
    inline = _INLINE
    n = len(kinds)
    names = ", ".join(f"x{i}" for i in range(n))
    lines = ["def factory(E, C, get, escape):"]
    if n:
        lines.append(f"    {', '.join(f'E{i}' for i in range(n))}, = E")
        lines.append(f"    {', '.join(f'C{i}' for i in range(n))}, = C")
    lines.append("    def row_text(row):")
    if n:
        lines.append(f"        {names}, = row")
    for i, kind in enumerate(kinds):
        generic = f"(get(x{i}.__class__) or escape)(x{i})"
        expr = generic
        if kind != "generic":
            expr = f"({inline[kind].format(i=i)}) if x{i}.__class__ is C{i} else {generic}"
        if null:
            expr = f"'NULL' if x{i} is None else ({expr})"
        lines.append(f"        s{i} = {expr}")
    lines.append(f"        return '(' + ','.join(({''.join(f's{i},' for i in range(n))})) + ')'")
    lines.append("    return row_text")
    from pymysql import converters

    namespace: dict[str, Any] = {"T": converters._escape_table}  # type: ignore[attr-defined]  # escape_string's
    exec(compile("\n".join(lines), "<mysql row writer>", "exec"), namespace)
    return namespace["factory"]


# One column of a struct row writer: (0 for the key struct, 1 for the value, field position, the field's default
# or None, the class its values usually have or None, the column's binding of a value after the default).
StructColumn = tuple[int, int, Any, "type | None", "Callable[[Any], Any]"]
_STRUCT_WRITERS: dict[tuple[Any, ...], Callable[..., Any]] = {}  # factories of the per-column text functions


def escapes_of(dbapi_connection: Any) -> dict[type, Callable[[Any], str]] | None:
    """Per exact value class, the function giving ``dbapi_connection.escape(value)``'s text (None: not a plain
    pymysql connection, use ``executemany``)."""
    return _escapes(dbapi_connection)


def struct_rows_writer(escapes: dict[type, Callable[[Any], str]], escape: Callable[[Any], str],
                       columns: Sequence[StructColumn], utc_naive: bool) -> Callable[
                           [Sequence[Sequence[Any]], Sequence[Sequence[Any]]], list[str]]:
    """``(each record's key struct values, each record's value struct values) -> their "(...)" row texts``.

    Each text is what :meth:`MultiRowInsert.statements` writes for the record's bound row (the binder's tuple of the
    key's columns, then the value's). Written column by column (``_column``): a column whose values all have its
    usual class (or are null) in C loops over the whole column, any other one value by value by a generated
    function (after the field's default took the place of a None): a value of the column's usual class written
    inline (pymysql's text for it, as ``_row_writer`` writes it; an aware UTC datetime with ``utc_naive`` as its
    naive self), anything else bound by the column's binder and written by the generic look-up.

    """
    kinds = []
    for _part, _index, _default, cls, _bound in columns:
        kind = "generic" if cls is None else _kind(escapes, cls)
        if cls is datetime.datetime:
            kind = "datetime-utc" if utc_naive and kind == "datetime" else "generic"
        kinds.append(kind)
    null = type(None) in escapes
    key = (tuple(kinds), null)
    factory = _STRUCT_WRITERS.get(key)
    if factory is None:
        factory = _STRUCT_WRITERS[key] = _compile_column_texts(key[0], null)
    column_texts = factory(
        tuple(escapes.get(c[3]) if c[3] is not None else None for c in columns), tuple(c[3] for c in columns),
        tuple(c[4] for c in columns), escapes.get, escape)
    plan = tuple((part, index, default, kind, cls, column_text, escapes.get(cls) if cls is not None else None)
                 for (part, index, default, cls, _b), kind, column_text in zip(columns, kinds, column_texts,
                                                                                 strict=True))

    def rows_text(keys: Sequence[Sequence[Any]], values: Sequence[Sequence[Any]]) -> list[str]:
        if not keys or not plan:
            return ["()"] * len(keys)
        parts = (list(zip(*keys, strict=True)), list(zip(*values, strict=True)))
        texts = [_column(parts[part][index], default, kind, cls, column_text, encoder, null)
                 for part, index, default, kind, cls, column_text, encoder in plan]
        return ["(" + row + ")" for row in map(",".join, zip(*texts, strict=True))]

    return rows_text


_TZINFO = operator.attrgetter("tzinfo")
_DATE, _TIME = datetime.datetime.date, datetime.datetime.time  # time(): the wall time without its zone
_DATE_ISO, _TIME_ISO = datetime.date.isoformat, datetime.time.isoformat
_SEP = "\x01"  # joins a column's values for one C call over all of them: escape_string leaves it as it is
_BOOLS = {True: "1", False: "0"}


def _column(col: Sequence[Any], default: Any, kind: str, cls: type | None,  # noqa: PLR0917
            column_text: Callable[[Any], str], encoder: Any, null: bool) -> list[str]:
    """One column's value texts for a batch: ``[column_text(x) for x in col]``, with the usual case of every value
    of the column's class (or None) written by C loops over the whole column."""
    if default is not None and None in col:
        col = [default if x is None else x for x in col]
    classes = set(map(type, col))
    if cls is None or kind == "generic" or not classes <= {cls, type(None)} or (not null and type(None) in classes):
        return list(map(column_text, col))
    if type(None) in classes:  # a sparse column: the values' texts, NULL between
        present = [x for x in col if x is not None]
        texts = iter(_whole_column(present, kind, column_text, encoder))
        return ["NULL" if x is None else next(texts) for x in col]
    return _whole_column(col, kind, column_text, encoder)


def _whole_column(col: Sequence[Any], kind: str, column_text: Callable[[Any], str], encoder: Any) -> list[str]:
    """The texts of values all of the column's class: what ``column_text`` gives each, mostly in C loops."""
    if kind == "int":
        return list(map(str, col))
    if kind == "bool":
        return list(map(_BOOLS.__getitem__, col))
    if kind == "call":
        return list(map(encoder, col))
    if kind in ("quote-table", "quote-no-backslash", "date", "datetime-utc"):
        return _quoted_column(col, kind, column_text)
    if kind == "decimal":
        texts = list(map(str, col))
        joined = _SEP.join(texts)
        if "E" in joined or "N" in joined or "I" in joined:  # an exponent, NaN or Infinity: one by one
            return list(map(column_text, col))
        return texts
    if kind == "float":
        texts = list(map(repr, col))
        joined = _SEP.join(texts)
        if "n" in joined:  # inf or nan: pymysql's error, one by one
            return list(map(column_text, col))
        if "e" in joined:
            return [text if "e" in text else text + "e0" for text in texts]
        return (joined.replace(_SEP, "e0" + _SEP) + "e0").split(_SEP)
    return list(map(column_text, col))


def _quoted_column(col: Sequence[Any], kind: str, column_text: Callable[[Any], str]) -> list[str]:
    """Quoted texts (strings, dates, UTC datetimes) escaped or formatted as one text, then split."""
    if kind == "datetime-utc":
        if set(map(_TZINFO, col)) != {datetime.UTC}:
            return list(map(column_text, col))
        # the naive value's isoformat(" "): its date's and its (naive) time's texts, cheaper than the aware value's
        days, times = map(_DATE_ISO, map(_DATE, col)), map(_TIME_ISO, map(_TIME, col))
        joined = "'\x01'".join(map(" ".join, zip(days, times, strict=True)))
    elif kind == "date":
        joined = "'\x01'".join(map(datetime.date.isoformat, col))
    else:
        joined = _SEP.join(col)
        if joined.count(_SEP) != len(col) - 1:  # a value holds the separator: one by one
            return list(map(column_text, col))
        from pymysql import converters

        joined = (joined.translate(converters._escape_table)  # type: ignore[attr-defined]  # escape_string's
                  if kind == "quote-table" else joined.replace("'", "''")).replace(_SEP, "'\x01'")
    return ("'" + joined + "'").split(_SEP)


def _compile_column_texts(kinds: tuple[str, ...], null: bool) -> Callable[..., Any]:
    """The factory ``(encoders, classes, binders, get, escape) -> (text of one value, per column)`` for columns of
    these kinds (generated source; the default is already in place of a None)."""
    n = len(kinds)
    lines = ["def factory(E, C, B, get, escape):"]
    if n:
        for letter in "ECB":
            lines.append(f"    {', '.join(f'{letter}{i}' for i in range(n))}, = {letter}")
    lines.append("    def generic(x):")
    lines.append("        return (get(x.__class__) or escape)(x)")
    for i, kind in enumerate(kinds):
        lines.append(f"    def t{i}(x{i}):")
        expr = f"generic(B{i}(x{i}))"
        if kind == "datetime-utc":
            expr = f"({_INLINE[kind].format(i=i)}) if x{i}.__class__ is C{i} and x{i}.tzinfo is UTC else {expr}"
        elif kind != "generic":
            expr = f"({_INLINE[kind].format(i=i)}) if x{i}.__class__ is C{i} else {expr}"
        if null:
            expr = f"'NULL' if x{i} is None else ({expr})"
        lines.append(f"        return {expr}")
    lines.append(f"    return ({''.join(f't{i},' for i in range(n))})")
    from pymysql import converters

    namespace: dict[str, Any] = {"T": converters._escape_table,  # type: ignore[attr-defined]  # escape_string's
                                 "UTC": datetime.UTC}
    exec(compile("\n".join(lines), "<mysql struct column texts>", "exec"), namespace)
    return namespace["factory"]


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
        escapes[str] = _quote_no_backslash
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


def _quote_no_backslash(value: str) -> str:
    """``Connection.escape`` of a string in a ``NO_BACKSLASH_ESCAPES`` session: quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


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

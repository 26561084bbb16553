"""pymysql as the source's connections use it: the same results, without three per-connection and per-row costs.

- Decoders: canonical DATETIME and DATE text is parsed by ``fromisoformat`` in C; any other text (zero dates,
  out-of-range values) goes to pymysql's own decoder and gets exactly its result.
- TLS: pymysql's default PREFERRED context verifies nothing yet loads the system CA store on every connection (every
  cold start); ``connection_class`` gives the same context without the store.
- Rows: ``row_reader`` reads length-encoded columns straight from the packet in a function generated per result set,
  installed on the querier's streaming cursor (``streaming_cursor_class``), instead of four method calls per column.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import weakref
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["connection_class", "conversions", "decode_date", "decode_datetime", "preferred_tls_context", "reader_fits",
           "row_reader", "streaming_cursor_class"]

_datetime_from_iso = dt.datetime.fromisoformat
_date_from_iso = dt.date.fromisoformat


def decode_datetime(text: str) -> Any:
    """pymysql's ``convert_datetime``: a naive ``datetime``, or what pymysql gives for a non-canonical text."""
    n = len(text)
    # fromisoformat reads ASCII digits only, so with these separators in place its success means the text is
    # dddd-dd-dd dd:dd:dd[.d{1,6}], which pymysql's regex reads to the same fields
    if (n == 19 or 20 < n < 27 and text[19] == "." and text[20:].isdigit()) and text[10] == " " and \
            text[4] == text[7] == "-" and text[13] == text[16] == ":":
        try:
            return _datetime_from_iso(text)
        except ValueError:
            pass
    from pymysql.converters import convert_datetime

    return convert_datetime(text)


def decode_date(text: str) -> Any:
    """pymysql's ``convert_date``: a ``date``, or what pymysql gives for a non-canonical text."""
    if len(text) == 10 and text[4] == text[7] == "-":
        try:
            return _date_from_iso(text)
        except ValueError:
            pass
    from pymysql.converters import convert_date

    return convert_date(text)


def conversions() -> dict[Any, Any]:
    """pymysql's ``conv`` (its encoders and decoders) with the two decoders above for DATETIME, TIMESTAMP, DATE."""
    from pymysql.constants import FIELD_TYPE
    from pymysql.converters import conversions as defaults

    conv: dict[Any, Any] = dict(defaults)
    conv[FIELD_TYPE.DATETIME] = conv[FIELD_TYPE.TIMESTAMP] = decode_datetime
    conv[FIELD_TYPE.DATE] = decode_date
    return conv


def preferred_tls_context() -> Any:
    """pymysql's PREFERRED-mode context (``Connection._create_ssl_ctx({})``) without the CA store it never reads:
    ``create_default_context``'s client context, hostname check and verification off, SSLv2/3 off."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:
        ctx.keylog_filename = keylog
    ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.options |= ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3
    return ctx


@functools.cache
def connection_class() -> type:
    """``pymysql.connect``'s class with the PREFERRED-mode context of ``preferred_tls_context``; TLS settings of the
    URL (a non-empty ``ssl`` mapping or ``ssl_*`` arguments) still build pymysql's own context."""
    from pymysql.connections import Connection

    class SourceConnection(Connection):
        def _create_ssl_ctx(self, sslp: Any) -> Any:
            if isinstance(sslp, dict) and not sslp:  # PREFERRED mode: no TLS setting given
                return preferred_tls_context()
            return super()._create_ssl_ctx(sslp)  # type: ignore[misc]  # pymysql private, not in its stubs

    return SourceConnection


_LENGTH_WIDTHS: Final = {252: 2, 253: 3, 254: 8}  # length-encoded integers: 0xFC, 0xFD, 0xFE prefixes
_NULL_COLUMN: Final = 251


_READERS: dict[tuple[Any, ...], Callable[[Any], Callable[[Any], tuple[Any, ...]]]] = {}
_READERS_MAX: Final = 256


def row_reader(result: Any) -> Callable[[Any], tuple[Any, ...]]:
    """``result._read_row_from_packet`` for one result set, without pymysql's four method calls per column.

    Generated from the result's (encoding, converter) pairs (once per process for each distinct list: compiling
    is not free, and every invocation queries again): each length-encoded column read straight from
    the packet's bytes, decoded and converted exactly as pymysql does; a packet it would read otherwise (fewer
    columns than the result, a length past the packet's end) goes to pymysql's own method from the packet's start,
    which gives its exact result or error.
    """
    columns = tuple(result.converters)
    make = _READERS.get(columns)
    if make is None:
        if len(_READERS) >= _READERS_MAX:
            _READERS.clear()
        make = _READERS[columns] = _compile_reader(columns)
    return make(result)


def _compile_reader(columns: tuple[Any, ...]) -> Callable[[Any], Callable[[Any], tuple[Any, ...]]]:
    """``make(result) -> read_row`` for results with these (encoding, converter) pairs."""
    from pymysql.connections import MySQLResult

    env: dict[str, Any] = {"original": MySQLResult._read_row_from_packet,  # type: ignore[attr-defined]
                           "W": _LENGTH_WIDTHS, "from_bytes": int.from_bytes, "weak": weakref.ref}
    # The reader is stored on its result, so it holds the result weakly: a strong reference would make a cycle that
    # only the cyclic collector frees, and pymysql's ``MySQLResult.__del__`` then runs at an arbitrary later point
    # (on a closed connection it raises there, inside whatever code the collector interrupted).
    short = "packet._position = start\n            return original(result_ref(), packet)"
    lines = ["def make(result):", "    result_ref = weak(result)", "    def read_row(packet):",
             "        data = packet._data", "        pos = start = packet._position", "        end = len(data)"]
    for k, (encoding, converter) in enumerate(columns):
        value = "data[pos:stop]"
        if encoding is not None:
            env[f"E{k}"] = encoding
            value = f"{value}.decode(E{k})"
        if converter is not None:
            env[f"C{k}"] = converter
            value = f"C{k}({value})"
        lines += [
            "        if pos >= end:",
            f"            {short}",
            "        c = data[pos]",
            f"        if c < {_NULL_COLUMN}:",
            "            pos += 1",
            "            stop = pos + c",
            f"        elif c == {_NULL_COLUMN} or c == 255:",  # pymysql reads 0xFF as NULL too
            "            pos += 1",
            "            stop = -1",
            "        else:",
            "            w = W[c]",
            "            stop = pos + 1 + w + from_bytes(data[pos + 1:pos + 1 + w], 'little')",
            "            pos += 1 + w",
            "        if stop < 0:",
            f"            v{k} = None",
            "        elif stop > end:",
            f"            {short}",
            "        else:",
            f"            v{k} = {value}",
            "            pos = stop",
        ]
    lines += ["        packet._position = pos", f"        return ({''.join(f'v{k}, ' for k in range(len(columns)))})",
              "    return read_row"]
    namespace = dict(env)
    exec(compile("\n".join(lines), "<mysql row reader>", "exec"), namespace)
    make: Callable[[Any], Callable[[Any], tuple[Any, ...]]] = namespace["make"]
    return make


# The generated reader reads pymysql's private packet fields (``_data``, ``_position``) and replaces a private method:
# only on the release line its tests compared it with (tests/unit/connectors/jdbc/test_mysql_driver.py); any other
# reads its rows with pymysql's own reader.
_TESTED_PYMYSQL: Final = (1, 2)


@functools.cache
def reader_fits() -> bool:
    """Whether the installed pymysql is of the release line ``row_reader`` was tested on."""
    import pymysql

    return tuple(pymysql.VERSION[:2]) == _TESTED_PYMYSQL


@functools.cache
def streaming_cursor_class() -> type:
    """pymysql's ``SSCursor`` whose result sets read their rows with ``row_reader`` (pymysql's own reader on a pymysql
    the reader was not tested on), and whose ``close`` leaves nothing for a finalizer to retry."""
    from pymysql import connections
    from pymysql.cursors import SSCursor

    fast_rows = reader_fits()

    class SourceCursor(SSCursor):
        def _query(self, q: str) -> int:
            rowcount: int = super()._query(q)  # type: ignore[misc]  # pymysql private, not in its stubs
            result: Any = self._result  # type: ignore[attr-defined]
            if fast_rows and result is not None and result.unbuffered_active and not connections.DEBUG:
                result._read_row_from_packet = row_reader(result)
            return rowcount

        def close(self) -> None:
            """``SSCursor.close`` reads the rest of an unfinished result off the socket. When that fails (a lost or
            closed connection) pymysql leaves the result marked unread, and its ``__del__`` and the cursor's try
            again wherever they are collected, raising there; here the result is let go and the error raised once."""
            try:
                super().close()
            except BaseException:
                result: Any = self._result  # type: ignore[attr-defined]
                if result is not None:
                    result.unbuffered_active = False
                    result.connection = None
                self.connection = None  # type: ignore[assignment]  # pymysql sets it so on close
                raise

        __del__ = close

    return SourceCursor

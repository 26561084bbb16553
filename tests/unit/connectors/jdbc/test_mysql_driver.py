"""The source's pymysql set-up against pymysql's own: DATETIME/DATE decoders text by text, the PREFERRED TLS context,
the row reader packet by packet."""

from __future__ import annotations

import datetime as dt
import decimal
import gc
import random
import ssl
import weakref
from typing import TYPE_CHECKING, Any

import pymysql
import pytest
from pymysql.connections import Connection, MySQLResult
from pymysql.constants import FIELD_TYPE
from pymysql.converters import conversions as pymysql_conversions
from pymysql.converters import convert_date, convert_datetime
from pymysql.protocol import MysqlPacket

from connect_core.connectors.jdbc._mysql_driver import (
    connection_class,
    conversions,
    decode_date,
    decode_datetime,
    preferred_tls_context,
    reader_fits,
    row_reader,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

# canonical server text, and every shape fromisoformat accepts that pymysql's regex does not (or reads otherwise)
DATETIMES = [
    "2024-03-05 12:34:56", "1970-01-01 00:00:00", "9999-12-31 23:59:59.999999", "1000-01-01 00:00:00.000000",
    "2024-03-05 12:34:56.1", "2024-03-05 12:34:56.12", "2024-03-05 12:34:56.123", "2024-03-05 12:34:56.12345",
    "2024-03-05 12:34:56.000001", "2024-02-29 00:00:00", "0000-00-00 00:00:00", "0000-00-00 00:00:00.000",
    "2024-00-00 00:00:00", "2023-02-29 00:00:00", "2024-02-30 10:00:00", "2024-03-05 24:00:00",
    "2024-03-05 12:60:00", "2024-03-05 12:34:60", "2024-03-05T12:34:56", "2024-03-05T12:34:56.5", "2024-3-5 1:2:3",
    "2024-03-05 12:34:56.1234567", "2024-03-05 12:34:56.", "2024-03-05 12:34:56,123", "2024-03-05 12:34",
    "2024-03-05 12:34+01", "2024-03-05 12+01:00", "2024-03-05 12:34:56Z", "2024-03-05 12:34:56+01:00",
    "2024-03-05 12:34:56.1+01", "2024-03-05 12:34:56.123Z", "2024-W10-2 12:34:56", "2024-03-05x12:34:56",
    "20240305 12:34:56", "2024-03-05 123456", "2024-03-05", "2024-03-05 12:34:5\u0665", "\u0662024-03-05 12:34:56",
    "2024-03-05 12:34:56.\u0661\u0662", "", "garbage", "2024-03-05 12:34:56 ", " 2024-03-05 12:34:56",
    "0001-01-01 00:00:00", "99999-01-01 00:00:00",
]
DATES = [
    "2024-03-05", "1970-01-01", "9999-12-31", "1000-01-01", "0000-00-00", "2024-00-00", "2024-02-30", "2023-02-29",
    "2024-3-5", "20240305", "2024-W10-2", "2024-W10", "2024-03-05 00:00:00", "2024-03", "", "garbage",
    "2024-03-0\u0665", "2024/03/05", "-024-03-05", "0001-01-01",
]


def _outcome(decode: Callable[[str], object], text: str) -> tuple[type, object]:
    try:
        value = decode(text)
    except Exception as e:  # pymysql raises for some texts (a TypeError for "20240305"): so must ours
        return type(e), str(e)
    return type(value), value


def _same(ours: Callable[[str], object], theirs: Callable[[str], object], text: str) -> None:
    assert _outcome(ours, text) == _outcome(theirs, text)


@pytest.mark.parametrize("text", DATETIMES)
def test_datetime_as_pymysql(text: str) -> None:
    _same(decode_datetime, convert_datetime, text)


@pytest.mark.parametrize("text", DATES)
def test_date_as_pymysql(text: str) -> None:
    _same(decode_date, convert_date, text)


def test_random_canonical_values_as_pymysql() -> None:
    rng = random.Random(26)
    start = dt.datetime(1000, 1, 1)
    for _ in range(5000):
        value = start + dt.timedelta(seconds=rng.randrange(9000 * 365 * 86400), microseconds=rng.randrange(10**6))
        for digits in range(7):
            text = value.strftime("%Y-%m-%d %H:%M:%S") + (f".{value.microsecond:06d}"[:digits + 1] if digits else "")
            _same(decode_datetime, convert_datetime, text)
        _same(decode_date, convert_date, text[:10])


def test_conversions_replace_only_the_temporal_decoders() -> None:
    ours = conversions()
    changed = {k for k in ours.keys() | pymysql_conversions.keys() if ours.get(k) is not pymysql_conversions.get(k)}
    assert changed == {FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP, FIELD_TYPE.DATE}


def _settings(ctx: ssl.SSLContext) -> dict[str, object]:
    return {"protocol": ctx.protocol, "options": ctx.options, "verify_mode": ctx.verify_mode,
            "check_hostname": ctx.check_hostname, "verify_flags": ctx.verify_flags,
            "minimum_version": ctx.minimum_version, "maximum_version": ctx.maximum_version,
            "ciphers": ctx.get_ciphers(), "post_handshake_auth": ctx.post_handshake_auth,
            "hostname_checks_common_name": ctx.hostname_checks_common_name, "security_level": ctx.security_level,
            "keylog_filename": ctx.keylog_filename, "sni_callback": ctx.sni_callback}


@pytest.mark.parametrize("keylog", [None, "keys.log"])
def test_preferred_tls_context_is_pymysqls_without_the_ca_store(
        keylog: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if keylog is None:
        monkeypatch.delenv("SSLKEYLOGFILE", raising=False)
    else:
        monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / keylog))
    reference = Connection._create_ssl_ctx(None, {})  # what pymysql's PREFERRED mode builds (self is unused)
    ours = preferred_tls_context()
    assert _settings(ours) == _settings(reference)
    assert reference.verify_mode == ssl.CERT_NONE and not reference.check_hostname  # the store is never read
    assert ours.cert_store_stats()["x509_ca"] == 0


def test_connection_class_builds_pymysqls_context_for_tls_settings(tmp_path: Path) -> None:
    cls = connection_class()
    assert issubclass(cls, Connection) and connection_class() is cls
    conn = cls.__new__(cls)  # no server: only the context choice is under test
    assert _settings(conn._create_ssl_ctx({})) == _settings(preferred_tls_context())
    given = ssl.create_default_context()
    assert conn._create_ssl_ctx(given) is given
    required = conn._create_ssl_ctx({"verify_mode": True, "check_hostname": False})  # a URL's TLS settings
    assert required.verify_mode == ssl.CERT_REQUIRED and required.cert_store_stats()["x509_ca"] > 0


class _Result:
    """What ``row_reader`` and pymysql's ``_read_row_from_packet`` read of a ``MySQLResult``: its converters."""

    def __init__(self, converters: list[tuple[str | None, Callable[[Any], Any] | None]]) -> None:
        self.converters = converters


def _length(n: int, width: int = 0) -> bytes:
    """A length-encoded integer, minimal unless ``width`` forces a prefix (2, 3 or 8 bytes)."""
    if not width:
        width = 0 if n < 251 else 2 if n < 2**16 else 3 if n < 2**24 else 8
    return bytes([n]) if not width else bytes([{2: 252, 3: 253, 8: 254}[width]]) + n.to_bytes(width, "little")


def _read_both(result: _Result, data: bytes, position: int = 0) -> None:
    """Our reader and pymysql's on the same packet: same row (value and type) or same error, same end position."""
    outcomes = []
    for read in (row_reader(result), lambda packet: MySQLResult._read_row_from_packet(result, packet)):
        packet = MysqlPacket(data, "utf8")
        packet._position = position
        try:
            row: object = read(packet)
            outcome: tuple[object, ...] = ("row", [(type(v), v) for v in row], packet._position)  # type: ignore[attr-defined]
        except Exception as e:
            outcome = ("error", type(e), str(e))
        outcomes.append(outcome)
    assert outcomes[0] == outcomes[1]


CONVERTERS: list[tuple[str | None, Callable[[Any], Any] | None]] = [
    ("ascii", int), ("utf8", None), ("ascii", decimal.Decimal), ("ascii", float), ("ascii", decode_datetime),
    ("ascii", decode_date), (None, None), ("utf8", None),
]
VALUES = [b"-12345", "näme-1 €".encode(), b"123.45", b"86.25", b"2024-03-05 12:34:56.5", b"2024-03-05",
          b"\x00\xff\xfe binary", b"note"]


def test_row_reader_reads_rows_as_pymysql() -> None:
    result = _Result(CONVERTERS)
    _read_both(result, b"".join(_length(len(v)) + v for v in VALUES))
    _read_both(result, b"\xfb" * len(VALUES))  # all NULL
    _read_both(result, b"\xff" + b"".join(_length(len(v)) + v for v in VALUES[1:]))  # 0xFF reads as NULL too
    _read_both(result, b"xx" + b"".join(_length(len(v)) + v for v in VALUES), position=2)  # a packet read on
    for size in (0, 1, 250, 251, 252, 65535, 65536, 2**20):  # each length prefix
        text = ("é" * size).encode()[:size] if size % 2 == 0 else b"a" * size
        row = [_length(len(v)) + v for v in VALUES]
        row[7] = _length(size) + text
        _read_both(result, b"".join(row))
        row[6] = _length(size, 8) + b"b" * size  # a non-minimal 8-byte length
        _read_both(result, b"".join(row))
    rng = random.Random(26)
    for _ in range(500):
        row = [b"\xfb" if rng.random() < 0.2 else _length(len(v), rng.choice((0, 2, 3, 8))) + v for v in VALUES]
        _read_both(result, b"".join(row))


def test_row_reader_short_and_bad_packets_as_pymysql() -> None:
    result = _Result(CONVERTERS)
    full = b"".join(_length(len(v)) + v for v in VALUES)
    for cut in range(len(full)):  # every truncation: fewer columns, a length or a value past the end
        _read_both(result, full[:cut])
    _read_both(result, full + b"\x01x")  # bytes after the last column stay unread
    _read_both(result, _length(3) + b"abc" + full[7:])  # int("abc") fails in the first column
    bad = [_length(len(v)) + v for v in VALUES]
    bad[1] = _length(2) + b"\xc3\x28"  # not UTF-8
    _read_both(result, b"".join(bad))
    bad[1] = b"\xfc\x05"  # a 2-byte length cut short
    _read_both(result, b"".join(bad[:2]))
    _read_both(_Result([]), full)


def test_row_reader_compiled_once_per_column_list() -> None:
    """Every invocation queries again: results with the same columns share one generated reader (compiling costs
    ~3 ms), each reading its own result (pymysql's fallback included)."""
    first, second = _Result(CONVERTERS), _Result(list(CONVERTERS))
    read_first, read_second = row_reader(first), row_reader(second)
    assert read_first is not read_second and read_first.__code__ is read_second.__code__
    assert read_first.__closure__[0].cell_contents() is first  # type: ignore[index]
    assert read_second.__closure__[0].cell_contents() is second  # type: ignore[index]
    full = b"".join(_length(len(v)) + v for v in VALUES)
    _read_both(second, full)
    _read_both(second, full[:20])


def test_a_result_holding_its_row_reader_is_freed_without_the_cyclic_collector() -> None:
    """The reader is stored on its result (``result._read_row_from_packet``): were it to hold the result strongly,
    only the cyclic collector would free the pair, and pymysql's ``MySQLResult.__del__`` (which reads the rest of an
    unfinished result from the socket, and raises on a closed connection) would run inside whatever it interrupted."""
    result = _Result(CONVERTERS)
    result._read_row_from_packet = row_reader(result)  # type: ignore[attr-defined]
    freed = weakref.ref(result)
    gc.disable()
    try:
        del result
        assert freed() is None
    finally:
        gc.enable()


def test_the_row_reader_is_used_on_the_pymysql_line_these_tests_compared() -> None:
    # The reader replaces a private pymysql method and reads private packet fields: another release line of pymysql
    # reads with its own reader until these tests have compared the generated one with it (then update the line).
    assert reader_fits(), f"pymysql {pymysql.VERSION}: re-run these tests, then set _TESTED_PYMYSQL"

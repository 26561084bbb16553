"""A fix for python-mysql-replication's TIME(fsp) binlog decoding (``RowsEvent.__read_time2``).

The library takes the two's complement of the integer part only, so the fraction of a negative TIME comes out as
its complement: ``-01:02:03.250`` reads as ``-01:02:03.750``. The wrapper keeps the library's decoding and mirrors
the fraction back.

"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["install"]

_SECOND_US = 1_000_000


def install() -> None:
    """Wrap the library's decoder once."""
    from pymysqlreplication.row_event import RowsEvent

    original = RowsEvent._RowsEvent__read_time2
    if getattr(original, "lambda_connect_fixed", False):
        return

    def read_time2(self: Any, column: Any) -> dt.timedelta:
        value: dt.timedelta = original(self, column)
        if value >= dt.timedelta(0):
            return value
        micros = -((value.days * 86_400 + value.seconds) * _SECOND_US + value.microseconds)
        whole, fraction = divmod(micros, _SECOND_US)
        if not fraction:
            return value
        return -dt.timedelta(microseconds=whole * _SECOND_US + (_SECOND_US - fraction))

    read_time2.lambda_connect_fixed = True  # type: ignore[attr-defined]
    RowsEvent._RowsEvent__read_time2 = read_time2

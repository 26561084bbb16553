"""The replication stream's wait for data works on a descriptor past ``select``'s limit of 1,023 (a warm process with
many connections gets there: the Lambda model's PostgreSQL schedules failed with "filedescriptor out of range")."""

from __future__ import annotations

import os
import resource
import socket

import pytest

from connect_core.connectors.postgres._stream import _readable


class _Cursor:
    """Stands for psycopg2's replication cursor: only its ``fileno`` is waited on."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def fileno(self) -> int:
        return self.fd


def test_a_descriptor_past_1023_is_waited_on() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft <= 1500:
        pytest.skip(f"open files limited to {soft}")
    ours, theirs = socket.socketpair()
    high = os.dup2(ours.fileno(), 1500)
    try:
        cursor = _Cursor(high)
        assert not _readable(cursor, 0.01)
        theirs.sendall(b"x")
        assert _readable(cursor, 1.0)
    finally:
        os.close(high)
        ours.close()
        theirs.close()

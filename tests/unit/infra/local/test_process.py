"""The start path's wait for a briefly busy port (infra/local/_process.py: await_port)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from infra.local import _process as proc


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_a_free_port_means_start() -> None:
    sock = _listener()
    port = sock.getsockname()[1]
    sock.close()
    assert proc.await_port("svc", "127.0.0.1", (port,), lambda: False, timeout=5) is False


def test_a_port_freed_meanwhile_means_start() -> None:
    sock = _listener()
    timer = threading.Timer(1.0, sock.close)
    timer.start()
    try:
        assert proc.await_port("svc", "127.0.0.1", (sock.getsockname()[1],), lambda: False, timeout=30) is False
    finally:
        timer.cancel()
        sock.close()


def test_a_healthy_service_on_the_port_means_nothing_to_start() -> None:
    with _listener() as sock:
        assert proc.await_port("svc", "127.0.0.1", (sock.getsockname()[1],), lambda: True, timeout=5) is True


def test_a_port_that_stays_taken_fails_naming_the_service_port_and_holder() -> None:
    with _listener() as sock:
        port = sock.getsockname()[1]
        with pytest.raises(proc.ServiceError) as error:
            proc.await_port("svc", "127.0.0.1", (port,), lambda: False, timeout=0.5)
    message = str(error.value)
    assert message.startswith(f"svc: port 127.0.0.1:{port} is still taken")
    assert f"pid {os.getpid()}" in message

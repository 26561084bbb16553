"""An HTTP proxy in front of a real service that holds each answer back and records how many requests overlapped.

Sink tests use it to prove that writes overlap (two requests in flight at once, counted here, never judged by a
timing threshold) and to fail one chosen write with the status a real service would give.
"""

from __future__ import annotations

import http.client
import http.server
import threading
import time
import urllib.parse
from typing import TYPE_CHECKING

from infra.local._process import free_server_port

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["SlowProxy", "slow_proxy"]

_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"})


class SlowProxy:
    """Forwards every request to ``target``; ``delay_s`` after the answer arrives it is sent on."""

    def __init__(self, target: str, delay_s: float) -> None:
        parsed = urllib.parse.urlsplit(target)
        self.target_host, self.target_port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.delay_s = delay_s
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.requests: list[tuple[str, str]] = []  # (method, path) in arrival order
        self.events: list[tuple[str, str, str]] = []  # ("start" | "end", method, path) in the order they happened
        self.delayed = 0
        self.answered_s = 0.0  # the delays added, summed over requests
        # (method, path) -> (status, body) to answer instead of forwarding: a failed write
        self.fail: Callable[[str, str], tuple[int, bytes] | None] = lambda method, path: None
        self.slow: Callable[[str, str], bool] = lambda method, path: True
        self.port = free_server_port()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                method, path = self.command, self.path
                with proxy.lock:
                    proxy.requests.append((method, path))
                    proxy.events.append(("start", method, path))
                    proxy.in_flight += 1
                    proxy.most_in_flight = max(proxy.most_in_flight, proxy.in_flight)
                status, data, headers = 0, b"", []
                try:
                    failure = proxy.fail(method, path)
                    if failure is not None:
                        status, data, headers = failure[0], failure[1], [("Content-Type", "application/xml")]
                    else:
                        conn = http.client.HTTPConnection(proxy.target_host, proxy.target_port, timeout=60)
                        try:
                            conn.request(method, path, body=body,
                                         headers={k: v for k, v in self.headers.items() if k.lower() not in _HOP})
                            response = conn.getresponse()
                            status, data = response.status, response.read()
                            headers = [(k, v) for k, v in response.getheaders()
                                       if k.lower() not in _HOP and k.lower() != "content-length"]
                        finally:
                            conn.close()
                    if proxy.slow(method, path):
                        time.sleep(proxy.delay_s)
                        with proxy.lock:
                            proxy.delayed += 1
                            proxy.answered_s += proxy.delay_s
                finally:  # counted as ended before the client can read the answer and send its next request
                    with proxy.lock:
                        proxy.in_flight -= 1
                        proxy.events.append(("end", method, path))
                if status:
                    self.send_response(status)
                    for k, v in headers:
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if method != "HEAD":
                        self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, method: str, contains: str = "") -> int:
        """How many requests of ``method`` whose path contains ``contains`` came."""
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and contains in p)


def slow_proxy(target: str, delay_s: float) -> Iterator[SlowProxy]:
    """A started proxy (a generator for a fixture), shut down afterwards."""
    proxy = SlowProxy(target, delay_s)
    proxy.thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()

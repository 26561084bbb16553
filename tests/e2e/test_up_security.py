"""`lambda-connect up` is safe on a laptop: loopback only, local Host names only, Kafka's basic auth, files confined.

One `up` started as a user would (no LAMBDA_CONNECT_FILE_ROOTS: the default ./data) with Kafka Connect's own JAAS file.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import start_up

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

ADMIN = "Basic " + base64.b64encode(b"admin:s3cret").decode()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (/proc/net/tcp and tcp6; state 0A = LISTEN)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def _get(url: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # loopback
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_up_binds_loopback_answers_local_hosts_with_credentials_and_confines_files(
    kafka_bootstrap: str, tmp_path: Path,
) -> None:
    (tmp_path / "credentials.properties").write_text("admin=s3cret\n")
    (tmp_path / "connect_jaas.conf").write_text(
        "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n"
        f'  file="{tmp_path / "credentials.properties"}";\n}};\n')
    with start_up(kafka_bootstrap, tmp_path, "--jaas-config", str(tmp_path / "connect_jaas.conf"),
                  authorization=ADMIN, unset=("LAMBDA_CONNECT_FILE_ROOTS",)) as up:
        port = int(up.url.rsplit(":", 1)[1])
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only, nothing on other interfaces

        assert _get(up.url + "/connectors", {}) == (401, "application/json", b"User cannot access the resource.")
        assert _get(up.url + "/connectors", {"Authorization": ADMIN}) == (200, "application/json", b"[]")
        assert _get(up.url + "/metrics", {})[0] == 401  # the Prometheus endpoint sits behind the same login
        status, media_type, _ = _get(up.url + "/metrics", {"Authorization": ADMIN})
        assert (status, media_type) == (200, "text/plain; version=0.0.4; charset=utf-8")
        status, _, body = _get(up.url + "/connectors", {"Authorization": ADMIN, "Host": "rebound.example"})
        assert status == 403
        assert json.loads(body)["message"].startswith("Host header 'rebound.example' is not allowed")

        data = tmp_path / "data"  # created by up: the default file root
        status, answer = up.http("POST", "/connectors", {"name": "out", "config": {
            "connector.class": "FileStreamSink", "file": "../.bashrc", "topics": up.prefix}})
        assert status == 400
        assert (f"Invalid value ../.bashrc for configuration file: the path resolves to {tmp_path / '.bashrc'}, "
                f"outside the allowed file roots: {data}") in answer["message"]
        (data / "in.txt").write_text("one\n")
        assert up.http("POST", "/connectors", {"name": "in", "config": {
            "connector.class": "FileStreamSource", "file": "in.txt", "topic": up.prefix}})[0] == 201
        up.wait_for(lambda: up.http("GET", "/connectors/in/offsets")[1]["offsets"], "the line read from data/in.txt")

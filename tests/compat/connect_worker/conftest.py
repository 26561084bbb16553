"""A real Kafka Connect distributed worker (``_oracle.KAFKA_VERSION``, 4.3.1) on the shared broker, once per session.

The jars come from Maven Central through ``pom.xml`` next to this file; the resolved classpath is
cached in ``.run/compat/connect_worker.classpath``. Group id and internal topic names are unique
per session, so the worker never meets another session's (or another engineer's) state.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.kafka.settings import KafkaClientSettings
from connect_core.storage.config import StorageConfig
from tests.compat._oracle import maven_classpath, require_tool
from tests.fixtures.kafka_topics import delete_prefixed

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = Path(__file__).resolve().parent
REST_HOST = "127.0.0.1"
START_TIMEOUT_S = 90.0

_WORKER_PROPERTIES = """\
bootstrap.servers={bootstrap}
group.id={prefix}
listeners=http://{host}:{port}
rest.advertised.host.name={host}
rest.advertised.port={port}
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
config.storage.topic={prefix}-configs
offset.storage.topic={prefix}-offsets
status.storage.topic={prefix}-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.flush.interval.ms=500
plugin.discovery=only_scan
"""

_LOG4J2 = """\
appender.c.type=Console
appender.c.name=STDOUT
appender.c.layout.type=PatternLayout
appender.c.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.c.ref=STDOUT
logger.connect.name=org.apache.kafka.connect
logger.connect.level=INFO
"""


@dataclass
class ConnectWorker:
    """How to reach the running worker and its internal topics."""

    url: str
    worker_id: str
    settings: KafkaClientSettings
    storage: StorageConfig
    prefix: str
    log: Path
    authorization: str | None = None  # the Authorization header every call sends (a worker with REST auth)

    def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One REST call; returns (status, parsed JSON body or None)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.authorization:
            headers["Authorization"] = self.authorization
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _body(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _body(error.read())

    def wait_for(self, what: str, check: Any, timeout_s: float = 30.0) -> Any:
        """Poll ``check()`` until it returns something truthy; fail with the worker's log tail."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.2)
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        pytest.fail(f"timed out waiting for {what}; worker log tail:\n{tail}", pytrace=False)


def _body(raw: bytes) -> Any:
    """JSON when it is JSON (Jetty answers HTML 404s while the worker is still starting)."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


@contextlib.contextmanager
def running_worker(pom: Path, port: int, bootstrap: str, directory: Path, stem: str, *, extra_properties: str = "",
                   jvm_args: tuple[str, ...] = (), authorization: str | None = None) -> Iterator[ConnectWorker]:
    """Run ``ConnectDistributed`` with the classpath of ``pom`` on ``port``; stop it and drop its topics at the end.

    Group id and topic names start with ``<stem>-<uuid>``, so two workers (and two sessions) never share state.
    ``extra_properties`` are appended to the worker properties, ``jvm_args`` go before the class name, and
    ``authorization`` is the header the harness's own calls send (a worker with a REST auth extension).
    """
    classpath = maven_classpath(pom, "-Dmdep.includeScope=runtime")
    prefix = f"{stem}-{uuid.uuid4().hex[:10]}"
    properties = directory / "worker.properties"
    properties.write_text(_WORKER_PROPERTIES.format(bootstrap=bootstrap, prefix=prefix, host=REST_HOST, port=port)
                          + extra_properties)
    (directory / "log4j2.properties").write_text(_LOG4J2)
    log = directory / "worker.log"
    settings = KafkaClientSettings(bootstrap_servers=bootstrap)
    worker = ConnectWorker(
        url=f"http://{REST_HOST}:{port}",
        worker_id=f"{REST_HOST}:{port}",
        settings=settings,
        storage=StorageConfig.model_validate({
            "config.storage.topic": f"{prefix}-configs",
            "offset.storage.topic": f"{prefix}-offsets",
            "status.storage.topic": f"{prefix}-status",
        }),
        prefix=prefix,
        log=log,
        authorization=authorization,
    )
    if _port_in_use(port):
        pytest.fail(f"port {port} is already serving something; another Connect worker?", pytrace=False)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [require_tool("java"), "-Xmx512m", f"-Dlog4j2.configurationFile={directory / 'log4j2.properties'}",
             *jvm_args, "-cp", classpath, "org.apache.kafka.connect.cli.ConnectDistributed", str(properties)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the worker exited ({process.returncode}):\n{log.read_text()[-3000:]}", pytrace=False)
        return _ready(worker)

    try:
        worker.wait_for("the worker's REST API", ready, START_TIMEOUT_S)
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        delete_prefixed(bootstrap, prefix)


@pytest.fixture(scope="session")
def connect_worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectWorker]:
    """Start ``ConnectDistributed`` and wait for its REST API; stop it and drop its topics at the end."""
    with running_worker(HERE / "pom.xml", free_port(), kafka_bootstrap, tmp_path_factory.mktemp("connect-worker"),
                        "compat-cw") as worker:
        yield worker


def free_port() -> int:
    """A port nothing listens on now: parallel test runs on one machine each get their own worker."""
    import socket

    with socket.socket() as probe:
        probe.bind((REST_HOST, 0))
        return int(probe.getsockname()[1])


def _port_in_use(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((REST_HOST, port)) == 0


def _ready(worker: ConnectWorker) -> bool:
    try:
        status, _ = worker.rest("GET", "/connectors")
    except OSError:
        return False
    return status == 200

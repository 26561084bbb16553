"""Apache Kafka, single combined broker+controller in KRaft mode, from Maven Central jars."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from infra.local import _process as proc
from infra.local.versions import KAFKA_VERSION, LOG4J_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable

NAME = "kafka"
HOST = "127.0.0.1"
# LAMBDA_CONNECT_KAFKA_PORT moves the broker (controller on the next port, SASL_SSL on the one after): a private copy
# in its own LAMBDA_CONNECT_RUN_DIR, next to the shared one, e.g. to try a Kafka release before the shared broker moves.
PORT = int(os.environ.get("LAMBDA_CONNECT_KAFKA_PORT", "9092"))
CONTROLLER_PORT = PORT + 1
# The authenticated listener: SASL_SSL with SCRAM-SHA-512 (what MSK and most managed clusters offer), over TLS with a
# CA this script makes; its user is created with Kafka's own ConfigCommand. The shared broker only.
SASL_PORT = PORT + 2
SASL_MECHANISM = "SCRAM-SHA-512"
SASL_USER = "connect"
START_TIMEOUT_S = 90.0
# Every partition holds one open file in the broker, and these machines cap a process at 20,000 open files: test runs
# leave thousands of uniquely named topics behind, and a broker restarted over ~19,800 of them dies while loading; one
# over ~8,800 takes longer than START_TIMEOUT_S to load here, and every one left costs the idle broker CPU.
PARTITION_DIRS_LIMIT = 5_000

_SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{host}:{controller_port}
listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}
advertised.listeners=PLAINTEXT://{host}:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
metadata.max.idle.interval.ms=5000
"""

_LOG4J2 = """\
appender.c.type=Console
appender.c.name=STDOUT
appender.c.layout.type=PatternLayout
appender.c.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=INFO
rootLogger.appenderRef.c.ref=STDOUT
logger.kafka.name=kafka
logger.kafka.level=WARN
logger.apache.name=org.apache.kafka
logger.apache.level=WARN
logger.started.name=kafka.server.KafkaRaftServer
logger.started.level=INFO
"""


_SASL_OVERRIDES = """\
listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port},SASL_SSL://{host}:{sasl_port}
advertised.listeners=PLAINTEXT://{host}:{port},SASL_SSL://{host}:{sasl_port}
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms={mechanism}
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location={keystore}
listener.name.sasl_ssl.ssl.keystore.password={store_password}
listener.name.sasl_ssl.ssl.key.password={store_password}
"""


def address() -> str:
    return f"{HOST}:{PORT}"


def settings() -> dict[str, str]:
    """The plaintext bootstrap, plus the SASL_SSL listener's: address, CA (PEM; a PKCS12 truststore for the JVM),
    user and password (``sasl.*``)."""
    tls = _tls_dir()
    credentials = json.loads((tls / "users.json").read_text()) if (tls / "users.json").exists() else {}
    return {
        "bootstrap.servers": address(), "sasl.bootstrap.servers": f"{HOST}:{SASL_PORT}",
        "ssl.ca.location": str(tls / "ca.pem"), "ssl.truststore.location": str(tls / "truststore.p12"),
        "ssl.truststore.password": credentials.get("store_password", ""), "sasl.mechanism": SASL_MECHANISM,
        "sasl.username": SASL_USER, "sasl.password": credentials.get(SASL_USER, ""),
    }


def _tls_dir() -> Path:
    return proc.service_dir(NAME) / "tls"


def _make_tls(tls: Path | None = None) -> dict[str, str]:
    """CA, broker certificate (localhost, 127.0.0.1) and stores in ``tls`` (the shared broker's by default), made
    once with openssl and keytool; the passwords (key stores and the SCRAM user's) are random and kept in
    users.json (0600)."""
    tls = tls or _tls_dir()
    users = tls / "users.json"
    if users.exists() and (tls / "broker.p12").exists() and (tls / "truststore.p12").exists():
        return dict(json.loads(users.read_text()))
    tls.mkdir(parents=True, exist_ok=True)
    store_password = secrets.token_hex(16)
    run = lambda *argv: proc.run(list(argv), name=NAME, cwd=tls)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-keyout", "ca.key",
        "-out", "ca.pem", "-subj", "/CN=lambda-connect local CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr",
        "-subj", "/CN=localhost")
    (tls / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "3650", "-out", "broker.pem", "-extfile", "san.ext")
    run("openssl", "pkcs12", "-export", "-in", "broker.pem", "-inkey", "broker.key", "-certfile", "ca.pem",
        "-name", "broker", "-out", "broker.p12", "-passout", f"pass:{store_password}")
    (tls / "truststore.p12").unlink(missing_ok=True)
    run("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "truststore.p12",
        "-storetype", "PKCS12", "-storepass", store_password)
    credentials = {"store_password": store_password, SASL_USER: secrets.token_hex(16)}
    users.write_text(json.dumps(credentials))
    users.chmod(0o600)
    return credentials


def _server_properties(directory: Path, credentials: dict[str, str]) -> str:
    base = _SERVER_PROPERTIES.format(host=HOST, port=PORT, controller_port=CONTROLLER_PORT, data=directory / "data")
    overrides = _SASL_OVERRIDES.format(host=HOST, port=PORT, controller_port=CONTROLLER_PORT, sasl_port=SASL_PORT,
                                       mechanism=SASL_MECHANISM, keystore=_tls_dir() / "broker.p12",
                                       store_password=credentials["store_password"])
    replaced = {line.split("=", 1)[0] for line in overrides.splitlines()}
    kept = [line for line in base.splitlines() if line.split("=", 1)[0] not in replaced]
    return "\n".join(kept) + "\n" + overrides


def _ensure_sasl_user(cp: str, password: str) -> bool:
    """The SCRAM user, created with Kafka's ConfigCommand over the plaintext listener when it has no credentials;
    True when it was created. An existing user keeps its password: another checkout's state directory (its own
    random password) must never reset the shared broker's, which every other session's clients log in with."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": address()})  # kept alive: a dropped client fails its futures at once
    for attempt in range(3):
        try:
            admin.describe_user_scram_credentials([SASL_USER])[SASL_USER].result(timeout=15)
            return False
        except Exception as error:  # a KafkaException, or the future's timeout: asked again, twice
            if isinstance(error, KafkaException) and error.args and \
                    error.args[0].code() == KafkaError.RESOURCE_NOT_FOUND:
                break  # no credentials yet
            if attempt == 2:  # no answer at all: add them (what a broker just started needs), as before
                print(f"{NAME}: could not describe the SCRAM user ({error}); adding its credentials", flush=True)
    proc.run(["java", "-cp", cp, "kafka.admin.ConfigCommand", "--bootstrap-server", address(), "--alter",
              "--add-config", f"{SASL_MECHANISM}=[password={password}]", "--entity-type", "users",
              "--entity-name", SASL_USER], name=NAME)
    return True


def healthy() -> bool:
    """A metadata round trip through the real client, not just an open port."""
    if not proc.port_open(HOST, PORT):
        return False
    from confluent_kafka.admin import AdminClient

    try:
        metadata = AdminClient({"bootstrap.servers": address(), "socket.timeout.ms": 3000}).list_topics(timeout=3)
    except Exception:  # any client failure means "not yet healthy"
        return False
    return bool(metadata.brokers)


_CLASSPATH_LOCK = threading.Lock()  # `make services` starts both clusters at once; one Maven resolve, not two


def classpath() -> str:
    with _CLASSPATH_LOCK:
        return proc.maven_classpath(
            NAME, Path(__file__).parent / "maven" / "kafka",
            {"kafka.version": KAFKA_VERSION, "log4j.version": LOG4J_VERSION},
        )


def running_version(port: int = PORT) -> str | None:
    """The Kafka release of the broker listening on ``port`` of this host, from the ``kafka_2.13-<version>.jar`` on
    its command line (None when no broker of ours listens there)."""
    pid = proc.listening_pid(port)
    if pid is None:
        return None
    match = re.search(r"kafka_2\.13-([0-9][^/:\s]*?)\.jar", proc.cmdline(pid))
    return match.group(1) if match else None


def _note_version(name: str, port: int) -> None:
    """A healthy broker of another release is left running (every checkout on this machine shares it, and an older
    checkout must not switch it back): say so, and how to switch."""
    running = running_version(port)
    if running is not None and running != KAFKA_VERSION:
        print(f"{name}: the broker on {HOST}:{port} runs Kafka {running}, this tree pins {KAFKA_VERSION}; it is left "
              f"running (shared). To switch: python -m infra.local.services down kafka kafka2 && make services",
              flush=True)


def _refuse_foreign_directory(name: str, directory: Path, port: int) -> None:
    """A port override must come with its own run directory: never rewrite (and re-point the pid file of) another
    broker's directory while that broker runs."""
    config = directory / "server.properties"
    if proc.read_pid(name) is None or not config.exists():
        return
    if f"//{HOST}:{port}," not in config.read_text():
        raise proc.ServiceError(
            f"{name}: {directory} belongs to a running broker on other ports; a broker on {HOST}:{port} needs its own "
            f"LAMBDA_CONNECT_RUN_DIR")


def start() -> None:
    directory = proc.service_dir(NAME)
    _refuse_foreign_directory(NAME, directory, PORT)
    credentials = _make_tls()
    wanted = _server_properties(directory, credentials)
    config = directory / "server.properties"
    if healthy():
        if config.exists() and config.read_text() == wanted and proc.port_open(HOST, SASL_PORT):
            _ensure_sasl_user(classpath(), credentials[SASL_USER])
            _note_version(NAME, PORT)
            return
        print(f"{NAME}: its configuration changed (listeners); restarting the broker", flush=True)
        stop()
    heap = os.environ.get("LAMBDA_CONNECT_KAFKA_HEAP", "-Xmx768m")
    cp = _launch(NAME, directory, wanted, (PORT, CONTROLLER_PORT), heap=heap, healthy=healthy)
    if cp is not None:
        _ensure_sasl_user(cp, credentials[SASL_USER])


def _launch(name: str, directory: Path, wanted: str, ports: tuple[int, int], *, heap: str,
            healthy: Callable[[], bool]) -> str | None:
    """Write ``wanted`` as the broker's config, format its storage (once, with its own cluster id) and start it,
    unless a healthy broker answers on its ports meanwhile; the classpath when this call started it, else None."""
    _reset_if_crowded(directory / "data")
    config = directory / "server.properties"
    config.write_text(wanted)
    (directory / "log4j2.properties").write_text(_LOG4J2)
    cluster_id_file = directory / "cluster.id"
    if not cluster_id_file.exists():
        cluster_id_file.write_text(_cluster_id())
    cp = classpath()
    java = ["java", f"-Dlog4j2.configurationFile={directory / 'log4j2.properties'}", f"-Dkafka.logs.dir={directory}"]
    proc.run([*java, "-cp", cp, "kafka.tools.StorageTool", "format", "-t", cluster_id_file.read_text().strip(),
              "-c", str(config), "--ignore-formatted"], name=name)
    if proc.await_port(name, HOST, ports, healthy):
        return None
    # a heap that runs out ends the JVM (as deployments run Kafka): `make services` starts it again, where a live
    # but broken broker would only time out
    pid = proc.spawn(name, [*java, heap, *proc.SERVICE_JVM_FLAGS, "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
                            "-cp", cp, "kafka.Kafka", str(config)])
    proc.wait_healthy(name, healthy, START_TIMEOUT_S, pid)
    return cp


def _reset_if_crowded(data: Path, limit: int = PARTITION_DIRS_LIMIT) -> bool:
    """Start a stopped broker on empty data when its partitions would exhaust its open-files limit; says so."""
    if not data.is_dir():
        return False
    partitions = sum(1 for entry in os.scandir(data) if entry.is_dir() and "-" in entry.name)
    if partitions <= limit:
        return False
    print(f"{NAME}: {partitions} partitions on disk (limit {limit}, open files per process are capped): "
          f"starting on empty data; the local broker's topics are gone", flush=True)
    import shutil

    shutil.rmtree(data)
    return True


def _cluster_id() -> str:
    """A random id in Kafka's Uuid text; like ``Uuid.randomUuid``, never one starting with "-" (the tools refuse it)."""
    import base64

    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def stop() -> bool:
    return proc.stop_pid(NAME)


def plain_healthy(port: int) -> bool:
    """``healthy`` for a plaintext broker on ``port`` of this host (the second cluster, a throwaway broker)."""
    if not proc.port_open(HOST, port):
        return False
    from confluent_kafka.admin import AdminClient

    try:
        metadata = AdminClient({"bootstrap.servers": f"{HOST}:{port}", "socket.timeout.ms": 3000}).list_topics(
            timeout=3)
    except Exception:  # any client failure means "not yet healthy"
        return False
    return bool(metadata.brokers)


def start_plain(name: str, port: int, controller_port: int, heap: str) -> None:
    """Start a plaintext single-node KRaft broker as service ``name`` (its own run directory, data and cluster id),
    unless one is healthy on ``port`` already: the shared broker's start path without its SASL_SSL listener."""
    directory = proc.service_dir(name)
    _refuse_foreign_directory(name, directory, port)
    wanted = _SERVER_PROPERTIES.format(host=HOST, port=port, controller_port=controller_port, data=directory / "data")
    config = directory / "server.properties"
    healthy = lambda: plain_healthy(port)  # noqa: E731
    if healthy():
        if not config.exists() or config.read_text() == wanted:
            _note_version(name, port)
            return
        print(f"{name}: its configuration changed; restarting the broker", flush=True)
        proc.stop_pid(name)
    _launch(name, directory, wanted, (port, controller_port), heap=heap, healthy=healthy)


class ThrowawayBroker:
    """A second, private single-node Kafka on its own ports and data directory, for tests that restart a broker.

    The shared broker on 9092 is never stopped: other tests run against it at the same moment. The data directory
    survives ``restart`` (as a real broker's disk does); ``stop`` kills the process group this object started.
    """

    def __init__(self, directory: Path, port: int | None = None, controller_port: int | None = None,
                 heap: str = "-Xmx384m") -> None:
        """Prepare ``directory`` (config, formatted storage); nothing is started yet. Ports default to free ones."""
        self.directory = directory
        self.port = port = port or proc.free_server_port()
        self.controller_port = controller_port = controller_port or proc.free_server_port()
        self.heap = heap
        self._process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "server.properties").write_text(_SERVER_PROPERTIES.format(
            host=HOST, port=port, controller_port=controller_port, data=directory / "data"))
        (directory / "log4j2.properties").write_text(_LOG4J2)
        self._java = ["java", f"-Dlog4j2.configurationFile={directory / 'log4j2.properties'}",
                      f"-Dkafka.logs.dir={directory}"]
        proc.run([*self._java, "-cp", classpath(), "kafka.tools.StorageTool", "format", "-t", _cluster_id(),
                  "-c", str(directory / "server.properties"), "--ignore-formatted"], name=NAME)

    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:<port>``."""
        return f"{HOST}:{self.port}"

    def healthy(self) -> bool:
        """A metadata round trip, as for the shared broker."""
        return plain_healthy(self.port)

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the broker and wait until it answers metadata requests."""
        log = open(self.directory / "broker.log", "ab")
        self._process = subprocess.Popen(
            [*self._java, self.heap, *proc.SERVICE_JVM_FLAGS, "-XX:+UseG1GC", "-cp", classpath(), "kafka.Kafka",
             str(self.directory / "server.properties")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while not self.healthy():
            if self._process.poll() is not None or time.monotonic() > deadline:
                tail = (self.directory / "broker.log").read_text(errors="replace")[-3000:]
                raise proc.ServiceError(f"throwaway Kafka on {self.bootstrap} did not start:\n{tail}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Kill the broker's process group (SIGKILL: a crash, not a clean shutdown) and wait for it."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(30)
        self._process = None

    def restart(self) -> None:
        """Crash and start again on the same data."""
        self.stop()
        self.start()

"""A three-broker Apache Kafka cluster configured like Amazon MSK's defaults: the cluster our users deploy against.

Three combined broker+controller KRaft nodes (static quorum) from the shared broker's jars, small heaps, started in
parallel: ``auto.create.topics.enable=false``, ``default.replication.factor=3``, ``min.insync.replicas=2``, unclean
leader election off, offsets/transaction state topics at RF 3 / min ISR 2; a PLAINTEXT listener and a SASL_SSL one
(SCRAM-SHA-512 over TLS, a CA made under the run directory). Shared: 127.0.0.1:29092-29094 (plaintext),
29192-29194 (SASL_SSL), 29292-29294 (controllers). :class:`Cluster` also runs private copies for tests that kill
brokers (``tests/faults/test_broker_bounce.py``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from infra.local import _process as proc
from infra.local import kafka

NAME = "kafka-cluster"
HOST = kafka.HOST
NODES = 3
# LAMBDA_CONNECT_KAFKA_CLUSTER_PORT moves the cluster: node n's plaintext listener on PORT + n - 1, its SASL_SSL
# listener 100 above, its controller 200 above.
PORT = int(os.environ.get("LAMBDA_CONNECT_KAFKA_CLUSTER_PORT", "29092"))
SASL_MECHANISM = kafka.SASL_MECHANISM
SASL_USER = kafka.SASL_USER
# 256 MB ran out on node 1 (controller and broker) under `make faults` with a session's topics on it
HEAP = os.environ.get("LAMBDA_CONNECT_KAFKA_CLUSTER_HEAP", "-Xmx512m")
START_TIMEOUT_S = 300.0  # three JVMs starting together on a loaded 2-core machine took over 120 s

# MSK's defaults (docs.aws.amazon.com/msk/latest/developerguide/msk-default-configuration.html) where they differ
# from Kafka's, plus what keeps three JVMs small on 2 cores (threads; the cleaner's 128 MiB buffer in a 512 MiB heap).
_SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id={node}
controller.quorum.voters={voters}
listeners=PLAINTEXT://{host}:{port},SASL_SSL://{host}:{sasl_port},CONTROLLER://{host}:{controller_port}
advertised.listeners=PLAINTEXT://{host}:{port},SASL_SSL://{host}:{sasl_port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms={mechanism}
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location={keystore}
listener.name.sasl_ssl.ssl.keystore.password={store_password}
listener.name.sasl_ssl.ssl.key.password={store_password}
log.dirs={data}
auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
num.partitions=1
offsets.topic.replication.factor=3
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
background.threads=2
log.cleaner.dedupe.buffer.size=16777216
metadata.max.idle.interval.ms=5000
"""


class Cluster:
    """Three KRaft nodes in ``directory`` (per node: ``node-<n>/`` with its config, data, log and pid file; a shared
    ``tls/`` and ``cluster.id``). Nodes are started in parallel; one can be killed (-9) and started again on its
    data, as a machine crash and reboot would."""

    def __init__(self, directory: Path, port: int, *, heap: str = HEAP) -> None:
        """Node n (1-based) listens on ``port + n - 1`` (plaintext), ``+ 100`` (SASL_SSL), ``+ 200`` (controller)."""
        self.directory = directory
        self.port = port
        self.heap = heap

    def plain_port(self, node: int) -> int:
        return self.port + node - 1

    def sasl_port(self, node: int) -> int:
        return self.port + 100 + node - 1

    def controller_port(self, node: int) -> int:
        return self.port + 200 + node - 1

    @property
    def bootstrap(self) -> str:
        """Every node's plaintext listener, as a client of a three-broker cluster is given them."""
        return ",".join(f"{HOST}:{self.plain_port(n)}" for n in range(1, NODES + 1))

    @property
    def sasl_bootstrap(self) -> str:
        return ",".join(f"{HOST}:{self.sasl_port(n)}" for n in range(1, NODES + 1))

    def _node_dir(self, node: int) -> Path:
        path = self.directory / f"node-{node}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _tls(self) -> Path:
        return self.directory / "tls"

    def credentials(self) -> dict[str, str]:
        """The key stores' and the SCRAM user's random passwords (made with the CA on first use)."""
        return kafka._make_tls(self._tls())

    def settings(self) -> dict[str, str]:
        """What a client needs: plaintext bootstrap, SASL_SSL bootstrap, CA (PEM; PKCS12 truststore for the JVM) and
        the SCRAM user (``sasl.*``), in ``kafka.settings()``'s keys."""
        tls = self._tls()
        users = tls / "users.json"
        credentials = json.loads(users.read_text()) if users.exists() else {}
        return {
            "bootstrap.servers": self.bootstrap, "sasl.bootstrap.servers": self.sasl_bootstrap,
            "ssl.ca.location": str(tls / "ca.pem"), "ssl.truststore.location": str(tls / "truststore.p12"),
            "ssl.truststore.password": credentials.get("store_password", ""), "sasl.mechanism": SASL_MECHANISM,
            "sasl.username": SASL_USER, "sasl.password": credentials.get(SASL_USER, ""),
        }

    def server_properties(self, node: int, credentials: dict[str, str]) -> str:
        voters = ",".join(f"{n}@{HOST}:{self.controller_port(n)}" for n in range(1, NODES + 1))
        return _SERVER_PROPERTIES.format(
            node=node, voters=voters, host=HOST, port=self.plain_port(node), sasl_port=self.sasl_port(node),
            controller_port=self.controller_port(node), mechanism=SASL_MECHANISM,
            keystore=self._tls() / "broker.p12", store_password=credentials["store_password"],
            data=self._node_dir(node) / "data")

    # -- health ---------------------------------------------------------------------------------------------------

    def node_healthy(self, node: int) -> bool:
        """A metadata round trip through this node's plaintext listener."""
        return kafka.plain_healthy(self.plain_port(node))

    def healthy(self) -> bool:
        """Every node answers, and the cluster's metadata lists all three brokers."""
        if not all(proc.port_open(HOST, self.plain_port(n)) for n in range(1, NODES + 1)):
            return False
        from confluent_kafka.admin import AdminClient

        try:
            metadata = AdminClient({"bootstrap.servers": self.bootstrap, "socket.timeout.ms": 3000}).list_topics(
                timeout=3)
        except Exception:  # any client failure means "not yet healthy"
            return False
        return len(metadata.brokers) == NODES

    # -- processes ------------------------------------------------------------------------------------------------

    def pid(self, node: int) -> int | None:
        """The node's process id when it runs (its pid file names a live process)."""
        try:
            pid = int((self._node_dir(node) / "pid").read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid if not _zombie(pid) else None

    def _java(self, node: int) -> list[str]:
        directory = self._node_dir(node)
        return ["java", f"-Dlog4j2.configurationFile={directory / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={directory}"]

    def prepare(self) -> bool:
        """Write every node's config and format its storage (once, all with one cluster id, in parallel); True when
        a node's config changed."""
        credentials = self.credentials()
        cluster_id_file = self.directory / "cluster.id"
        if not cluster_id_file.exists():
            cluster_id_file.write_text(kafka._cluster_id())
        cluster_id = cluster_id_file.read_text().strip()
        cp = kafka.classpath()
        changed = False

        def one(node: int) -> None:
            nonlocal changed
            directory = self._node_dir(node)
            config = directory / "server.properties"
            wanted = self.server_properties(node, credentials)
            if not config.exists() or config.read_text() != wanted:
                changed = changed or config.exists()
                config.write_text(wanted)
            (directory / "log4j2.properties").write_text(kafka._LOG4J2)
            if not (directory / "data" / "meta.properties").exists():
                proc.run([*self._java(node), "-cp", cp, "kafka.tools.StorageTool", "format", "-t", cluster_id,
                          "-c", str(config), "--ignore-formatted"], name=f"{NAME}-{node}")

        with ThreadPoolExecutor(NODES) as pool:
            list(pool.map(one, range(1, NODES + 1)))
        return changed

    def spawn(self, node: int) -> int:
        """Start one node (not waiting for it); its pid."""
        directory = self._node_dir(node)
        log = open(directory / "broker.log", "ab")  # handed to the child
        child = subprocess.Popen(
            [*self._java(node), self.heap, *proc.SERVICE_JVM_FLAGS, "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
             "-cp", kafka.classpath(),
             "kafka.Kafka", str(directory / "server.properties")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=directory, start_new_session=True)
        log.close()
        (directory / "pid").write_text(str(child.pid))
        return child.pid

    def log_tail(self, node: int, lines: int = 30) -> str:
        try:
            text = (self._node_dir(node) / "broker.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_node(self, node: int, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait until the node answers metadata requests; a ServiceError with its log tail when it does not."""
        deadline = time.monotonic() + timeout_s
        while not self.node_healthy(node):
            if self.pid(node) is None:
                raise proc.ServiceError(f"{NAME}: node {node} exited during start-up. Log tail:\n{self.log_tail(node)}")
            if time.monotonic() > deadline:
                raise proc.ServiceError(f"{NAME}: node {node} not healthy after {timeout_s:.0f}s. Log tail:\n"
                                        f"{self.log_tail(node)}")
            time.sleep(0.5)

    def start(self) -> None:
        """Start every node that is not running, all at once, and wait for the whole cluster."""
        self.prepare()
        for node in range(1, NODES + 1):
            if self.pid(node) is None:
                busy = [p for p in (self.plain_port(node), self.sasl_port(node), self.controller_port(node))
                        if proc.port_open(HOST, p)]
                if busy:
                    holder = proc.listening_pid(busy[0])
                    raise proc.ServiceError(f"{NAME}: port {HOST}:{busy[0]} for node {node} is taken by "
                                            f"{f'pid {holder}' if holder else 'an unknown process'}")
                self.spawn(node)
        for node in range(1, NODES + 1):
            self.wait_node(node)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.healthy():
            if time.monotonic() > deadline:
                raise proc.ServiceError(f"{NAME}: the brokers did not all register. Log tail of node 1:\n"
                                        f"{self.log_tail(1)}")
            time.sleep(0.5)
        self.ensure_sasl_user()

    def ensure_sasl_user(self) -> None:
        """The SCRAM-SHA-512 user, through the Admin API over plaintext (credentials live in the KRaft metadata, so
        they survive restarts); an existing user keeps its password."""
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import (
            AdminClient,
            ScramCredentialInfo,
            ScramMechanism,
            UserScramCredentialUpsertion,
        )

        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        try:
            admin.describe_user_scram_credentials([SASL_USER])[SASL_USER].result(timeout=15)
            return
        except KafkaException:
            pass  # no credentials yet
        upsert = UserScramCredentialUpsertion(
            SASL_USER, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
            self.credentials()[SASL_USER].encode())
        admin.alter_user_scram_credentials([upsert])[SASL_USER].result(timeout=30)

    def kill(self, node: int) -> None:
        """kill -9 the node's process group (a crash: no controlled shutdown) and wait until it is gone."""
        pid = self.pid(node)
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        _wait_gone(pid, 30.0)

    def restart(self, node: int) -> None:
        """Start a killed node again on its data and wait until it answers."""
        if self.pid(node) is None:
            self.spawn(node)
        self.wait_node(node)

    def stop(self) -> bool:
        """Stop every node (SIGTERM, then SIGKILL); True when one was running."""
        pids = [pid for node in range(1, NODES + 1) if (pid := self.pid(node)) is not None]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.killpg(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 30.0
            while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and not _zombie(pid)
                                                      for pid in pids):
                time.sleep(0.2)
        for node in range(1, NODES + 1):
            (self._node_dir(node) / "pid").unlink(missing_ok=True)
        return bool(pids)

    def leader(self, topic: str, partition: int = 0) -> int:
        """The node id leading ``topic``'s partition now (-1 when none)."""
        from confluent_kafka.admin import AdminClient

        metadata = AdminClient({"bootstrap.servers": self.bootstrap}).list_topics(topic=topic, timeout=10)
        return metadata.topics[topic].partitions[partition].leader


def _zombie(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state == "Z":
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        return True
    return False


def _wait_gone(pid: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while Path(f"/proc/{pid}").exists() and not _zombie(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


SHARED = Cluster(proc.RUN_DIR / NAME, PORT)


def address() -> str:
    return SHARED.bootstrap


def settings() -> dict[str, str]:
    return SHARED.settings()


def healthy() -> bool:
    return SHARED.healthy()


def start() -> None:
    """`make services`: the shared cluster, restarted when its config changed; nodes already running stay."""
    proc.service_dir(NAME)
    ours = any(SHARED.pid(n) is not None for n in range(1, NODES + 1))
    if not ours and SHARED.healthy():  # another checkout's cluster on these ports: shared, left alone
        return
    if SHARED.prepare() and ours:
        print(f"{NAME}: its configuration changed; restarting the brokers", flush=True)
        SHARED.stop()
    SHARED.start()


def stop() -> bool:
    return SHARED.stop()


def read_pid() -> int | None:
    """Node 1's pid, for `make services` status."""
    return SHARED.pid(1)

"""The Kafka Connect worker the side-by-side rows measure: its jars resolved by Maven, plugin archives, and a
standalone or distributed JVM driven over REST."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import common
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Sample

REPO = Path(__file__).resolve().parents[1]
RUN_DIR = REPO / ".run" / "bench"
POM_DIR = REPO / "bench" / "java"
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
S3_HOST = "s3.localhost.localstack.cloud"  # LocalStack's virtual-host domain (Camel 3.11's S3 client has no path style)
JSON = "org.apache.kafka.connect.json.JsonConverter"
_WORKER = """\
bootstrap.servers={bootstrap}
key.converter={json}
value.converter={json}
offset.storage.file.filename={dir}/connect.offsets
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:{port}
plugin.path={plugins}
plugin.discovery=hybrid_warn
"""


_DISTRIBUTED = """\
group.id={group}
config.storage.topic={group}-configs
offset.storage.topic={group}-offsets
status.storage.topic={group}-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
"""


_LOG4J2 = """\
appender.c.type=Console
appender.c.name=STDOUT
appender.c.layout.type=PatternLayout
appender.c.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.c.ref=STDOUT
"""


def mvn(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mvn", "-q", "-B", *args], cwd=POM_DIR, capture_output=True, text=True, check=False,
                          timeout=timeout)


def classpath() -> str:
    """connect-runtime + connect-file + connect-mirror + log4j2 from Central (the local broker's release), cached
    per release and pom in .run/bench/connect-<version>-<pom hash>.classpath."""
    import hashlib

    pom = hashlib.sha256((POM_DIR / "pom.xml").read_bytes()).hexdigest()[:8]  # a changed pom resolves again
    cached = RUN_DIR / f"connect-{KAFKA_VERSION}-{pom}.classpath"
    if cached.exists() and all(Path(j).exists() for j in cached.read_text().strip().split(os.pathsep)):
        return cached.read_text().strip()
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    done = mvn(f"{MAVEN_DEPENDENCY_PLUGIN}:build-classpath", f"-Dmdep.outputFile={cached}",
                "-Dmdep.includeScope=runtime", f"-Dkafka.version={KAFKA_VERSION}")
    if done.returncode != 0:
        raise RuntimeError(f"could not resolve Kafka Connect: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return cached.read_text().strip()


def plugin(artifact: str, directory: str) -> tuple[Path | None, str]:
    """Resolve ``artifact`` (a ``-plugin.tar.gz``) into plugin.path; (None, reason) when Central lacks it."""
    target = RUN_DIR / "plugins" / directory
    if target.exists() and any(target.rglob("*.jar")):
        return target, "cached"
    group, name, version = artifact.split(":")
    done = mvn(f"{MAVEN_DEPENDENCY_PLUGIN}:copy", f"-Dartifact={group}:{name}:{version}:tar.gz:plugin",
                f"-DoutputDirectory={RUN_DIR / 'downloads'}")
    if done.returncode != 0:
        lines = [line for line in (done.stdout + done.stderr).splitlines() if "ERROR" in line]
        return None, (lines[0] if lines else "mvn failed")[:300]
    archive = RUN_DIR / "downloads" / f"{name}-{version}-plugin.tar.gz"
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target, "resolved"


def no_plugins() -> Path:
    """An empty ``plugin.path`` directory, for a worker whose connectors are all on its class path (4m's
    connect-mirror): its start-up scans no plugin jar (Camel's and Debezium's are hundreds)."""
    bare = RUN_DIR / "plugins-none"
    bare.mkdir(parents=True, exist_ok=True)
    return bare


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_properties(bootstrap: str, directory: Path, port: int, plugins: Path, *, group: str | None = None,
                      extra: str = "") -> str:
    """A standalone worker's properties (offsets in a file under ``directory``), or with ``group`` a distributed
    worker's: that group id, internal topics named after it (replication factor 1), then the ``extra`` lines."""
    properties = _WORKER.format(bootstrap=bootstrap, json=JSON, dir=directory, port=port, plugins=plugins)
    if group is None:
        return properties
    properties = properties.replace(f"offset.storage.file.filename={directory}/connect.offsets\n", "")
    return properties + _DISTRIBUTED.format(group=group) + extra


class Worker:
    """A ``ConnectStandalone`` JVM with a REST port; connectors are created and deleted through REST.

    ``distributed``: a ``ConnectDistributed`` worker instead, with ``extra`` worker properties (4m: exactly-once
    source support, which only a distributed worker has) and internal topics of its own (``group``), dropped by
    ``close``."""

    def __init__(self, bootstrap: str, plugins: Path, *, distributed: bool = False, extra: str = "") -> None:
        """Start the JVM and wait for its REST API."""
        kind = "distributed" if distributed else "standalone"
        directory = RUN_DIR / f"{kind}-{common.RUN_ID}"
        directory.mkdir(parents=True, exist_ok=True)
        port = free_port()  # a fixed port collides with whatever a colleague runs on this shared machine
        self.bootstrap = bootstrap
        self.group = common.unique("worker") if distributed else None
        (directory / "worker.properties").write_text(worker_properties(bootstrap, directory, port, plugins,
                                                                       group=self.group, extra=extra))
        (directory / "log4j2.properties").write_text(_LOG4J2)
        self.log = directory / "worker.log"
        self.url = f"http://127.0.0.1:{port}"
        # Camel's S3 client addresses buckets as <bucket>.s3.localhost.localstack.cloud, a name no DNS here knows:
        # the JVM resolves from this file instead (everything else it reaches is 127.0.0.1).
        self.bucket = common.unique("jbench")
        hosts = directory / "hosts"
        hosts.write_text(f"127.0.0.1 localhost {S3_HOST} {self.bucket}.{S3_HOST}\n")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                ["java", "-Xmx1g", f"-Djdk.net.hosts.file={hosts}",
                 f"-Dlog4j2.configurationFile={directory / 'log4j2.properties'}", "-cp", classpath(),
                 f"org.apache.kafka.connect.cli.Connect{kind.title()}", str(directory / "worker.properties")],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self.wait("the REST API", lambda: self.rest("GET", "/connectors")[0] == 200, 300)  # plugin scan under load
        except BaseException:  # a worker that never came up (or a test's timeout) must not outlive its caller
            self.process.kill()
            self.process.wait(10)
            raise

    def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One REST call; (599, None) while the worker is not listening."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except OSError:
            return 599, None

    def wait(self, what: str, check: Callable[[], bool], timeout_s: float, every_s: float = 0.2) -> None:
        """Poll ``check`` every ``every_s``; fail with the worker's log tail."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Connect worker exited: {self.log.read_text()[-3000:]}")
            if check():
                return
            time.sleep(every_s)
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        raise RuntimeError(f"timed out waiting for {what}; worker log tail:\n{tail}")

    def timed(self, connectors: dict[str, dict[str, str]], done: Callable[[], bool], records: int,
              timeout_s: float) -> Sample:
        """Create ``connectors``, wait for ``done``, delete them; JVM CPU seconds over that span."""
        try:
            with common.phase("jvm"):
                cpu0, wall0 = common.proc_cpu_s(self.process.pid), time.perf_counter()
                for name, config in connectors.items():
                    status, body = self.rest("POST", "/connectors", {"name": name, "config": config})
                    if status >= 300:
                        raise RuntimeError(f"creating {name} failed: {status} {body}")
                # the check (a line count, COUNT(*)) grows with the size: poll less often for big runs
                self.wait(f"{', '.join(connectors)} to finish", done, timeout_s, 0.2 if records <= 200_000 else 1.0)
                return common.Sample(time.perf_counter() - wall0, common.proc_cpu_s(self.process.pid) - cpu0,
                                     records)
        finally:
            with common.phase("jvm connectors deleted"):
                for name in connectors:
                    self.rest("DELETE", f"/connectors/{name}")

    def span(self, what: str, start: Callable[[], object], done: Callable[[], bool], records: int,
             timeout_s: float = 900) -> Sample:
        """JVM CPU (and wall) seconds from just before ``start()`` until ``done()`` holds (polled every 0.1 s):
        the span of 4d, 4e and 4m, whose connectors already run when their changes arrive."""
        with common.phase("jvm"):
            cpu0, wall0 = common.proc_cpu_s(self.process.pid), time.perf_counter()
            start()
            self.wait(what, done, timeout_s, every_s=0.1)
            return common.Sample(time.perf_counter() - wall0, common.proc_cpu_s(self.process.pid) - cpu0, records)

    def probe(self, what: str, insert: Callable[[int], object], seen: Callable[[], bool], timeout_s: float) -> None:
        """4d/4e: until a CDC connector's stream is running, ``insert`` a probe row (its index) every second (a row
        written before the stream began is never seen) and look for it in the stream every 0.25 s."""
        checks = iter(range(1 << 30))

        def streaming() -> bool:
            check = next(checks)
            if check % 4 == 0:
                insert(check // 4)
            return seen()

        self.wait(what, streaming, timeout_s, every_s=0.25)

    def close(self) -> None:
        """Stop the JVM (the process this case started, by its pid); a distributed worker's topics are dropped."""
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        if self.group is not None:
            from confluent_kafka.admin import AdminClient

            admin = AdminClient({"bootstrap.servers": self.bootstrap})
            doomed = [t for t in admin.list_topics(timeout=10).topics if t.startswith(self.group)]
            for future in (admin.delete_topics(doomed, operation_timeout=30) if doomed else {}).values():
                try:
                    future.result()
                except Exception:  # best effort: a name the run never got to create
                    pass

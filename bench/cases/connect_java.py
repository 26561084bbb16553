"""Case 4: side by side with Apache Kafka Connect (``KAFKA_VERSION``, standalone worker, jars from Maven Central).

Same broker, same data, same machine, one run. The figure is records per CPU-second of each process: the JVM's
utime+stime from /proc (from just before its connectors are created until the last record landed), and ours as
``time.process_time()`` of this process (librdkafka threads included) for the same work, consuming included:
- FileStream: file -> Kafka -> file. Ours: one ``SourceRunner`` invocation of FileStreamSource, then the topic
  consumed into Lambda events of ``BENCH_BATCH`` records for ``SinkRunner`` + FileStreamSink. Theirs: the same two
  connectors (connect-file) in the worker. Beside them, the raw floor (``raw_file``): the least a Python function
  does for the same bytes under Lambda's delivery model, measured the same way in the same repetitions.
- Kafka -> MariaDB upsert: ours ``SinkRunner`` + JdbcSink (upsert on the key) vs Debezium's JDBC sink
  (``io.debezium:debezium-connector-jdbc`` plugin archive from Central) on the same topic.
- Kafka -> S3 (LocalStack), 4c, and the pair JDBC source -> Kafka -> S3, 4q (``connect_java_s3``): ours vs Apache
  Camel's Kafka connector (``CamelSinkConnector`` 0.11.0 + ``aws2-s3``, aggregated as ours' ``flush.size``).
- CDC -> Kafka: ours (MariaDbConnector, 4d; PostgresConnector, 4e in ``connect_java_pg``) vs Debezium's.
- MirrorMaker 2 (4m, ``connect_java_mirror``): ours ``MirrorSourceConnector`` vs Kafka's connect-mirror on a
  distributed worker with exactly-once source support.
The JVM is started once (its start-up is not counted); each sub-case repeats with fresh topics, files and tables.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import tarfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import checkpoint, common, dataset, stats
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Result, Sample, Settings

REPO = Path(__file__).resolve().parents[2]
RUN_DIR = REPO / ".run" / "bench"
POM_DIR = REPO / "bench" / "java"
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
DEBEZIUM = "io.debezium:debezium-connector-jdbc:3.2.0.Final"
DEBEZIUM_MARIADB = "io.debezium:debezium-connector-mariadb:3.2.0.Final"
S3_HOST = "s3.localhost.localstack.cloud"  # LocalStack's virtual-host domain (Camel 3.11's S3 client has no path style)
JSON = "org.apache.kafka.connect.json.JsonConverter"
JDBC_BATCH_SIZE = "3000"  # 4b: batch.size of both JDBC sinks (Confluent's key and Debezium's; Debezium's default 500)
COLD_BELOW = 100_000  # a sweep size below this measures a JIT-cold JVM: labelled "cold start", never a headline
SUB_CASES = ("4a", "4r", "4b", "4c", "4d", "4p", "4q", "4e", "4m")
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


def _mvn(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
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
    done = _mvn(f"{MAVEN_DEPENDENCY_PLUGIN}:build-classpath", f"-Dmdep.outputFile={cached}",
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
    done = _mvn(f"{MAVEN_DEPENDENCY_PLUGIN}:copy", f"-Dartifact={group}:{name}:{version}:tar.gz:plugin",
                f"-DoutputDirectory={RUN_DIR / 'downloads'}")
    if done.returncode != 0:
        lines = [line for line in (done.stdout + done.stderr).splitlines() if "ERROR" in line]
        return None, (lines[0] if lines else "mvn failed")[:300]
    archive = RUN_DIR / "downloads" / f"{name}-{version}-plugin.tar.gz"
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target, "resolved"


def _free_port() -> int:
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
        port = _free_port()  # a fixed port collides with whatever a colleague runs on this shared machine
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
        self.wait("the REST API", lambda: self.rest("GET", "/connectors")[0] == 200, 300)  # plugin scan under load

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


class LineCount:
    """The lines of a file a FileStreamSink appends to, read from where the last call stopped: the JVM's 4a/4r
    span is polled every 0.2-1 s, and reading its whole output each time (430 MB at 4r's million lines) took CPU
    from the JVM being measured."""

    def __init__(self, path: Path) -> None:
        """Nothing read yet (the file may not exist yet)."""
        self.path, self.offset, self.lines = path, 0, 0

    def __call__(self) -> int:
        """The lines in the file now."""
        if not self.path.exists():
            return 0
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                self.lines += chunk.count(b"\n")
                self.offset += len(chunk)
        return self.lines


def _count(db: dict[str, str], table: str, expected: int) -> int:
    """Rows in ``table``, counted only once its highest id reaches ``expected`` (the rows have ids 1..expected):
    the poll reads the primary key's last entry, not a ``COUNT(*)`` of up to a million rows every second."""
    conn = dataset.connect(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM `{table}`")
            highest = cursor.fetchone()[0]
            if highest is None or int(highest) < expected:
                return 0
            cursor.execute(f"SELECT COUNT(*) FROM `{table}`")
            return int(cursor.fetchone()[0])
    except Exception:  # the table does not exist until the sink creates it
        return 0
    finally:
        conn.close()


# -- ours ------------------------------------------------------------------------------------------
def ours_file(cluster: common.Cluster, bootstrap: str, source: Path, out: Path, *, records: int, batch: int) -> int:
    """FileStreamSource invocation, then the topic consumed into events for FileStreamSink invocations."""
    from connect_core.runtime.source_runner import SourceRunner

    topic, name = common.unique("file"), common.unique("file-src")
    MADE_TOPICS.append(topic)
    source_config = {"connector.class": "FileStreamSource", "file": str(source), "topic": topic,
                     "batch.size": "2000", "tasks.max": "1"}
    cluster.deploy(name, source_config)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        produced = runner.run(name, 0, common.budget()).records
    finally:
        runner.close()
    sink = common.unique("file-sink")
    cluster.deploy(sink, {"connector.class": "FileStreamSink", "file": str(out), "topics": topic, "tasks.max": "1"})
    return _sink_from_topic(cluster, sink, bootstrap, topic, records=min(produced, records), batch=batch)


MADE_TOPICS: list[str] = []  # 4a/4r's topics, deleted after each repetition (a million 2 KB lines is 430 MB each)
ESM_CPU_S = [0.0]  # CPU seconds this thread spent building Lambda events (the mapping's work, see ``measure_ours``)


def measure_ours(action: Callable[[], int]) -> Sample:
    """``common.measure`` of our side: all the CPU of this process, the functions' and the emulated event source
    mapping's (consuming, building each batch's event JSON) alike, as the JVM's figure is all its worker's; the
    part spent building the events is kept in ``esm_cpu_s`` for the function-only column (on AWS the mapping's
    pollers do it, outside the function's bill)."""
    ESM_CPU_S[0] = 0.0
    sample = common.measure(action)
    sample.esm_cpu_s = ESM_CPU_S[0]
    return sample


def _sink_from_topic(cluster: common.Cluster, name: str, bootstrap: str, topic: str, *, records: int,
                     batch: int) -> int:
    """Consume ``topic`` as the event source mapping does, ``batch`` records at a time, each batch one warm
    ``SinkRunner`` invocation (memory stays one batch deep at any size)."""
    from connect_core.runtime.sink_runner import SinkRunner

    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        return _mapping(bootstrap, topic, lambda event: runner.handle(event).put, records=records, batch=batch)
    finally:
        runner.close()


def _mapping(bootstrap: str, topic: str, invoke: Callable[[dict[str, Any]], int], *, records: int,
             batch: int) -> int:
    """The event source mapping emulated: ``topic`` consumed (read_committed) ``batch`` records at a time, each
    batch encoded as the Lambda event's JSON text (its CPU kept in ``ESM_CPU_S``), parsed as the Lambda runtime
    does and handed to ``invoke``, which returns the records it wrote."""
    from confluent_kafka import Consumer

    from connect_core.local.kafka_trigger import build_event

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": common.unique("esm"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed", "fetch.max.bytes": 52_428_800})
    consumer.subscribe([topic])
    put = seen = 0
    pending: list[Any] = []
    thread_time = time.thread_time
    deadline = time.monotonic() + 900
    try:
        while seen < records:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{topic}: read {seen} of {records} records within 900 s")
            for message in consumer.consume(min(batch, records - seen) - len(pending), timeout=1.0):
                if message.error() is None:
                    pending.append(message)
            if len(pending) >= batch or seen + len(pending) >= records:
                seen += len(pending)
                encode0 = thread_time()
                text = json.dumps(build_event(pending, bootstrap))  # the mapping's poller builds the event
                ESM_CPU_S[0] += thread_time() - encode0
                put += invoke(json.loads(text))  # the Lambda runtime parses it in the function
                pending = []
    finally:
        consumer.close()
    return put


# -- the raw floor of 4a ---------------------------------------------------------------------------
STRING_ENVELOPE = b'{"schema":{"type":"string","optional":false},"payload":'  # JsonConverter's, a string schema


_FOUR_BYTES = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")  # one UTF-8 character above the Basic Multilingual Plane


def _surrogates(match: re.Match[bytes]) -> bytes:
    code = ord(match.group().decode()) - 0x10000
    return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}".encode()


def produce_waiting(producer: Any, topic: str, value: bytes) -> None:
    """``producer.produce`` of one value, letting librdkafka send while its local queue is full (no poll per
    record: delivery reports only for errors, the floors' producers are made with ``delivery.report.only.error``)."""
    while True:
        try:
            producer.produce(topic, value)
            return
        except BufferError:
            producer.poll(0.05)


def raw_file(bootstrap: str, source: Path, out: Path, *, records: int, batch: int) -> int:
    """The least a Python function does for 4a under Lambda's delivery model, no framework: the file's lines
    produced as JsonConverter's string envelope (an idempotent producer, no transaction, no offsets stored), the
    topic consumed into the same Lambda events, and each event's values decoded and written (one flush per
    event, no fsync, no offsets committed). 4a's ours and the JVM do more than this; nothing can do less and
    still move the same bytes, so its rate is the ceiling of any Python 4a here. The envelope is orjson's text
    with characters above the Basic Multilingual Plane escaped as Jackson escapes them: Jackson's bytes for the
    bench's line sets (no control characters but tab)."""
    import base64

    import orjson
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = common.unique("rawfile")
    MADE_TOPICS.append(topic)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5,
                         "delivery.report.only.error": True})
    dumps, envelope, sent = orjson.dumps, STRING_ENVELOPE, 0
    astral, escape = _FOUR_BYTES.search, _FOUR_BYTES.sub
    with source.open("rb") as lines:
        for line in lines:
            if sent == records:
                break
            text = dumps(line.rstrip(b"\n").decode())
            if astral(text):  # orjson writes them as UTF-8, Jackson as escaped surrogate pairs
                text = escape(_surrogates, text)
            produce_waiting(producer, topic, envelope + text + b"}")
            sent += 1
    if producer.flush(60):
        raise RuntimeError(f"{topic}: records left unsent after 60 s")
    b64decode, loads = base64.b64decode, orjson.loads

    with out.open("w", encoding="utf-8") as written:
        def invoke(event: dict[str, Any]) -> int:
            payloads = [loads(b64decode(record["value"]))["payload"]
                        for partition in event["records"].values() for record in partition]
            written.write("\n".join(payloads) + "\n")
            written.flush()
            return len(payloads)

        return _mapping(bootstrap, topic, invoke, records=sent, batch=batch)


def raw_upsert(db: dict[str, str], bootstrap: str, topic: str, table: str, *, records: int, batch: int) -> int:
    """The least a Python function does for 4b (and 4p's sink half) under Lambda's delivery model, with the driver
    shortcuts ours uses (connectors/jdbc/_mysql_literals.py: pymysql's literal text for each column's type, written
    column by column over the batch, strings escaped as one joined text): the topic consumed into the same Lambda
    events, each value decoded (JsonConverter's envelope: the Decimal's unscaled bytes, timestamps and dates from
    their numbers) and the event written as one multi-row ``INSERT ... ON DUPLICATE KEY UPDATE``, then one commit
    per event. No offsets, no table check: nothing can do less and still write the same rows."""
    import operator

    import orjson

    from bench.cases.sinks import UPSERT_COLUMNS

    conn = dataset.connect(db, autocommit=False)
    cols = ",".join(f"`{c}`" for c in UPSERT_COLUMNS)
    updates = ",".join(f"`{c}`=VALUES(`{c}`)" for c in UPSERT_COLUMNS if c != "id")
    head = f"INSERT INTO `{table}` ({cols}) VALUES "
    tail = f" ON DUPLICATE KEY UPDATE {updates}"
    b64decode, loads, columns_of = base64.b64decode, orjson.loads, operator.itemgetter(*UPSERT_COLUMNS)

    try:
        with conn.cursor() as cursor:
            cursor.execute(dataset.DDL.format(table=table).replace(" AUTO_INCREMENT", ""))

            def invoke(event: dict[str, Any]) -> int:
                payloads = [loads(b64decode(record["value"]))["payload"]
                            for partition in event["records"].values() for record in partition]
                texts = upsert_literals(list(zip(*map(columns_of, payloads), strict=True)))
                cursor.execute(head + ",".join(map("({})".format, map(",".join, zip(*texts, strict=True)))) + tail)
                conn.commit()
                return len(payloads)

            return _mapping(bootstrap, topic, invoke, records=records, batch=batch)
    finally:
        conn.close()


_EPOCH_S = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def upsert_literals(columns: list[tuple[Any, ...]]) -> list[list[str]]:
    """pymysql's literal text of every value of the dataset's ten columns (JsonConverter payload values, column by
    column): integers as ``str``, strings escaped with ``escape_string``'s table over one joined text, the
    DECIMAL(12,2)'s unscaled bytes in plain notation, doubles as ``escape_float``, DATETIME and DATE as ISO text."""
    from pymysql import converters

    table = converters._escape_table  # type: ignore[attr-defined]  # escape_string's
    ids, names, qty, price, score, active, created, days, notes, category = columns

    def quoted(values: Any) -> list[str]:
        return ("'" + "\x01".join(values).translate(table).replace("\x01", "'\x01'") + "'").split("\x01")

    def cents(unscaled: int) -> str:
        digits = str(abs(unscaled)).rjust(3, "0")
        return ("-" if unscaled < 0 else "") + digits[:-2] + "." + digits[-2:]

    present = [n for n in notes if n is not None]
    note_texts = iter(quoted(present) if present else [])
    return [
        list(map(str, ids)), quoted(names), list(map(str, qty)),
        [cents(int.from_bytes(base64.b64decode(b), "big", signed=True)) for b in price],
        [r if "e" in r else r + "e0" for r in map(repr, score)], list(map(str, active)),
        quoted([(_EPOCH_S + dt.timedelta(milliseconds=ms)).isoformat(" ") for ms in created]),
        quoted([dt.date.fromordinal(_EPOCH_ORDINAL + d).isoformat() for d in days]),
        ["NULL" if n is None else next(note_texts) for n in notes], list(map(str, category)),
    ]


# -- sub-cases -------------------------------------------------------------------------------------
def warmup_size(records: int) -> int:
    """Records of the discarded warm-up repetition at one size of the sweep: the size itself up to
    ``BENCH_JAVA_WARMUP_MAX`` (100,000), that many above it (by then the JVM has run the same connectors over
    the smaller sizes' 400,000+ records; a million-record warm-up would add ~6 minutes per side and case)."""
    return min(records, int(os.environ.get("BENCH_JAVA_WARMUP_MAX", "100000")))


LINE_SETS = {"ascii": dataset.ascii_lines, "realistic": dataset.realistic_lines}


def _lines_file(directory: Path, records: int, lines: str = "ascii") -> Path:
    """The input file of ``records`` lines of one of ``LINE_SETS``, written once per run and size."""
    source = directory / f"input-{lines}-{records}.txt"
    if not source.exists():
        with common.phase("prepare: input file"), source.open("w", encoding="utf-8", newline="\n") as out:
            out.writelines(line + "\n" for line in LINE_SETS[lines](records))
    return source


def _drop_topics(bootstrap: str) -> None:
    """Delete the topics of ``MADE_TOPICS`` (outside any measured span) and forget them."""
    if MADE_TOPICS:
        with common.phase("clean-up"):
            _delete_topics(bootstrap, MADE_TOPICS)
        MADE_TOPICS.clear()


def _delete_topics(bootstrap: str, doomed: list[str]) -> None:
    from confluent_kafka.admin import AdminClient

    if doomed:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for future in admin.delete_topics(list(doomed), operation_timeout=30).values():
            try:
                future.result()
            except Exception:  # a topic the run never got to create: nothing to free
                pass


def _beside_floor(rep: int, ours: Callable[[], Sample], floor: Callable[[], Sample], floors: list[Sample]) -> Sample:
    """Ours and the raw floor one after the other, the order flipped every repetition; the floor's sample of a
    measured repetition (``rep`` >= 0) goes to ``floors``. Returns ours'."""
    def mine() -> Sample:
        with common.phase("ours"):
            return ours()

    def least() -> Sample:
        with common.phase("raw"):
            return floor()

    if rep % 2:
        floor_sample, sample = least(), mine()
    else:
        sample, floor_sample = mine(), least()
    if rep >= 0:
        floors.append(floor_sample)
    return sample


def file_case(settings: Settings, worker: Worker, cluster: common.Cluster, bootstrap: str,
              lines: str = "ascii") -> Result:
    """FileStream source -> Kafka -> FileStream sink on both sides, over one of ``LINE_SETS``, with the raw floor
    measured beside ours in every repetition (the order of the two flipped each time)."""
    directory = RUN_DIR / f"files-{common.RUN_ID}"
    directory.mkdir(parents=True, exist_ok=True)

    def size(rep: int) -> int:
        return warmup_size(settings.records) if rep < 0 else settings.records

    raw: list[Sample] = []

    def ours(rep: int) -> Sample:
        """Ours and the raw floor, one after the other, the order flipped every repetition."""
        records = size(rep)
        source, out = _lines_file(directory, records, lines), directory / f"ours-{settings.records}-{rep}.txt"
        floor = directory / f"raw-{settings.records}-{rep}.txt"

        def mine() -> Sample:
            return measure_ours(lambda: ours_file(cluster, bootstrap, source, out, records=records,
                                                  batch=settings.batch))

        def least() -> Sample:
            return measure_ours(lambda: raw_file(bootstrap, source, floor, records=records, batch=settings.batch))

        sample = _beside_floor(rep, mine, least, raw)
        with common.phase("clean-up"):
            out.unlink(missing_ok=True)
            floor.unlink(missing_ok=True)
        _drop_topics(bootstrap)
        return sample

    def theirs(rep: int) -> Sample:
        records = size(rep)
        topic, out = common.unique("jfile"), directory / f"theirs-{settings.records}-{rep}.txt"
        MADE_TOPICS.append(topic)
        connectors = {
            common.unique("jsrc"): {"connector.class": "FileStreamSource", "tasks.max": "1", "topic": topic,
                                    "file": str(_lines_file(directory, records, lines))},
            common.unique("jsink"): {"connector.class": "FileStreamSink", "file": str(out), "topics": topic,
                                     "tasks.max": "1"},
        }
        try:
            lines_in = LineCount(out)
            return worker.timed(connectors, lambda: lines_in() >= records, records, 1800)
        finally:
            out.unlink(missing_ok=True)
            _drop_topics(bootstrap)

    try:
        mine, java, load = _interleaved(settings, ours, theirs)
    finally:
        for leftover in directory.glob("*.txt"):
            leftover.unlink()
    key = "4a" if lines == "ascii" else "4r"
    return method_row(f"{key} filestream {lines} lines {_size(settings.records)}",
                      f"Kafka Connect {KAFKA_VERSION} standalone, connect-file ({lines} lines)", mine, java, raw=raw,
                      raw_kind="floor", load_avg_1m=load, warmup_records=warmup_size(settings.records),
                      line_set=lines)


def debezium_sink_config(db: dict[str, str], topic: str, table: str, pk_mode: str) -> dict[str, str]:
    """Debezium's JDBC sink upserting ``topic`` into ``table`` on ``id`` (``primary.key.mode`` ``pk_mode``, the
    key's fields or the value's ``id``), with ours' ``batch.size`` (``JDBC_BATCH_SIZE``): configured alike."""
    config = {"connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "tasks.max": "1",
              "topics": topic, "connection.url": f"jdbc:mariadb://{db['host']}:{db['port']}/{db['database']}",
              "connection.username": db["user"], "connection.password": db["password"],
              "insert.mode": "upsert", "primary.key.mode": pk_mode, "schema.evolution": "basic",
              "collection.name.format": table, "table.name.format": table, "batch.size": JDBC_BATCH_SIZE}
    return config | ({"primary.key.fields": "id"} if pk_mode == "record_value" else {})


def debezium_mariadb_config(db: dict[str, str], name: str, bootstrap: str, tables: str,
                            **overrides: str) -> dict[str, str]:
    """Debezium's ``MariaDbConnector`` capturing ``tables`` (a regex of table names in the bench's database) under
    topic prefix ``name``, with its schema history in ``<name>-history``; ``overrides`` on top (snapshot mode,
    converters, batch sizes)."""
    import random

    return {"connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
            "database.hostname": db["host"], "database.port": db["port"], "database.user": db["user"],
            "database.password": db["password"], "database.server.id": str(random.randint(30_001, 40_000)),
            "topic.prefix": name, "table.include.list": f"{db['database']}\\.({tables})",
            "include.schema.changes": "false", "snapshot.locking.mode": "none",
            "schema.history.internal.kafka.bootstrap.servers": bootstrap,
            "schema.history.internal.kafka.topic": f"{name}-history",
            "schema.history.internal.store.only.captured.databases.ddl": "true",
            "schema.history.internal.store.only.captured.tables.ddl": "true",
            "key.converter": JSON, "value.converter": JSON, "topic.creation.default.replication.factor": "1",
            "topic.creation.default.partitions": "1", **overrides}


def jdbc_case(settings: Settings, worker: Worker, cluster: common.Cluster, bootstrap: str) -> Result:
    """Kafka -> MariaDB upsert: our JdbcSink vs Debezium's JDBC sink, same topic, fresh tables."""
    from bench.cases.sinks import CONVERTERS, SinkData, mariadb_config

    db = common.services("mariadb")["mariadb"]
    with common.phase("prepare: source topic"):
        measured = SinkData.topic_only(settings)
    tables: list[str] = []

    def data_for(rep: int) -> SinkData:
        if rep >= 0:
            return measured
        with common.phase("prepare: source topic"):
            return SinkData.topic_only(dataclasses.replace(settings, records=warmup_size(settings.records)))

    raw: list[Sample] = []

    def ours(rep: int) -> Sample:
        """Ours and the raw floor, one after the other, the order flipped every repetition."""
        data = data_for(rep)
        tables.append(common.unique("ours_up").replace("-", "_"))
        name = common.unique("jdbc")
        cluster.deploy(name, {**mariadb_config(db, tables[-1]), "topics": data.topic, **CONVERTERS,
                              "batch.size": JDBC_BATCH_SIZE})
        tables.append(common.unique("raw_up").replace("-", "_"))
        floor_table = tables[-1]

        def mine() -> Sample:
            return measure_ours(lambda: _sink_from_topic(cluster, name, bootstrap, data.topic, records=data.records,
                                                           batch=settings.batch))

        def least() -> Sample:
            return measure_ours(lambda: raw_upsert(db, bootstrap, data.topic, floor_table, records=data.records,
                                                   batch=settings.batch))

        return _beside_floor(rep, mine, least, raw)

    def theirs(rep: int) -> Sample:
        data = data_for(rep)
        tables.append(common.unique("dbz_up").replace("-", "_"))
        table = tables[-1]
        config = debezium_sink_config(db, data.topic, table, "record_key")
        return worker.timed({common.unique("dbz"): config}, lambda: _count(db, table, data.records) >= data.records,
                            data.records, 1800)

    try:
        mine, java, load = _interleaved(settings, ours, theirs)
    finally:
        with common.phase("clean-up"):
            dataset.drop_tables(db, tables)
    return method_row(f"4b kafka -> mariadb upsert vs debezium {_size(measured.records)}",
                      f"Kafka Connect {KAFKA_VERSION} + {DEBEZIUM}", mine, java, raw=raw, raw_kind="floor",
                      load_avg_1m=load,
                      warmup_records=warmup_size(settings.records), batch_size=JDBC_BATCH_SIZE)


def _records_in(consumer: Any, topic: str) -> int:
    """Records in ``topic`` (one partition, no transactions: the high watermark); 0 while it does not exist."""
    from confluent_kafka import KafkaException, TopicPartition

    try:
        if not consumer.list_topics(topic, timeout=5).topics[topic].partitions:  # metadata of a topic made since
            return 0
        return int(consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)[1])
    except KafkaException:
        return 0


def cdc_case(settings: Settings, worker: Worker, cluster: common.Cluster, bootstrap: str) -> Result:
    """Binlog -> Kafka: our MariaDbConnector (case 7's invocation) vs Debezium's in the warm worker.

    Both capture the same ``INSERT ... SELECT`` of the dataset into a fresh table, with Debezium's envelope through
    JsonConverter without schemas. Debezium's connector is created first and streams a probe table until a probe
    row arrives (its binlog reader is running); the JVM's CPU is counted from the copy until the last row landed."""
    from confluent_kafka import Consumer

    from bench.cases.cdc import CopiedTables, ours_capture

    db = common.services("mariadb")["mariadb"]
    with common.phase("prepare: source table"):
        tables = CopiedTables(db, settings.records)
    watermarks = Consumer({"bootstrap.servers": bootstrap, "group.id": common.unique("cdc-count")})

    def theirs(rep: int) -> Sample:
        table, probe = tables.new_table(), tables.new_table()
        name = common.unique("dbzcdc")
        config = debezium_mariadb_config(db, name, bootstrap, f"{table}|{probe}", **{
            "snapshot.mode": "no_data", "key.converter.schemas.enable": "false",
            "value.converter.schemas.enable": "false"})
        status, body = worker.rest("PUT", f"/connectors/{name}/config", config)
        if status >= 300:
            raise RuntimeError(f"creating {name} failed: {status} {body}")
        try:
            with common.phase("jvm: connector start"):
                worker.probe("Debezium's binlog reader", lambda row: tables.copy_row(probe, row),
                             lambda: _records_in(watermarks, f"{name}.{db['database']}.{probe}") > 0, 120)
            topic = f"{name}.{db['database']}.{table}"
            return worker.span(f"{name}'s {settings.records} rows", lambda: tables.copy(table),
                               lambda: _records_in(watermarks, topic) >= settings.records, settings.records, 900)
        finally:
            with common.phase("jvm connectors deleted"):
                worker.rest("DELETE", f"/connectors/{name}")

    try:
        mine, java, load = _interleaved(settings, lambda rep: ours_capture(cluster, tables, settings.records),
                                        theirs)
    finally:
        watermarks.close()
        tables.drop()
    return method_row(f"4d binlog cdc -> kafka vs debezium {_size(settings.records, sweep=False)}",
                      f"Kafka Connect {KAFKA_VERSION} + {DEBEZIUM_MARIADB}", mine, java, load_avg_1m=load,
                      warmup_records=settings.records)


def _committed(bootstrap: str, group: str, topic: str) -> int:
    """Records the group has committed on ``topic`` (every partition)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return sum(max(tp.offset, 0) for tp in committed)
    finally:
        consumer.close()


def _size(records: int, *, sweep: bool = True) -> str:
    """``@100k``, ``@1M``: the size a row was measured at, in its name (the JVM's rate depends on it); a sweep
    size below ``COLD_BELOW`` adds "cold start" (the JVM pays its JIT's warm-up there, not its steady state)."""
    if records >= 1_000_000 and records % 1_000_000 == 0:
        label = f"@{records // 1_000_000}M"
    else:
        label = f"@{records // 1000}k" if records >= 1000 and records % 1000 == 0 else f"@{records}"
    return f"{label} cold start" if sweep and records < COLD_BELOW else label


def sizes(settings: Settings) -> list[int]:
    """Case 4's sweep (``BENCH_JAVA_SIZES``, ascending), or ``BENCH_RECORDS`` alone."""
    return sorted(set(settings.java_sizes)) or [settings.records]


def java_repeats() -> int:
    """Measured repetitions of every sub-case at every size: ``BENCH_JAVA_REPEATS`` (6: the fewest whose
    order-statistics interval of the median, [min, max], covers 95%; bench/stats.py)."""
    return int(os.environ.get("BENCH_JAVA_REPEATS", "6"))


def warmups() -> int:
    """Discarded warm-up repetitions of both sides before the measured ones: ``BENCH_JAVA_WARMUPS`` (1; at least 1).
    The JVM of 4e and 4m was still getting faster repetition by repetition after one (bench/README)."""
    return max(1, int(os.environ.get("BENCH_JAVA_WARMUPS", "1")))


def sub_cases() -> tuple[str, ...]:
    """The sub-cases to run, ``BENCH_JAVA_CASES`` (comma list of ``SUB_CASES``; all by default)."""
    chosen = tuple(c.strip() for c in os.environ.get("BENCH_JAVA_CASES", ",".join(SUB_CASES)).split(",") if c.strip())
    unknown = set(chosen) - set(SUB_CASES)
    if unknown:
        raise ValueError(f"BENCH_JAVA_CASES: unknown sub-case(s) {sorted(unknown)}; known: {', '.join(SUB_CASES)}")
    return chosen


def _interleaved(settings: Settings, ours: Callable[[int], Sample], theirs: Callable[[int], Sample],
                 ) -> tuple[list[Sample], list[Sample], list[float]]:
    """``common.interleave`` after ``warmups()`` discarded warm-ups of both sides (one, by default), with the
    1-minute load average read after each measured repetition (the machine is shared: a loaded repetition shows in
    the row)."""
    load: list[float] = []

    def side(who: str, call: Callable[[int], Sample], rep: int) -> Sample:
        """One side's repetition, its phases' wall time printed as progress (the rest of it counts as
        ``<who> side, other``)."""
        before, wall0 = dict(common.phase.wall), time.perf_counter()
        with common.phase(f"{who} side, other"):
            sample = call(rep)
        spent = {k: v - before.get(k, 0.0) for k, v in common.phase.wall.items() if v - before.get(k, 0.0) >= 0.05}
        print(f"  {_ROW[0]} {'warm-up' if rep < 0 else f'rep {rep}'} {who}: {time.perf_counter() - wall0:.1f} s ("
              + ", ".join(f"{k} {v:.1f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1])) + ")",
              flush=True)
        return sample

    for _ in range(warmups() - 1):  # the last warm-up is common.interleave's
        side("ours", ours, -1)
        side("jvm", theirs, -1)

    def ours_noted(rep: int) -> Sample:
        sample = side("ours", ours, rep)
        if rep >= 0 and rep % 2 == 1:  # theirs ran first in odd repetitions: the pair is complete now
            load.append(round(os.getloadavg()[0], 2))
        return sample

    def theirs_noted(rep: int) -> Sample:
        sample = side("jvm", theirs, rep)
        if rep >= 0 and rep % 2 == 0:
            load.append(round(os.getloadavg()[0], 2))
        return sample

    mine, java = common.interleave(settings.repeats, ours_noted, theirs_noted, warmup=True)
    return mine, java, load


def method_row(name: str, baseline: str, mine: list[Sample], java: list[Sample], *, raw: list[Sample] | None = None,
               raw_kind: str | None = None, **extra: Any) -> Result:
    """One side-by-side row by the method (bench/README "Method"): records per CPU-second, ours counting all its
    CPU (``cpu_basis`` "total"), the ratio the median of the per-repetition ratios with its order-statistics
    interval (``ci95``, its exact ``ci_coverage``), the function-only ratio beside it, and raw/JVM of the same
    repetitions (None where the case has no raw floor)."""
    records = mine[0].records if mine else 0
    ours_total = [s.cpu_s for s in mine]
    ours_function = [s.cpu_s - s.esm_cpu_s for s in mine]
    jvm = [s.cpu_s for s in java]
    total = stats.median_interval(stats.paired_ratios(ours_total, jvm))
    function_only = stats.median_interval(stats.paired_ratios(ours_function, jvm))

    def rate(cpu: list[float]) -> float:
        return round(statistics.median(records / max(c, 1e-9) for c in cpu), 1)

    def rounded(values: list[float]) -> list[float]:
        return [round(v, 3) for v in values]

    row: dict[str, Any] = {
        "cpu_basis": "total", "repeats": total.samples, "ci95": [round(total.low, 3), round(total.high, 3)],
        "ci_coverage": round(total.coverage, 4), "ci_method": "order statistics of the per-repetition ratios",
        "ratios": rounded(stats.paired_ratios(ours_total, jvm)),
        "function_only_ratio": round(function_only.median, 3),
        "function_only_ci95": [round(function_only.low, 3), round(function_only.high, 3)],
        "ours_per_cpu_s": rate(ours_total), "ours_per_cpu_s_function_only": rate(ours_function),
        "baseline_per_cpu_s": rate(jvm),
        "ours_cpu_s": rounded(ours_total), "ours_esm_cpu_s": rounded([s.esm_cpu_s for s in mine]),
        "baseline_cpu_s": rounded(jvm), "ours_wall_s": rounded([s.wall_s for s in mine]),
        "baseline_wall_s": rounded([s.wall_s for s in java]),
        "raw_over_jvm": None, "raw_kind": raw_kind or "none: this case has no raw floor yet",
    }
    if raw:
        raw_cpu = [s.cpu_s for s in raw]
        raw_over_jvm = stats.median_interval(stats.paired_ratios(raw_cpu, jvm))
        ours_over_raw = stats.median_interval(stats.paired_ratios(ours_total, raw_cpu))
        row.update(raw_over_jvm=round(raw_over_jvm.median, 3),
                   raw_over_jvm_ci95=[round(raw_over_jvm.low, 3), round(raw_over_jvm.high, 3)],
                   ours_over_raw=round(ours_over_raw.median, 3),
                   ours_over_raw_ci95=[round(ours_over_raw.low, 3), round(ours_over_raw.high, 3)],
                   raw_per_cpu_s=rate(raw_cpu), raw_cpu_s=rounded(raw_cpu))
    row.update(extra)
    return common.Result(name, row["ours_per_cpu_s"], baseline, row["baseline_per_cpu_s"], records, len(mine),
                         unit="records/cpu-s", ratio=round(total.median, 3), extra=row)


_ROW = [""]  # the row running now, in the progress lines


def _guarded(name: str, records: int, sub_case: Callable[[], Result]) -> Result:
    """Run one sub-case; a failure is its own row (``skipped`` "failed: ..."), so it never loses the rows of the
    sub-cases that ran before it in the same worker. Its wall time by phase is printed and kept in
    ``extra.phase_wall_s`` (``common.phase``: where the run's time goes, never a figure)."""
    _ROW[0] = f"{name.split(maxsplit=1)[0]} {_size(records, sweep=False)}"
    common.phase.reset()
    wall0 = time.perf_counter()
    try:
        with common.phase("row set-up and clean-up"):
            result = sub_case()
    except Exception as error:  # report and go on with the other sub-cases
        traceback.print_exc()
        result = common.Result(f"{name} {_size(records, sweep=False)}", None, "", None, records, 0,
                               skipped=f"failed: {type(error).__name__}: {error}"[:500])
    phases = common.phase.reset()
    result.extra["phase_wall_s"] = phases
    print(f"{_ROW[0]}: {time.perf_counter() - wall0:.0f} s: "
          + ", ".join(f"{k} {v:.0f}" for k, v in sorted(phases.items(), key=lambda kv: -kv[1])), flush=True)
    return result


def _group(results: list[Result], key: str, make: Callable[[], list[Result]]) -> None:
    """One sub-case at one size (``key``: ``4a@100000``) into ``results``: measured, or the rows an earlier part of
    this run kept (bench/checkpoint.py)."""
    results.extend(checkpoint.rows_or_run("connect_java", key, make))


def run(settings: Settings) -> list[Result]:
    """Start one worker, run the sub-cases, stop it; skipped sub-cases say why."""
    if not settings.java:
        return [common.Result("4 kafka connect side by side", None, "", None, settings.records, 0,
                              skipped="BENCH_JAVA=0")]
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    common.allow_bench_files()  # 4a's FileStream files live under .run/bench
    from bench.cases.connect_java_mirror import mirror_cases
    from bench.cases.connect_java_pg import DEBEZIUM_POSTGRES, pg_row
    from bench.cases.connect_java_s3 import camel_plugin, s3_rows

    chosen = sub_cases()
    settings = dataclasses.replace(settings, repeats=java_repeats())
    results: list[Result] = []
    camel = camel_plugin() if {"4c", "4q"} & set(chosen) else (None, "")
    debezium, why = plugin(DEBEZIUM, "debezium-connector-jdbc") if {"4b", "4p"} & set(chosen) else (None, "")
    debezium_cdc, cdc_why = (plugin(DEBEZIUM_MARIADB, "debezium-connector-mariadb")
                             if {"4d", "4p", "4q"} & set(chosen) else (None, ""))
    debezium_pg, pg_why = plugin(DEBEZIUM_POSTGRES, "debezium-connector-postgres") if "4e" in chosen else (None, "")
    plugins = RUN_DIR / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    wall0 = time.perf_counter()
    worker = Worker(bootstrap, plugins)
    print(f"case 4: the standalone worker started in {time.perf_counter() - wall0:.1f} s", flush=True)
    cluster = common.Cluster.create(bootstrap)
    try:
        for size in sizes(settings):
            at = dataclasses.replace(settings, records=size)
            for key, lines in (("4a", "ascii"), ("4r", "realistic")):
                if key in chosen:
                    _group(results, f"{key}@{size}", lambda at=at, key=key, lines=lines: [_guarded(
                        f"{key} filestream {lines} lines", at.records,
                        lambda: file_case(at, worker, cluster, bootstrap, lines))])
            if "4b" in chosen and debezium is None:
                results.append(common.Result(f"4b kafka -> mariadb upsert vs debezium {_size(size)}", None,
                                             DEBEZIUM, None, size, 0, skipped=f"not resolvable: {why}"))
            elif "4b" in chosen:
                _group(results, f"4b@{size}", lambda at=at: [_guarded(
                    "4b kafka -> mariadb upsert vs debezium", at.records, lambda: jdbc_case(at, worker, cluster,
                                                                                            bootstrap))])
            if "4p" in chosen:
                from bench.cases import jdbc_pair

                if debezium is None or debezium_cdc is None:
                    results.append(common.Result(f"{jdbc_pair.NAME} {_size(size)}", None, jdbc_pair.BASELINE, None,
                                                 size, 0, skipped=f"not resolvable: {why or cdc_why}"))
                else:
                    _group(results, f"4p@{size}", lambda at=at: [_guarded(
                        jdbc_pair.NAME, at.records, lambda: jdbc_pair.pair_case(at, worker, cluster, bootstrap))])
            if {"4c", "4q"} & set(chosen):
                _group(results, f"4c,4q@{size}", lambda at=at: s3_rows(
                    at, worker, cluster, bootstrap, chosen=chosen, camel=camel, debezium_cdc=(debezium_cdc, cdc_why)))
            if "4e" in chosen:
                _group(results, f"4e@{size}", lambda at=at: [pg_row(at, worker, cluster, bootstrap, plugin=debezium_pg,
                                                                    why=pg_why)])
        if "4d" in chosen and debezium_cdc is None:
            results.append(common.Result("4d binlog cdc -> kafka vs debezium", None, DEBEZIUM_MARIADB, None,
                                         settings.records, 0, skipped=f"not resolvable: {cdc_why}"))
        elif "4d" in chosen:
            _group(results, f"4d@{settings.records}", lambda: [_guarded(
                "4d binlog cdc -> kafka vs debezium", settings.records,
                lambda: cdc_case(settings, worker, cluster, bootstrap))])
        if "4m" in chosen:  # a distributed worker of its own (exactly-once source support), after the others
            worker.close()
            _group(results, "4m", lambda: mirror_cases(settings, cluster, bootstrap, plugins))
    finally:
        cluster.close()
        worker.close()
    return results

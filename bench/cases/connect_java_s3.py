"""Cases 4c and 4q: Kafka -> S3 (LocalStack) against Apache Camel's Kafka connector configured alike, and the
production pair MariaDB -> JDBC source -> Kafka -> S3 against Debezium's snapshot -> Camel.

No S3 sink for Kafka Connect is on Maven Central but Camel's (Confluent's and Aiven's are not), so the JVM's S3 sink
is Camel's generic ``CamelSinkConnector`` 0.11.0 with the ``aws2-s3`` endpoint, configured as ours is: JsonConverter
with schemas reading the topic, each value written as JSON without schemas (Camel's
``SchemaAndStructToJsonTransform``, a JsonConverter with ``schemas.enable=false``: our JsonFormat's shape), records
aggregated ``flush.size`` to an object (``camel.aggregation.size``) as JSON lines by ``JsonLinesAggregator``
(bench/java/camel-s3), objects cut only by size on both sides. What differs is said in bench/README ("Kafka -> S3
configured alike").

4c: the sink alone, from the topic of JsonConverter rows every sink case reads. 4q: 4p's source half (our JDBC
source, Debezium's ``MariaDbConnector`` snapshot flattened to the row) into the S3 sinks. Every side of every
repetition is read back outside the measured span: every record must land once (ids 1..N, no duplicate), and the
raw floor's objects must be ours' bytes.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from typing import TYPE_CHECKING, Any

from bench import common, dataset, jvm_worker, mapping, mariadb_rows, side_by_side, sink_data
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from bench.common import Result, Sample, Settings

CAMEL_S3 = "org.apache.camel.kafkaconnector:camel-kafka-connector:0.11.0 + org.apache.camel:camel-aws2-s3:3.11.1"
CAMEL_DIR = jvm_worker.POM_DIR / "camel-s3"
AGGREGATOR = "io.lambdaconnect.bench.JsonLinesAggregator"
CONNECTOR = "io.lambdaconnect.bench.CamelS3SinkConnector"  # CamelSinkConnector, from this plugin directory
AGGREGATION_TIMEOUT_MS = "600000"  # objects close by size only (ours: no rotate.interval.ms), as sizes divide evenly
NAME_4C = "4c kafka -> s3 vs camel aws2-s3"
NAME_4Q = "4q jdbc src -> kafka -> s3 vs debezium + camel"
BASELINE_4Q = f"Kafka Connect {KAFKA_VERSION} + {mariadb_rows.DEBEZIUM_MARIADB} (snapshot) + {CAMEL_S3} (aggregated)"
CAMEL_DELIVERY = ("Camel acknowledges a record to the worker when it joins the aggregation, before its object is "
                  "written, so records still aggregating at a crash are lost after an offset commit (at most once for "
                  "them)")


def camel_plugin() -> tuple[Path | None, str]:
    """Camel's Kafka connector + aws2-s3 with their dependencies and the bench's aggregation bean (built by Maven
    from bench/java/camel-s3) in one plugin directory; rebuilt when the pom or the bean's source changes."""
    target = jvm_worker.RUN_DIR / "plugins" / "camel-aws2-s3"
    sources = [CAMEL_DIR / "pom.xml", *sorted((CAMEL_DIR / "src").rglob("*.java"))]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:8]
    bean = target / f"bench-camel-s3-{digest}.jar"
    if bean.exists() and any(target.glob("camel-aws2-s3-*.jar")):
        return target, "cached"
    build = jvm_worker.RUN_DIR / "camel-s3-build"
    for args in (["package", f"-Dbench.build.dir={build}"],
                 [f"{jvm_worker.MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies", f"-DoutputDirectory={target}",
                  "-DincludeScope=runtime", f"-Dbench.build.dir={build}"]):
        done = subprocess.run(["mvn", "-q", "-B", *args], cwd=CAMEL_DIR, capture_output=True, text=True,
                              check=False, timeout=600)
        if done.returncode != 0:
            lines = [line for line in (done.stdout + done.stderr).splitlines() if "ERROR" in line]
            return None, (lines[0] if lines else "mvn failed")[:300]
    for old in target.glob("bench-camel-s3-*.jar"):  # one copy of the bean on the plugin's class path
        old.unlink()
    bean.write_bytes((build / "bench-camel-s3-plugin-0.1.0.jar").read_bytes())
    return target, "resolved"


def ours_config(aws: dict[str, str], bucket: str, topic: str, prefix: str, flush: int) -> dict[str, str]:
    """Our S3 sink: JSON lines (JsonFormat), ``flush`` records a file, under ``prefix``; JsonConverter with
    schemas reading the topic."""

    return {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "s3.bucket.name": bucket,
            "store.url": aws["endpoint_url"], "s3.region": aws["region_name"],
            "aws.access.key.id": aws["aws_access_key_id"], "aws.secret.access.key": aws["aws_secret_access_key"],
            "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": str(flush),
            "behavior.on.null.values": "ignore", "topics.dir": prefix, "topics": topic, "tasks.max": "1",
            **mariadb_rows.CONVERTERS}


def camel_config(aws: dict[str, str], bucket: str, topic: str, prefix: str, flush: int) -> dict[str, str]:
    """Camel's sink configured as ours: the same converters, each value as JSON without schemas, ``flush``
    records an object (JSON lines), objects named ``<prefix>/<sequence>.json``."""
    port = aws["endpoint_url"].rsplit(":", 1)[1]
    url = (f"aws2-s3://{bucket}?accessKey={aws['aws_access_key_id']}&secretKey={aws['aws_secret_access_key']}"
           f"&region={aws['region_name']}&overrideEndpoint=true&uriEndpointOverride=http://{jvm_worker.S3_HOST}:{port}"
           "&autoCreateBucket=false")
    return {
        "connector.class": CONNECTOR,
        "tasks.max": "1",
        "topics": topic,
        "camel.sink.url": url,
        "key.converter": jvm_worker.JSON,
        "value.converter": jvm_worker.JSON,
        "transforms": "json",
        "transforms.json.type": "org.apache.camel.kafkaconnector.transforms.SchemaAndStructToJsonTransform",
        "transforms.json.schemas.enable": "false",
        "transforms.json.converter.type": "value",
        "camel.beans.aggregate": f"#class:{AGGREGATOR}",
        "camel.beans.aggregate.keyPrefix": f"{prefix}/",
        "camel.aggregation.size": str(flush),
        "camel.aggregation.timeout": AGGREGATION_TIMEOUT_MS,
    }


def _all_keys(client: Any, bucket: str, prefix: str) -> list[str]:
    """Every key under ``prefix``. LocalStack lists nothing after a page whose last key holds a ``+`` (ours' file
    names do) whether the next page is asked by token, ``StartAfter`` or marker, but answers ``MaxKeys`` above 1,000
    in one page: asked for a million at once (S3 caps a page at 1,000 and the loop goes on from the last key)."""
    found: list[str] = []
    while True:
        extra = {"StartAfter": found[-1]} if found else {}
        page = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1_000_000, **extra)
        found.extend(item["Key"] for item in page.get("Contents", ()))
        if not page.get("Contents") or not page.get("IsTruncated"):
            return found


def keys(client: Any, bucket: str, prefix: str) -> list[str]:
    """The data objects under ``prefix`` (ours' staging area left out)."""
    return [key for key in _all_keys(client, bucket, prefix) if "_lambda-connect+staging" not in key]


def landed(client: Any, bucket: str, prefix: str, records: int) -> str:
    """Read every object under ``prefix`` back: each must hold JSON lines, together the ids 1..``records`` once
    each; the digest of the lines in id order (the same digest: the same bytes for every record)."""
    import orjson

    lines: dict[int, bytes] = {}
    for key in keys(client, bucket, prefix):
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        if not body.endswith(b"\n"):
            raise RuntimeError(f"{key}: the last line has no newline")
        for line in body[:-1].split(b"\n"):
            ident = orjson.loads(line)["id"]
            if ident in lines:
                raise RuntimeError(f"{prefix}: id {ident} landed twice")
            lines[ident] = line
    if sorted(lines) != list(range(1, records + 1)):
        raise RuntimeError(f"{prefix}: {len(lines)} distinct ids landed, not ids 1..{records}")
    digest = hashlib.sha256()
    for ident in range(1, records + 1):
        digest.update(lines[ident] + b"\n")
    return digest.hexdigest()


def clear(client: Any, bucket: str, prefix: str) -> None:
    """Delete everything under ``prefix`` (LocalStack holds it in memory), outside the measured spans."""
    found = _all_keys(client, bucket, prefix)
    for i in range(0, len(found), 1000):
        client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in found[i:i + 1000]],
                                                     "Quiet": True})


def raw_s3(client: Any, bucket: str, prefix: str, bootstrap: str, topic: str, *, records: int, batch: int) -> int:
    """The least a Python function does for the S3 sink under Lambda's delivery model, with the S3 shortcut ours
    uses (``connectors/s3/_direct_put.py``: after one boto3 PutObject, PUTs signed by botocore's signer and sent
    on the client's session): the topic consumed into the same Lambda events, each value's JsonConverter payload
    decoded and written back as one JSON line, each event's lines one object keyed as our sink keys its files. No
    staging, no head, no conditional PUT: nothing can do less and still write the same objects."""
    import orjson

    from connect_core.connectors.s3._direct_put import DirectPut

    direct, events = DirectPut(client), client.meta.events
    b64decode, loads, dumps = base64.b64decode, orjson.loads, orjson.dumps

    def put(key: str, body: bytes) -> None:
        if direct.ready and direct.put(key, body, {}) is not None:
            return
        handler = direct.capture(key)  # boto3's PUT shows the URL and signing scope
        events.register("before-send.s3.PutObject", handler)
        try:
            client.put_object(Bucket=bucket, Key=key, Body=body)
        finally:
            events.unregister("before-send.s3.PutObject", handler)

    def invoke(event: dict[str, Any]) -> int:
        written = 0
        for batch_records in event["records"].values():
            body = b"".join([dumps(loads(b64decode(r["value"]))["payload"]) + b"\n" for r in batch_records])
            first = batch_records[0]
            name, part = first["topic"], first["partition"]
            put(f"{prefix}/{name}/partition={part}/{name}+{part}+{first['offset']:010d}.json", body)
            written += len(batch_records)
        return written

    return mapping.consume_as_mapping(bootstrap, topic, invoke, records=records, batch=batch)


def ensure_bucket(client: Any, bucket: str) -> None:
    """The worker's bucket (the one its hosts file names), made once."""
    try:
        client.head_bucket(Bucket=bucket)
    except Exception:
        client.create_bucket(Bucket=bucket)


class _Sides:
    """Per repetition: the prefixes of ours, the floor and the JVM in the worker's bucket, read back and cleared
    outside the measured spans; the digests of what landed."""

    def __init__(self, worker: jvm_worker.Worker, records: Callable[[int], int], flush: int) -> None:
        import boto3

        self.aws = common.services("localstack")["localstack"]
        self.client = boto3.client("s3", **self.aws)
        self.bucket, self.records, self.flush = worker.bucket, records, flush
        ensure_bucket(self.client, self.bucket)
        self.run = common.unique("s3")
        self.digests: dict[tuple[str, int], str] = {}

    def prefix(self, side: str, rep: int) -> str:
        return f"{self.run}/{side}-{rep}"

    def check(self, side: str, rep: int) -> None:
        """Read ``side``'s objects of repetition ``rep`` back (every record once), keep the digest, delete them."""
        prefix = self.prefix(side, rep)
        try:
            self.digests[side, rep] = landed(self.client, self.bucket, prefix + "/", self.records(rep))
        finally:  # a failed check frees LocalStack's memory too (a million records hold ~190 MB)
            clear(self.client, self.bucket, prefix + "/")

    def camel_done(self, rep: int) -> Callable[[], bool]:
        """Whether Camel wrote all of repetition ``rep``'s objects (``flush`` records each, cut by size only)."""
        records = self.records(rep)
        if records % self.flush:
            raise ValueError(f"{records} records do not fill objects of {self.flush}: Camel would hold the rest for "
                             f"its {AGGREGATION_TIMEOUT_MS} ms timeout")
        prefix = self.prefix("camel", rep) + "/"
        return lambda: len(keys(self.client, self.bucket, prefix)) >= records // self.flush

    def same(self, a: str, b: str) -> bool | None:
        """Whether sides ``a`` and ``b`` wrote the same lines in every measured repetition both ran."""
        reps = [rep for (side, rep) in self.digests if side == a and rep >= 0 and (b, rep) in self.digests]
        return all(self.digests[a, r] == self.digests[b, r] for r in reps) if reps else None


def s3_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> list[Result]:
    """4c: ours behind the emulated mapping (with the raw floor beside it) and ours as a pull-mode task (its own copy
    of the topic, consumed by the function itself) against Camel's sink over the same topic of JsonConverter rows:
    the mapping row and its pull-mode row, from the same repetitions."""

    def data_for(rep: int) -> sink_data.SinkData:
        size = settings.records if rep >= 0 else side_by_side.warmup_size(settings.records)
        return sink_data.SinkData.topic_only(common.Settings(records=size, repeats=1, batch=settings.batch))

    pull_topics: dict[int, str] = {}

    def pull_topic(records: int) -> str:
        """The pull side's own copy of the rows, made once per size outside the measured spans."""
        if records not in pull_topics:
            with common.phase("prepare: source topic"):
                pull_topics[records] = common.unique("rows-pull")
                common.produce(bootstrap, pull_topics[records], dataset.sink_records(records))
        return pull_topics[records]

    sides = _Sides(worker, lambda rep: data_for(rep).records, settings.batch)
    kept: dict[str, list[Sample]] = {}
    idle: list[Sample] = []

    def ours(rep: int) -> Sample:
        data = data_for(rep)
        name, pull_name = common.unique("s3ours"), common.unique("s3pull")
        cluster.deploy(name, ours_config(sides.aws, sides.bucket, data.topic, sides.prefix("ours", rep),
                                         settings.batch))
        cluster.deploy(pull_name, ours_config(sides.aws, sides.bucket, pull_topic(data.records),
                                              sides.prefix("pull", rep), settings.batch)
                       | mapping.PULL_CONFIG | {"lambda.batch.size": str(settings.batch)})

        def mine() -> Sample:
            return mapping.measure_ours(lambda: mapping.sink_from_topic(cluster, name, bootstrap, data.topic,
                                                                   records=data.records, batch=settings.batch))

        def least() -> Sample:
            return mapping.measure_ours(lambda: raw_s3(sides.client, sides.bucket, sides.prefix("raw", rep), bootstrap,
                                                    data.topic, records=data.records, batch=settings.batch))

        def pulled() -> Sample:
            return mapping.pull_sample(cluster, pull_name, records=data.records, idle=idle if rep >= 0 else None)

        sample = side_by_side.rotated(rep, [("ours", mine), ("raw", least), ("ours, pull mode", pulled)], kept)
        for side in ("ours", "raw", "pull"):
            sides.check(side, rep)
        return sample

    def theirs(rep: int) -> Sample:
        data = data_for(rep)
        config = camel_config(sides.aws, sides.bucket, data.topic, sides.prefix("camel", rep), settings.batch)
        sample = worker.timed({common.unique("camel"): config}, sides.camel_done(rep), data.records, 1800)
        sides.check("camel", rep)
        return sample

    try:
        mine, jvm, load = side_by_side.interleaved(settings, ours, theirs)
    finally:
        mapping.delete_topics(bootstrap, list(pull_topics.values()))
    raw = kept.get("raw", [])
    row = side_by_side.method_row(
        f"{NAME_4C} {side_by_side.size_label(settings.records)}",
        f"Kafka Connect {KAFKA_VERSION} + {CAMEL_S3}",
        mine,
        jvm,
        raw=raw,
        raw_kind="floor",
        load_avg_1m=load,
        warmup_records=side_by_side.warmup_size(settings.records),
        flush_size=settings.batch,
        same_bytes_as_raw=sides.same("ours", "raw"),
        same_lines_as_jvm=sides.same("ours", "camel"),
        delivery="ours: exactly-once S3 sink (a conditional head swap per invocation); JVM: " + CAMEL_DELIVERY,
    )
    pulled = side_by_side.pull_row(row, kept.get("ours, pull mode", []), jvm, raw=raw, idle=idle, load_avg_1m=load,
                                   flush_size=settings.batch, same_bytes_as_mapping=sides.same("pull", "ours"),
                                   same_lines_as_jvm=sides.same("pull", "camel"))
    return [row, pulled]


def pair_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> Result:
    """4q: 4p's source halves into the S3 sinks: ours (JDBC source -> S3 sink, the floor beside it) and Debezium's
    snapshot (flattened) -> Camel, over the same source table, each repetition into fresh topics and prefixes."""

    db = common.services("mariadb")["mariadb"]
    measured, warmup = settings.records, side_by_side.warmup_size(settings.records)
    sources = {size: common.unique("s3pair_src").replace("-", "_") for size in {measured, warmup}}
    for size, table in sources.items():
        dataset.create_table(db, table, size)
    sides = _Sides(worker, lambda rep: warmup if rep < 0 else measured, settings.batch)
    raw: list[Sample] = []
    invocations: list[int] = []  # ours' source invocations per repetition (the warm-up's first)

    def ours(rep: int) -> Sample:
        records = sides.records(rep)
        table = sources[records]
        prefix, raw_topic = common.unique("s3pair") + "-", common.unique("s3pair-raw")
        for topic in (prefix + table, raw_topic):
            mapping.create_topic(bootstrap, topic)
            mapping.MADE_TOPICS.append(topic)

        def mine() -> Sample:
            def both() -> int:
                invocations.append(mariadb_rows.ours_source(cluster, db, table, topic_prefix=prefix, records=records,
                                               batch=settings.batch))
                sink = common.unique("s3psink")
                cluster.deploy(sink, ours_config(sides.aws, sides.bucket, prefix + table, sides.prefix("ours", rep),
                                                 settings.batch))
                return mapping.sink_from_topic(cluster, sink, bootstrap, prefix + table, records=records,
                                             batch=settings.batch)

            return mapping.measure_ours(both)

        def least() -> Sample:
            def both() -> int:
                sent = mariadb_rows.raw_source(db, bootstrap, table, raw_topic, batch=settings.batch)
                if sent != records:
                    raise RuntimeError(f"the raw source read {sent} of {records} rows")
                return raw_s3(sides.client, sides.bucket, sides.prefix("raw", rep), bootstrap, raw_topic,
                              records=records, batch=settings.batch)

            return mapping.measure_ours(both)

        sample = side_by_side.alternated(rep, mine, least, raw)
        mapping.drop_made_topics(bootstrap)
        sides.check("ours", rep)
        sides.check("raw", rep)
        return sample

    def theirs(rep: int) -> Sample:
        records = sides.records(rep)
        table, name = sources[records], common.unique("dbzs3")
        topic, source = mariadb_rows.debezium_snapshot(db, bootstrap, name, table, settings.batch)
        connectors = {name: source, common.unique("camels3"): camel_config(
            sides.aws, sides.bucket, topic, sides.prefix("camel", rep), settings.batch)}
        try:
            sample = worker.timed(connectors, sides.camel_done(rep), records, 1800)
        finally:
            mapping.drop_made_topics(bootstrap)
        sides.check("camel", rep)
        return sample

    try:
        mine, jvm, load = side_by_side.interleaved(settings, ours, theirs)
    finally:
        dataset.drop_tables(db, list(sources.values()))
    return side_by_side.method_row(
        f"{NAME_4Q} {side_by_side.size_label(measured)}",
        BASELINE_4Q,
        mine,
        jvm,
        raw=raw,
        raw_kind="floor",
        load_avg_1m=load,
        warmup_records=warmup,
        batch_max_rows=settings.batch,
        flush_size=settings.batch,
        same_bytes_as_raw=sides.same("ours", "raw"),
        ours_invocations=invocations[-len(mine) :],
        delivery="ours: exactly-once source (transactional) and S3 sink; JVM: at-least-once "
        "source (standalone worker), " + CAMEL_DELIVERY,
    )


def s3_rows(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str, *,
            chosen: tuple[str, ...], camel: tuple[Path | None, str],
            debezium_cdc: tuple[Path | None, str]) -> list[Result]:
    """The rows of 4c and 4q at ``settings.records`` that ``chosen`` names: each row, its failure as its own row,
    or why a plugin is missing."""
    rows: list[Result] = []
    size = side_by_side.size_label(settings.records)
    if "4c" in chosen:
        rows.extend(
            [common.Result(
                f"{NAME_4C} {size}", None, CAMEL_S3, None, settings.records, 0, skipped=f"not resolvable: {camel[1]}"
            )]
            if camel[0] is None
            else side_by_side.guarded_rows(NAME_4C, settings.records,
                                           lambda: s3_case(settings, worker, cluster, bootstrap))
        )
    if "4q" in chosen:
        missing = camel[1] if camel[0] is None else debezium_cdc[1] if debezium_cdc[0] is None else None
        rows.append(
            common.Result(
                f"{NAME_4Q} {size}", None, BASELINE_4Q, None, settings.records, 0, skipped=f"not resolvable: {missing}"
            )
            if missing is not None
            else side_by_side.guarded(
                NAME_4Q, settings.records, lambda: pair_case(settings, worker, cluster, bootstrap)
            )
        )
    return rows

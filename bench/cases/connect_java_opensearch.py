"""Case 4o: Kafka -> OpenSearch (the local 9200) against Apache Camel's Elasticsearch sink configured alike.

No Elasticsearch or OpenSearch sink connector for Kafka Connect resolves from Maven Central here (Confluent's and
Aiven's are not on it; Camel's per-connector packages do not resolve either), so the JVM's is Camel's generic
``CamelSinkConnector`` 0.11.0 (4c's, under a class name of its own: bench/java/camel-es) with the
``elasticsearch-rest`` 3.11.1 endpoint (Elasticsearch's 7.8 high-level REST client, which OpenSearch answers):
JsonConverter with schemas reading the topic, each value indexed as JSON
without schemas (Camel's ``SchemaAndStructToJsonTransform``, our sink's document with ``schema.ignore=false``),
``BENCH_BATCH`` records aggregated into one list by Camel's ``GroupedBodyAggregationStrategy`` and written as one
``_bulk`` request (``operation=Bulk``), as ours writes one ``_bulk`` per batch. What differs: ours sets each
document's id (``topic+partition+offset``, ``key.ignore=true``), Camel lets OpenSearch make one; Camel acknowledges a
record when it joins the aggregation (4c's ``CAMEL_DELIVERY``).

Ours behind the emulated mapping (with the raw floor, one ``_bulk`` per event), ours as a pull-mode task over its own
copy of the topic, and Camel, each into indices of their own, every side's count read back outside the measured span
and one document compared with the JVM's.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from bench import common, dataset, jvm_worker, mapping, mariadb_rows, side_by_side, sink_data
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from bench.common import Result, Sample, Settings

CAMEL_ES = ("org.apache.camel.kafkaconnector:camel-kafka-connector:0.11.0 + "
            "org.apache.camel:camel-elasticsearch-rest:3.11.1")
CAMEL_DIR = jvm_worker.POM_DIR / "camel-es"
NAME_4O = "4o kafka -> opensearch vs camel elasticsearch-rest"
AGGREGATOR = "org.apache.camel.processor.aggregate.GroupedBodyAggregationStrategy"
CONNECTOR = "io.lambdaconnect.bench.CamelElasticsearchSinkConnector"  # CamelSinkConnector, from this plugin directory
AGGREGATION_TIMEOUT_MS = "600000"  # bulks close by size only, as ours' batches: the sizes divide evenly


def camel_es_plugin() -> tuple[Path | None, str]:
    """Camel's Kafka connector + elasticsearch-rest with their dependencies and the bench's connector class (built by
    Maven from bench/java/camel-es) in one plugin directory; rebuilt when the pom or the class's source changes."""
    import hashlib
    import subprocess

    target = jvm_worker.RUN_DIR / "plugins" / "camel-elasticsearch-rest"
    sources = [CAMEL_DIR / "pom.xml", *sorted((CAMEL_DIR / "src").rglob("*.java"))]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:8]
    jar = target / f"bench-camel-es-{digest}.jar"
    if jar.exists() and any(target.glob("camel-elasticsearch-rest-*.jar")):
        return target, "cached"
    build = jvm_worker.RUN_DIR / "camel-es-build"
    for args in (["package", f"-Dbench.build.dir={build}"],
                 [f"{jvm_worker.MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies", f"-DoutputDirectory={target}",
                  "-DincludeScope=runtime", f"-Dbench.build.dir={build}"]):
        done = subprocess.run(["mvn", "-q", "-B", *args], cwd=CAMEL_DIR, capture_output=True, text=True,
                              check=False, timeout=600)
        if done.returncode != 0:
            lines = [line for line in (done.stdout + done.stderr).splitlines() if "ERROR" in line]
            return None, (lines[0] if lines else "mvn failed")[:300]
    for old in target.glob("bench-camel-es-*.jar"):  # one copy of the class on the plugin's class path
        old.unlink()
    jar.write_bytes((build / "bench-camel-es-plugin-0.1.0.jar").read_bytes())
    return target, "resolved"


def ours_config(url: str, topic: str) -> dict[str, str]:
    """Our Elasticsearch sink as case 2b configures it: ids ``topic+partition+offset`` (``key.ignore``), the value's
    JSON as the document, into the index named after the topic."""
    return {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
            "connection.url": url, "key.ignore": "true", "schema.ignore": "false", "topics": topic,
            "tasks.max": "1", **mariadb_rows.CONVERTERS}


def camel_config(url: str, topic: str, index: str, batch: int) -> dict[str, str]:
    """Camel's sink configured as ours: the same converters, each value as JSON without schemas, ``batch`` records a
    ``_bulk`` request into ``index``."""
    host = url.split("://", 1)[1].rstrip("/")
    return {
        "connector.class": CONNECTOR,
        "tasks.max": "1",
        "topics": topic,
        "camel.sink.url": f"elasticsearch-rest://lambda-connect?hostAddresses={host}&operation=Bulk&indexName={index}",
        "key.converter": jvm_worker.JSON,
        "value.converter": jvm_worker.JSON,
        "transforms": "json",
        "transforms.json.type": "org.apache.camel.kafkaconnector.transforms.SchemaAndStructToJsonTransform",
        "transforms.json.schemas.enable": "false",
        "transforms.json.converter.type": "value",
        "transforms.json.decimal.format": "NUMERIC",  # as our sink writes a DECIMAL (Confluent's ES sink does)
        "camel.beans.aggregate": f"#class:{AGGREGATOR}",
        "camel.aggregation.size": str(batch),
        "camel.aggregation.timeout": AGGREGATION_TIMEOUT_MS,
    }


class Indices:
    """The OpenSearch side of the row: counts, one document of each index, clean-up."""

    def __init__(self) -> None:
        import urllib3

        self.url = common.services("opensearch")["opensearch"]["connection.url"].rstrip("/")
        self.http = urllib3.PoolManager()
        self.first: dict[str, Any] = {}

    def count(self, index: str) -> int:
        """Documents searchable in ``index`` now (refreshed first); 0 while it does not exist."""
        import orjson

        self.http.request("POST", f"{self.url}/{index}/_refresh")
        response = self.http.request("GET", f"{self.url}/{index}/_count")
        return int(orjson.loads(response.data).get("count", 0)) if response.status == 200 else 0

    def check(self, side: str, index: str, records: int) -> None:
        """Every record landed once in ``index``; keep its document of ``id`` 1; drop the index."""
        import orjson

        try:
            found = self.count(index)
            if found != records:
                raise RuntimeError(f"{side}: {found} documents in {index}, not {records}")
            response = self.http.request("GET", f"{self.url}/{index}/_search?q=id:1&size=1")
            hits = orjson.loads(response.data)["hits"]["hits"]
            self.first[side] = hits[0]["_source"] if hits else None
        finally:
            self.drop(index)

    def drop(self, index: str) -> None:
        self.http.request("DELETE", f"{self.url}/{index}")

    def same(self, a: str, b: str) -> bool | None:
        """Whether sides ``a`` and ``b`` indexed the same document for the record of id 1 (None: one is missing)."""
        if a not in self.first or b not in self.first:
            return None
        return self.first[a] is not None and self.first[a] == self.first[b]


def raw_bulk(indices: Indices, index: str, bootstrap: str, topic: str, *, records: int, batch: int) -> int:
    """The least a Python function does for the OpenSearch sink under Lambda's delivery model: the topic consumed into
    the same Lambda events, each value's JsonConverter payload decoded, its DECIMAL (``price``, scale 2) written as a
    number as our sink writes it, one urllib3 ``_bulk`` of index actions (ids ``topic+partition+offset``) per event:
    ours' documents."""
    import orjson

    b64decode, loads, dumps, from_bytes = base64.b64decode, orjson.loads, orjson.dumps, int.from_bytes

    def document(value: str) -> bytes:
        payload = loads(b64decode(value))["payload"]
        if payload.get("price") is not None:
            payload["price"] = from_bytes(b64decode(payload["price"]), "big", signed=True) / 100
        return dumps(payload)

    def invoke(event: dict[str, Any]) -> int:
        lines: list[bytes] = []
        for batch_records in event["records"].values():
            for r in batch_records:
                action = {"index": {"_index": index, "_id": f"{r['topic']}+{r['partition']}+{r['offset']}"}}
                lines += [dumps(action), document(r["value"])]
        response = indices.http.request("POST", f"{indices.url}/_bulk", body=b"\n".join(lines) + b"\n",
                                        headers={"Content-Type": "application/x-ndjson"})
        result = loads(response.data)
        if response.status >= 300 or result.get("errors"):
            raise RuntimeError(f"bulk failed: {response.status} {str(result)[:300]}")
        return len(lines) // 2

    return mapping.consume_as_mapping(bootstrap, topic, invoke, records=records, batch=batch)


def opensearch_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster,
                    bootstrap: str) -> list[Result]:
    """4o: the mapping row and its pull-mode row against Camel's sink, from the same repetitions."""
    indices = Indices()

    def data_for(rep: int) -> sink_data.SinkData:
        size = settings.records if rep >= 0 else side_by_side.warmup_size(settings.records)
        return sink_data.SinkData.topic_only(common.Settings(records=size, repeats=1, batch=settings.batch))

    own_topics: dict[tuple[str, int], str] = {}

    def own_topic(side: str, records: int) -> str:
        """A side's own copy of the rows (ours' index is named after its topic), made once per size."""
        if (side, records) not in own_topics:
            with common.phase("prepare: source topic"):
                own_topics[side, records] = common.unique(f"rows-{side}")
                common.produce(bootstrap, own_topics[side, records], dataset.sink_records(records))
        return own_topics[side, records]

    kept: dict[str, list[Sample]] = {}
    idle: list[Sample] = []

    def ours(rep: int) -> Sample:
        records = data_for(rep).records
        topic, pull_topic = own_topic("os", records), own_topic("pull", records)
        raw_index = common.unique("raw-os")
        name, pull_name = common.unique("osours"), common.unique("ospull")
        cluster.deploy(name, ours_config(indices.url, topic))
        cluster.deploy(pull_name, ours_config(indices.url, pull_topic) | mapping.PULL_CONFIG
                       | {"lambda.batch.size": str(settings.batch)})
        for index in (topic, pull_topic):
            indices.drop(index)

        def mine() -> Sample:
            return mapping.measure_ours(lambda: mapping.sink_from_topic(cluster, name, bootstrap, topic,
                                                                        records=records, batch=settings.batch))

        def least() -> Sample:
            return mapping.measure_ours(lambda: raw_bulk(indices, raw_index, bootstrap, topic, records=records,
                                                         batch=settings.batch))

        def pulled() -> Sample:
            return mapping.pull_sample(cluster, pull_name, records=records, idle=idle if rep >= 0 else None)

        sample = side_by_side.rotated(rep, [("ours", mine), ("raw", least), ("ours, pull mode", pulled)], kept)
        with common.phase("clean-up"):
            indices.check("ours", topic, records)
            indices.check("raw", raw_index, records)
            indices.check("pull", pull_topic, records)
        return sample

    def theirs(rep: int) -> Sample:
        data = data_for(rep)
        if data.records % settings.batch:
            raise ValueError(f"{data.records} records do not fill bulks of {settings.batch}: Camel would hold the rest "
                             f"for its {AGGREGATION_TIMEOUT_MS} ms timeout")
        index = common.unique("camel-os")
        done: Callable[[], bool] = lambda: indices.count(index) >= data.records  # noqa: E731
        sample = worker.timed({common.unique("camelos"): camel_config(indices.url, data.topic, index, settings.batch)},
                              done, data.records, 1800)
        with common.phase("clean-up"):
            indices.check("camel", index, data.records)
        return sample

    try:
        mine, jvm, load = side_by_side.interleaved(settings, ours, theirs)
    finally:
        mapping.delete_topics(bootstrap, list(own_topics.values()))
    raw = kept.get("raw", [])
    delivery = ("ours: at-least-once, idempotent (ids topic+partition+offset); JVM: ids made by OpenSearch, a record "
                "acknowledged when it joins the aggregation")
    row = side_by_side.method_row(
        f"{NAME_4O} {side_by_side.size_label(settings.records)}", f"Kafka Connect {KAFKA_VERSION} + {CAMEL_ES}",
        mine, jvm, raw=raw, raw_kind="floor", load_avg_1m=load,
        warmup_records=side_by_side.warmup_size(settings.records), bulk_size=settings.batch,
        same_document_as_jvm=indices.same("ours", "camel"), same_document_as_raw=indices.same("ours", "raw"),
        delivery=delivery)
    pulled = side_by_side.pull_row(row, kept.get("ours, pull mode", []), jvm, raw=raw, idle=idle, load_avg_1m=load,
                                   bulk_size=settings.batch, same_bytes_as_mapping=indices.same("pull", "ours"),
                                   same_document_as_jvm=indices.same("pull", "camel"))
    return [row, pulled]


def opensearch_rows(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str, *,
                    plugin: tuple[Path | None, str]) -> list[Result]:
    """4o's rows at ``settings.records``, its failure as its own row, or why the plugin is missing."""
    if plugin[0] is None:
        return [common.Result(f"{NAME_4O} {side_by_side.size_label(settings.records)}", None, CAMEL_ES, None,
                              settings.records, 0, skipped=f"not resolvable: {plugin[1]}")]
    return side_by_side.guarded_rows(NAME_4O, settings.records,
                                     lambda: opensearch_case(settings, worker, cluster, bootstrap))

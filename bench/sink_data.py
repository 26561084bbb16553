"""The sink rows' input (the dataset's records in a topic, and their Lambda events, made once per run) and our sink
fed those events as warm invocations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from bench import common, dataset, mariadb_rows

if TYPE_CHECKING:
    from bench.common import Sample, Settings


class SinkData:
    """The sink topic and its events, made once per run and shared by every sink case (and case 4)."""

    _cache: dict[tuple[int, int], SinkData] = {}

    def __init__(self, bootstrap: str, topic: str, events: list[str], records: int) -> None:
        """Use :meth:`get`."""
        self.bootstrap, self.topic, self.events, self.records = bootstrap, topic, events, records

    @classmethod
    def get(cls, settings: Settings) -> SinkData:
        """Produce ``settings.records`` rows to a fresh topic, consume them back, cut them into events."""
        key = (settings.records, settings.batch)
        if key not in cls._cache:
            bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
            topic = common.unique("rows")
            common.produce(bootstrap, topic, dataset.sink_records(settings.records))
            messages = common.consume(bootstrap, topic, settings.records)
            cls._cache[key] = cls(bootstrap, topic, common.events(messages, settings.batch, bootstrap),
                                  settings.records)
        return cls._cache[key]

    @classmethod
    def topic_only(cls, settings: Settings) -> SinkData:
        """The same rows in a topic, without events (case 4 consumes the topic itself; a million records' events
        would hold ~1.5 GB of JSON text): the topic of :meth:`get` when it made one of this size."""
        for (records, _batch), data in cls._cache.items():
            if records == settings.records:
                return data
        key = (settings.records, 0)
        if key not in cls._cache:
            bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
            topic = common.unique("rows")
            common.produce(bootstrap, topic, dataset.sink_records(settings.records))
            cls._cache[key] = cls(bootstrap, topic, [], settings.records)
        return cls._cache[key]


def run_ours(cluster: common.Cluster, name: str, config: dict[str, str], data: SinkData,
             single: list[Sample] | None = None) -> int:
    """Deploy ``config`` as connector ``name`` and feed it every event, as warm invocations of one container;
    ``single`` gets the timing of one more warm invocation with a one-record event (case 6's per-call cost)."""
    from connect_core.runtime.sink_runner import SinkRunner

    cluster.deploy(name, {**config, "topics": data.topic, "tasks.max": "1", **mariadb_rows.CONVERTERS})
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    put = 0
    try:
        for event in data.events:
            put += runner.handle(orjson.loads(event)).put
        if single is not None:
            event = orjson.loads(data.events[0])
            event["records"] = {key: batch[:1] for key, batch in list(event["records"].items())[:1]}
            single.append(common.measure(lambda: runner.handle(event).put))
    finally:
        runner.close()
    return put


def s3_config(aws: dict[str, str], bucket: str, batch: int) -> dict[str, str]:
    """Case 2a's S3 sink: JSON lines into ``bucket`` on LocalStack, ``batch`` records a file."""
    return {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "s3.bucket.name": bucket,
            "store.url": aws["endpoint_url"], "s3.region": aws["region_name"],
            "aws.access.key.id": aws["aws_access_key_id"], "aws.secret.access.key": aws["aws_secret_access_key"],
            "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": str(batch),
            "behavior.on.null.values": "ignore"}


def opensearch_config(url: str) -> dict[str, str]:
    """Case 2b's Elasticsearch sink against the local OpenSearch (documents keyed by their coordinates)."""
    return {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
            "connection.url": url, "key.ignore": "true", "schema.ignore": "false"}

"""Case 2: Kafka -> S3 (LocalStack), -> OpenSearch, -> MariaDB upsert, -> an HTTP API, through ``SinkRunner`` in
event-sized batches.

Both sides start from the same Lambda Kafka event payloads (JSON text built by ``kafka_trigger.build_event`` from
the consumed topic, ``BENCH_BATCH`` records each): consuming is the event source mapping's job and is left out of
both. Ours: ``orjson.loads(event)`` + ``SinkRunner.handle`` (converters, task ``put`` + ``flush``, status checks).
Raw limit: ``orjson.loads(event)``, base64 + ``json.loads`` of every value, then the same writes with the bare
client: one ``put_object`` per batch, one ``_bulk`` per batch, one ``executemany`` upsert + commit per batch, one
urllib3 POST of a JSON array per batch (to a local ``http.server`` that reads and discards each body).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import statistics
from typing import TYPE_CHECKING, Any

import orjson

from bench import common, dataset, mariadb_rows, sink_data

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Result, Sample, Settings

JSON = "org.apache.kafka.connect.json.JsonConverter"
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DAY = dt.date(1970, 1, 1)


def _values(event: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(offset, payload) of every record: the decode step every raw baseline pays."""
    return [(offset, orjson.loads(value)["payload"]) for _, _, offset, _, value in common.event_values(event)
            if value is not None]


def _row(payload: dict[str, Any]) -> tuple[Any, ...]:
    unscaled = int.from_bytes(base64.b64decode(payload["price"]), "big", signed=True)
    return (payload["id"], payload["name"], payload["qty"], decimal.Decimal(unscaled).scaleb(-2), payload["score"],
            payload["active"], _EPOCH + dt.timedelta(milliseconds=payload["created_at"]),
            _EPOCH_DAY + dt.timedelta(days=payload["day"]), payload["note"], payload["category"])


# -- ours ------------------------------------------------------------------------------------------


# -- raw limits ------------------------------------------------------------------------------------
def raw_s3(client: Any, bucket: str, prefix: str, data: sink_data.SinkData) -> int:
    """One JSON-lines object per event and partition, keyed like the S3 sink's files."""
    count = 0
    for text in data.events:
        values = _values(orjson.loads(text))
        body = b"\n".join(orjson.dumps(payload) for _, payload in values) + b"\n"
        key = f"{prefix}/{data.topic}/partition=0/{data.topic}+0+{values[0][0]:010d}.json"
        client.put_object(Bucket=bucket, Key=key, Body=body)
        count += len(values)
    return count


def raw_opensearch(http: Any, url: str, index: str, data: sink_data.SinkData) -> int:
    """One ``_bulk`` of index actions per event, ids ``topic+partition+offset`` (key.ignore=true)."""
    count = 0
    for text in data.events:
        lines = []
        for offset, payload in _values(orjson.loads(text)):
            lines.append(orjson.dumps({"index": {"_index": index, "_id": f"{data.topic}+0+{offset}"}}))
            lines.append(orjson.dumps(payload))
        body = b"\n".join(lines) + b"\n"
        response = http.request("POST", f"{url}/_bulk", body=body, headers={"Content-Type": "application/x-ndjson"})
        result = orjson.loads(response.data)
        if response.status >= 300 or result.get("errors"):
            raise RuntimeError(f"bulk failed: {response.status} {str(result)[:300]}")
        count += len(lines) // 2
    return count


def raw_http(http: Any, url: str, data: sink_data.SinkData) -> int:
    """One POST of the batch's values as a JSON array per event (what the HTTP sink sends with
    ``batch.json.as.array``)."""
    count = 0
    for text in data.events:
        values = _values(orjson.loads(text))
        body = orjson.dumps([payload for _, payload in values])
        response = http.request("POST", url, body=body, headers={"Content-Type": "application/json"})
        if response.status >= 300:
            raise RuntimeError(f"POST failed: {response.status}")
        count += len(values)
    return count


def raw_mariadb(db: dict[str, str], table: str, data: sink_data.SinkData) -> int:
    """One multi-row ``INSERT ... ON DUPLICATE KEY UPDATE`` (pymysql ``executemany``) + commit per event."""
    conn = dataset.connect(db, autocommit=False)
    cols = ",".join(f"`{c}`" for c in mariadb_rows.UPSERT_COLUMNS)
    updates = ",".join(f"`{c}`=VALUES(`{c}`)" for c in mariadb_rows.UPSERT_COLUMNS if c != "id")
    sql = (f"INSERT INTO `{table}` ({cols}) VALUES ({','.join(['%s'] * len(mariadb_rows.UPSERT_COLUMNS))}) "
           f"ON DUPLICATE KEY UPDATE {updates}")
    count = 0
    try:
        with conn.cursor() as cursor:
            cursor.execute(dataset.DDL.format(table=table).replace(" AUTO_INCREMENT", ""))
            for text in data.events:
                rows = [_row(payload) for _, payload in _values(orjson.loads(text))]
                cursor.executemany(sql, rows)
                conn.commit()
                count += len(rows)
    finally:
        conn.close()
    return count


# -- cases -----------------------------------------------------------------------------------------
def s3_case(settings: Settings, cluster: common.Cluster, data: sink_data.SinkData) -> Result:
    """S3 sink (JsonFormat, flush.size = batch) vs put_object."""
    import boto3

    aws = common.services("localstack")["localstack"]
    client = boto3.client("s3", **aws)
    bucket = common.unique("bucket")
    client.create_bucket(Bucket=bucket)
    config = sink_data.s3_config(aws, bucket, settings.batch)

    def ours(rep: int) -> Sample:
        name = common.unique("s3")
        return common.measure(lambda: sink_data.run_ours(cluster, name, config | {"topics.dir": f"ours-{rep}"}, data))

    def raw(rep: int) -> Sample:
        return common.measure(lambda: raw_s3(client, bucket, f"raw-{rep}", data))

    mine, theirs = common.interleave(settings.repeats, ours, raw)
    return common.throughput_result("2a kafka -> s3 (localstack)", "decode + boto3 put_object per batch",
                                    mine, theirs, event_records=settings.batch)


def opensearch_case(settings: Settings, cluster: common.Cluster, data: sink_data.SinkData) -> Result:
    """Elasticsearch sink against OpenSearch (key.ignore) vs one urllib3 ``_bulk`` per batch."""
    import urllib3

    url = common.services("opensearch")["opensearch"]["connection.url"]
    http = urllib3.PoolManager()
    ours_index, raw_index = data.topic.lower(), common.unique("raw-index")
    config = sink_data.opensearch_config(url)

    def fresh(index: str) -> None:
        http.request("DELETE", f"{url}/{index}")

    def ours(rep: int) -> Sample:
        fresh(ours_index)
        name = common.unique("os")
        return common.measure(lambda: sink_data.run_ours(cluster, name, config, data))

    def raw(rep: int) -> Sample:
        fresh(raw_index)
        return common.measure(lambda: raw_opensearch(http, url, raw_index, data))

    try:
        mine, theirs = common.interleave(settings.repeats, ours, raw)
    finally:
        fresh(ours_index)
        fresh(raw_index)
    return common.throughput_result("2b kafka -> opensearch", "decode + urllib3 _bulk per batch", mine, theirs,
                                    event_records=settings.batch)


def mariadb_case(settings: Settings, cluster: common.Cluster, data: sink_data.SinkData) -> Result:
    """JDBC sink upsert vs executemany upsert, a fresh table per repetition on each side."""
    db = common.services("mariadb")["mariadb"]
    tables: list[str] = []

    def table() -> str:
        tables.append(common.unique("upsert").replace("-", "_"))
        return tables[-1]

    single: list[Sample] = []

    def ours(rep: int) -> Sample:
        config, name = mariadb_rows.mariadb_config(db, table()), common.unique("jdbc")
        return common.measure(lambda: sink_data.run_ours(cluster, name, config, data, single))

    def raw(rep: int) -> Sample:
        target = table()
        return common.measure(lambda: raw_mariadb(db, target, data))

    try:
        mine, theirs = common.interleave(settings.repeats, ours, raw)
    finally:
        dataset.drop_tables(db, tables)
    return common.throughput_result(
        "2c kafka -> mariadb upsert", "naive client: decode + pymysql executemany upsert per batch", mine, theirs,
        baseline_kind="naive client", event_records=settings.batch,
        one_record_event_wall_ms=round(statistics.median(s.wall_s for s in single) * 1000, 2) if single else 0.0,
        one_record_event_cpu_ms=round(statistics.median(s.cpu_s for s in single) * 1000, 2) if single else 0.0)


def _http_server() -> Any:
    """A threaded HTTP server on 127.0.0.1 that reads every request body and answers 200."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as an API behind a load balancer answers

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def http_case(settings: Settings, cluster: common.Cluster, data: sink_data.SinkData) -> Result:
    """HTTP sink (JSON array per batch) vs one urllib3 POST of the decoded values per batch."""
    import urllib3

    server = _http_server()
    url = f"http://127.0.0.1:{server.server_address[1]}/ingest"
    http = urllib3.PoolManager()
    config = {"connector.class": "io.confluent.connect.http.HttpSinkConnector", "http.api.url": url,
              "request.body.format": "json", "batch.json.as.array": "true", "batch.max.size": str(settings.batch),
              "max.retries": "0"}

    def ours(rep: int) -> Sample:
        name = common.unique("http")
        return common.measure(lambda: sink_data.run_ours(cluster, name, config, data))

    def raw(rep: int) -> Sample:
        return common.measure(lambda: raw_http(http, url, data))

    try:
        mine, theirs = common.interleave(settings.repeats, ours, raw)
    finally:
        server.shutdown()
        server.server_close()
    return common.throughput_result("2d kafka -> http api", "decode + urllib3 POST of a JSON array per batch",
                                    mine, theirs, event_records=settings.batch)


CASES: tuple[Callable[[Settings, common.Cluster, sink_data.SinkData], Result], ...] = (s3_case, opensearch_case,
                                                                              mariadb_case, http_case)


def run(settings: Settings) -> list[Result]:
    """Every sink, one after the other, over the same events; a failing sink is reported, not fatal."""
    data = sink_data.SinkData.get(settings)
    cluster = common.Cluster.create(data.bootstrap)
    results = []
    try:
        for case in CASES:
            try:
                results.append(case(settings, cluster, data))
            except Exception as error:  # one broken sink must not hide the others' figures
                results.append(common.Result(case.__name__, None, "", None, settings.records, 0,
                                             skipped=f"failed: {type(error).__name__}: {error}"[:500]))
    finally:
        cluster.close()
    return results

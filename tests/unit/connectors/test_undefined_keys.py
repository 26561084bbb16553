"""Every connector passes over keys it does not define, as Kafka Connect and Debezium do (published configs carry
renamed keys such as Debezium 1.x's ``database.history.kafka.topic``): no validate error, not listed."""

from __future__ import annotations

import pytest

from connect_core.runtime import env
from tests.unit.coordinator.conftest import Rest

CONFIGS = {
    "io.confluent.connect.jdbc.JdbcSourceConnector": {"connection.url": "jdbc:sqlite:x.db", "mode": "bulk",
                                                      "topic.prefix": "p", "query": "select 1"},
    "io.confluent.connect.jdbc.JdbcSinkConnector": {"connection.url": "jdbc:sqlite:x.db", "topics": "t"},
    "io.confluent.connect.s3.S3SinkConnector": {
        "topics": "t", "s3.bucket.name": "b", "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "flush.size": "3", "storage.class": "io.confluent.connect.s3.storage.S3Storage"},
    "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector": {"topics": "t",
                                                                      "connection.url": "http://localhost:9200"},
    "org.apache.kafka.connect.file.FileStreamSinkConnector": {"topics": "t", "file": "o.txt"},
    "org.apache.kafka.connect.file.FileStreamSourceConnector": {"topic": "t", "file": "i.txt"},
    "io.confluent.connect.http.HttpSinkConnector": {"topics": "t", "http.api.url": "http://localhost:8080/api"},
    "io.confluent.connect.s3.source.S3SourceConnector": {
        "s3.bucket.name": "b", "format.class": "io.confluent.connect.s3.format.json.JsonFormat"},
    "io.confluent.kafka.connect.datagen.DatagenConnector": {"kafka.topic": "t", "quickstart": "users"},
    "io.debezium.connector.mysql.MySqlConnector": {"database.hostname": "h", "database.user": "u",
                                                   "topic.prefix": "p"},
    "io.debezium.connector.mariadb.MariaDbConnector": {"database.hostname": "h", "database.user": "u",
                                                       "topic.prefix": "p"},
}


@pytest.mark.parametrize("connector_class", sorted(CONFIGS))
def test_undefined_keys_are_no_error(connector_class: str, tmp_path: object,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env.FILE_ROOTS, str(tmp_path))
    body = {"connector.class": connector_class, "name": "x", "typo.key": "1",
            "database.history.kafka.topic": "schema-changes.inventory", **CONFIGS[connector_class]}
    answer = Rest().call("PUT", f"/connector-plugins/{connector_class.rsplit('.', 1)[-1]}/config/validate", body)
    assert answer.status == 200
    configs = {c["value"]["name"]: c["value"] for c in answer.body["configs"]}
    assert {name: v["errors"] for name, v in configs.items() if v["errors"]} == {}
    assert "typo.key" not in configs and "database.history.kafka.topic" not in configs

"""GET /, GET /health and the /connector-plugins endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.unit.coordinator.fakes import CLUSTER_ID

if TYPE_CHECKING:
    from tests.unit.coordinator.conftest import Rest


def test_server_info(rest: Rest) -> None:
    response = rest.call("GET", "/")
    assert (response.status, response.body) == (200, {"version": "0.1.0", "commit": "abc123",
                                                       "kafka_cluster_id": CLUSTER_ID})


def test_health(rest: Rest) -> None:
    response = rest.call("GET", "/health")
    assert (response.status, response.body) == (
        200, {"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."}
    )


def test_connector_plugins_lists_sinks_then_sources(rest: Rest) -> None:
    plugins = rest.call("GET", "/connector-plugins").body
    types = [p["type"] for p in plugins]
    assert types == sorted(types, key=lambda t: t != "sink")
    assert {"class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "type": "source",
            "version": "0.1.0"} in plugins
    assert set(types) == {"sink", "source"}


def test_connector_plugins_with_connectors_only_false_lists_everything(rest: Rest) -> None:
    types = {p["type"] for p in rest.call("GET", "/connector-plugins", query="connectorsOnly=false").body}
    assert {"transformation", "predicate", "converter", "header_converter"} <= types


def test_plugin_config_lists_own_keys_then_framework_keys(rest: Rest) -> None:
    response = rest.call("GET", "/connector-plugins/FileStreamSource/config")
    names = [k["name"] for k in response.body]
    assert response.status == 200
    assert names[:3] == ["file", "topic", "batch.size"]
    assert "connector.class" in names
    assert "errors.deadletterqueue.topic.name" not in names
    topic = response.body[1]
    assert topic == {"name": "topic", "type": "STRING", "required": True, "default_value": None,
                     "importance": "HIGH", "documentation": "The topic to publish data to", "group": None,
                     "order_in_group": -1, "width": "NONE", "display_name": "topic", "dependents": []}


def test_plugin_config_of_a_transformation_lists_only_its_keys(rest: Rest) -> None:
    names = [k["name"] for k in rest.call("GET", "/connector-plugins/RegexRouter/config").body]
    assert names == ["regex", "replacement"]


def test_plugin_config_of_unknown_plugin_is_404(rest: Rest) -> None:
    response = rest.call("GET", "/connector-plugins/Nope/config")
    assert (response.status, response.body) == (404, {"error_code": 404, "message": "Unknown plugin Nope."})


def test_validate_answers_200_even_with_errors(rest: Rest) -> None:
    response = rest.call("PUT", "/connector-plugins/FileStreamSinkConnector/config/validate",
                         {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector"})
    assert response.status == 200
    assert response.body["name"] == "org.apache.kafka.connect.file.FileStreamSinkConnector"
    assert response.body["error_count"] == 3  # name, and topics/topics.regex


def test_validate_rejects_a_mismatched_or_missing_class(rest: Rest) -> None:
    mismatch = rest.call("PUT", "/connector-plugins/FileStreamSource/config/validate",
                         {"connector.class": "FileStreamSink"})
    assert (mismatch.status, mismatch.body["message"]) == (
        400, "Included connector type FileStreamSink does not match request type FileStreamSource"
    )
    missing = rest.call("PUT", "/connector-plugins/FileStreamSource/config/validate", {"topic": "t"})
    assert (missing.status, missing.body["message"]) == (400, "Connector config {topic=t} contains no connector type")


def test_the_connectors_built_on_the_public_api_are_listed_and_validated(rest: Rest) -> None:
    classes = {p["class"] for p in rest.call("GET", "/connector-plugins").body}
    datagen = "io.confluent.kafka.connect.datagen.DatagenConnector"
    two_sources = rest.call("PUT", "/connector-plugins/DatagenConnector/config/validate", {
        "connector.class": datagen, "name": "dg", "kafka.topic": "t", "quickstart": "orders", "schema.string": "{}"})
    bad_key = rest.call("PUT", "/connector-plugins/DatagenConnector/config/validate", {
        "connector.class": datagen, "name": "dg", "kafka.topic": "t", "quickstart": "users", "schema.keyfield": "x"})
    http = rest.call("PUT", "/connector-plugins/HttpSinkConnector/config/validate", {
        "connector.class": "io.confluent.connect.http.HttpSinkConnector", "name": "h", "topics": "t",
        "http.api.url": "http://127.0.0.1:1/x", "auth.type": "BASIC", "connection.user": "u"})

    assert {"io.confluent.connect.http.HttpSinkConnector", "io.confluent.connect.s3.source.S3SourceConnector",
            datagen} <= classes

    def errors(response: Any) -> dict[str, list[str]]:
        return {c["value"]["name"]: c["value"]["errors"] for c in response.body["configs"] if c["value"]["errors"]}

    assert errors(two_sources) == {key: ["Must set exactly one of schema.string, schema.filename, quickstart"]
                                   for key in ("schema.string", "quickstart")}
    assert (two_sources.body["error_count"], bad_key.body["error_count"]) == (2, 1)
    assert errors(bad_key) == {"schema.keyfield": ["The schema does not contain the field provided in "
                                                   "'schema.keyfield'"]}
    assert any('"connection.password"' in e for messages in errors(http).values() for e in messages)

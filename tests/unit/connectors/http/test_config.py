"""HttpSinkConfig: Confluent's keys and defaults, and bad values refused naming the key."""

from __future__ import annotations

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.connectors.http.config import HttpSinkConfig, StatusCodes
from connect_core.runtime import registry

URL = {"http.api.url": "http://127.0.0.1:1/api"}


def test_defaults_are_confluents() -> None:
    config = parse_config(HttpSinkConfig, URL)

    assert (config.request_method, config.batch_max_size, config.batch_separator, config.max_retries,
            config.retry_backoff_ms, config.retry_on_status_codes, config.behavior_on_null_values,
            config.behavior_on_error, config.header_separator, config.auth_type) == (
        "POST", 1, ",", 10, 3000, "400-", "ignore", "fail", "|", "NONE")
    assert (config.reporter_result_topic_name, config.reporter_error_topic_name) == (
        "${connector}-success", "${connector}-error")


def test_retry_status_codes_take_codes_and_open_or_closed_ranges() -> None:
    codes = StatusCodes("404, 408,500-503,520-")

    assert [c for c in (400, 404, 408, 499, 500, 503, 504, 519, 520, 599) if c in codes] == [
        404, 408, 500, 503, 520, 599]


@pytest.mark.parametrize(("props", "message"), [
    ({"retry.on.status.codes": "5xx"}, "retry.on.status.codes: '5xx' is neither"),
    ({"headers": "Accept=json"}, "configuration headers: a header is 'Name:value'"),
    ({"auth.type": "BASIC", "connection.user": "u"}, '"connection.password"'),
    ({"auth.type": "OAUTH2", "oauth2.client.id": "c", "oauth2.client.secret": "s"}, '"oauth2.token.url"'),
    ({"auth.type": "API_KEY"}, '"api.key.value"'),
    ({"https.ssl.truststore.location": "/tmp/ca.jks"}, "https.ssl.truststore.type: only PEM"),
    ({"request.method": "GET"}, "request.method"),
    ({"http.api.url": "ftp://host/x"}, "http.api.url: the URL must start with http:// or https://"),
])
def test_bad_values_are_refused_naming_the_key(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config(HttpSinkConfig, {**URL, **props})


def test_sensitive_headers_are_parsed_and_never_shown() -> None:
    config = parse_config(HttpSinkConfig, {**URL, "headers": "A:1", "sensitive.headers": "Authorization:Bearer x"})

    assert config.header_pairs() == [("A", "1"), ("Authorization", "Bearer x")]
    with pytest.raises(ConfigError, match=r"Invalid value \[hidden\] for configuration sensitive.headers"):
        parse_config(HttpSinkConfig, {**URL, "sensitive.headers": "no-colon-secret"})


def test_registered_under_confluents_class_name() -> None:
    from connect_core.connectors.http.sink_connector import HttpSinkConnector

    desc = registry.describe("io.confluent.connect.http.HttpSinkConnector")

    assert desc.type is registry.PluginType.SINK
    assert registry.describe("HttpSink") is desc
    assert registry.load("HttpSinkConnector") is HttpSinkConnector


@pytest.mark.parametrize("key", ["plugin.library.paths", "ssl.engine.location", "sasl.kerberos.kinit.cmd",
                                 "ssl.providers"])
def test_a_reporter_producer_setting_that_loads_code_or_runs_a_command_is_refused(key: str) -> None:
    from connect_core.connectors.http._reporter import Reporter

    props = {**URL, "reporter.bootstrap.servers": "127.0.0.1:9092", "reporter.result.topic.name": "ok",
             f"reporter.producer.{key}": "/tmp/evil.so"}
    with pytest.raises(ConfigError, match=f"reporter.producer.{key}"):
        Reporter(parse_config(HttpSinkConfig, props), props)

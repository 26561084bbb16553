"""The binlog connectors' config: Debezium's keys, defaults, and refusal of keys we do not implement."""

from __future__ import annotations

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.connectors.binlog.config import BinlogSourceConfig
from connect_core.connectors.binlog.source_connector import MariaDbConnector, MySqlConnector
from connect_core.connectors.binlog.source_task import FLAVOUR_CONFIG

BASE = {"connector.class": "io.debezium.connector.mysql.MySqlConnector", "name": "c", "tasks.max": "1",
        "database.hostname": "db", "database.user": "u", "database.password": "p", "topic.prefix": "srv"}


def _errors(connector: MySqlConnector, props: dict[str, str]) -> dict[str, list[str]]:
    return {v["name"]: v["errors"] for v in connector.validate(props) if v["errors"]}


def test_defaults_are_debeziums() -> None:
    config = parse_config(BinlogSourceConfig, BASE)
    assert (config.port, config.snapshot_mode, config.tombstones_on_delete, config.decimal_handling_mode,
            config.time_precision_mode, config.include_schema_changes, config.heartbeat_interval_ms) == (
        3306, "initial", True, "precise", "adaptive_time_microseconds", True, 0)
    assert 5400 <= config.effective_server_id < 6400
    assert parse_config(BinlogSourceConfig, {**BASE, "database.server.id": "184054"}).effective_server_id == 184054


def test_a_valid_config_has_no_errors_with_framework_and_lambda_keys() -> None:
    props = {**BASE, "transforms": "x", "transforms.x.type": "InsertField$Value", "errors.tolerance": "all",
             "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
             "lambda.schedule.interval.ms": "60000", "poll.interval.ms": "1000",
             "schema.history.internal.kafka.topic": "h", "schema.history.internal.kafka.bootstrap.servers": "k:9092"}
    assert _errors(MySqlConnector(), props) == {}


@pytest.mark.parametrize(("key", "value"), [("database.ssl.mode", "required"), ("provide.transaction.metadata", "true"),
                                          ("column.mask.with.5.chars", "db.t.c"), ("database.useSSL", "true"),
                                          ("schema.name.adjustment.mode", "avro")])
def test_debezium_keys_we_cannot_honour_are_refused_at_validate_and_start(key: str, value: str) -> None:
    errors = _errors(MariaDbConnector(), {**BASE, key: value})
    assert list(errors) == [key]
    assert "cannot be honoured by lambda-connect's binlog connector" in errors[key][0]
    with pytest.raises(ConfigError, match=key):
        MariaDbConnector().start({**BASE, key: value})


def test_debezium_defaults_and_tuning_keys_are_accepted() -> None:
    props = {**BASE, "database.ssl.mode": "disable", "provide.transaction.metadata": "false",
             "max.queue.size": "16384", "snapshot.locking.mode": "none"}
    values = {v["name"]: v for v in MariaDbConnector().validate(props)}
    assert [name for name, v in values.items() if v["errors"]] == []
    assert "has no effect" in values["max.queue.size"]["warnings"][0]


@pytest.mark.parametrize("key", ["database.history.kafka.topic", "database.history.kafka.bootstrap.servers",
                                 "database.server.name", "typo.key", "database.allowPublicKeyRetrieval"])
def test_keys_nobody_defines_are_logged_as_unused_and_ignored(key: str, caplog: pytest.LogCaptureFixture) -> None:
    """As Debezium and Kafka Connect: not an error (Debezium 1.x's database.history.* keys fill published configs)."""
    props = {**BASE, key: "x"}
    assert _errors(MariaDbConnector(), props) == {}
    assert key not in {v["name"] for v in MariaDbConnector().validate(props)}  # Kafka lists only defined keys
    MariaDbConnector().start(props)
    assert f"The configuration '{key}' was supplied but isn't a known config." in caplog.text


def test_the_debezium_1_tutorial_config_asks_only_for_topic_prefix() -> None:
    """debezium-examples' end-to-end demo as published (Debezium 1.x names): Debezium 2+ refuses it for the missing
    topic.prefix (database.server.name was renamed) and passes over database.history.*; so do we."""
    from tests.fixtures.published import published

    config = published("debezium-examples_register-hiking-connector-json.json", **{"database.hostname": "127.0.0.1"})
    errors = _errors(MySqlConnector(), config)
    assert list(errors) == ["topic.prefix"]


@pytest.mark.parametrize(("key", "value", "fragment"), [
    ("snapshot.mode", "initial_only", "String must be one of: initial, no_data, when_needed, never, always"),
    ("decimal.handling.mode", "exact", "String must be one of: precise, double, string"),
    ("topic.prefix", "bad prefix", "topic.prefix"),
    ("table.include.list", "db.(", "valid regular expressions"),
    ("signal.enabled.channels", "source,jmx", "the jmx channel is not supported"),
    ("signal.enabled.channels", "file", "the file channel is not supported"),
    ("signal.enabled.channels", "in-process", "the in-process channel is not supported"),
    ("incremental.snapshot.watermarking.strategy", "insert_delete", "insert_delete is not supported"),
    ("signal.data.collection", "db.schema.table", "<databaseName>.<tableName>"),
])
def test_bad_values_name_their_key(key: str, value: str, fragment: str) -> None:
    errors = _errors(MySqlConnector(), {**BASE, key: value})
    assert key in errors and fragment in errors[key][0]


def test_include_and_exclude_lists_are_exclusive() -> None:
    with pytest.raises(ConfigError, match='"table.include.list" is already specified'):
        parse_config(BinlogSourceConfig, {**BASE, "table.include.list": "a.b", "table.exclude.list": "a.c"})


def test_one_task_with_the_flavour_of_the_connector_class() -> None:
    mysql, mariadb = MySqlConnector(), MariaDbConnector()
    mysql.start(BASE)
    mariadb.start(BASE)
    assert [c[FLAVOUR_CONFIG] for c in mysql.task_configs(4)] == ["mysql"]
    assert [c[FLAVOUR_CONFIG] for c in mariadb.task_configs(4)] == ["mariadb"]

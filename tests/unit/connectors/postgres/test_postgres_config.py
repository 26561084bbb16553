"""PostgresSourceConfig: Debezium's keys and defaults, values refused at validate, undefined keys ignored."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from connect_core.api.config import parse_config
from connect_core.api.connector import ConnectorContext
from connect_core.api.errors import ConfigError
from connect_core.connectors.postgres._slot import tls_arguments
from connect_core.connectors.postgres.config import PostgresSourceConfig, undefined_keys
from connect_core.connectors.postgres.source_connector import PostgresConnector
from connect_core.runtime.registry import load
from tests.unit.connectors._memory_offsets import TEMP_ROOTS

if TYPE_CHECKING:
    from pathlib import Path

BASE = {"database.hostname": "db", "database.user": "u", "database.dbname": "d", "topic.prefix": "p"}


def _errors(**extra: str) -> dict[str, list[str]]:
    return {v["name"]: v["errors"] for v in PostgresConnector().validate({**BASE, **extra}) if v["errors"]}


def test_defaults_are_debeziums() -> None:
    config = parse_config(PostgresSourceConfig, BASE)
    assert (config.port, config.slot_name, config.publication_name, config.publication_autocreate_mode) == (
        5432, "debezium", "dbz_publication", "all_tables")
    assert (config.mode, config.tombstones_on_delete, config.decimal_handling_mode, config.time_precision_mode) == (
        "initial", True, "precise", "adaptive")
    assert config.unavailable_value_placeholder == "__debezium_unavailable_value" and not config.slot_drop_on_stop


def test_a_valid_config_has_no_errors() -> None:
    assert _errors(**{"snapshot.mode": "when_needed", "table.include.list": "public.t", "plugin.name": "pgoutput",
                      "transforms": "x", "lambda.schedule.interval.ms": "1000"}) == {}


@pytest.mark.parametrize(("key", "value", "fragment"), [
    ("snapshot.mode", "never", "Value must be one of always, initial_only, configuration_based, when_needed, "
                               "initial, custom, no_data"),
    ("snapshot.mode", "custom", "cannot run"),
    ("plugin.name", "decoderbufs", "decodes the pgoutput plugin only"),
    ("signal.enabled.channels", "source,jmx", "the jmx channel is not supported"),
    ("signal.enabled.channels", "file", "the file channel is not supported"),
    ("signal.enabled.channels", "in-process", "the in-process channel is not supported"),
    ("signal.enabled.channels", "carrier-pigeon", "Unknown signal channel"),
    ("incremental.snapshot.watermarking.strategy", "insert_delete", "insert_delete is not supported"),
    ("signal.data.collection", "nodot", "<schemaName>.<tableName>"),
    ("incremental.snapshot.chunk.size", "0", "at least 1"),
    ("publication.autocreate.mode", "no_tables", "String must be one of"),
    ("decimal.handling.mode", "exact", "String must be one of"),
    ("time.precision.mode", "nanoseconds", "String must be one of"),
    ("slot.name", "Bad-Slot", "Valid replication slot name"),
    ("topic.prefix", "a b", "topic.prefix"),
    ("table.include.list", "(", "valid regular expressions"),
    ("message.key.columns", "public.t", "<fully-qualified table>:<column>"),
])
def test_bad_values_are_refused_naming_their_key(key: str, value: str, fragment: str) -> None:
    errors = _errors(**{key: value})
    assert fragment in " ".join(errors[key])
    with pytest.raises(ConfigError):
        parse_config(PostgresSourceConfig, {**BASE, key: value})


def test_undefined_keys_are_ignored_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    props = {**BASE, "database.server.name": "old", "key.converter": "x", "errors.tolerance": "all",
             "connector.plugin.version": "3.7.0"}  # the worker's key (Kafka 4.1), as the binlog source knows it
    assert undefined_keys(props) == ["database.server.name"]
    with caplog.at_level(logging.INFO):
        assert _errors(**{"database.server.name": "old"}) == {}
    assert "database.server.name" in caplog.text


def test_include_and_exclude_lists_are_exclusive() -> None:
    assert _errors(**{"table.include.list": "a", "table.exclude.list": "b"})


def test_registered_by_class_name_and_alias_with_one_task() -> None:
    assert load("io.debezium.connector.postgresql.PostgresConnector") is PostgresConnector
    assert load("PostgresConnector") is PostgresConnector
    connector = PostgresConnector()
    connector.start({**BASE, "tasks.max": "3"})
    assert len(connector.task_configs(3)) == 1


def test_the_kafka_signal_channel_takes_debeziums_keys_and_defaults() -> None:
    config = parse_config(PostgresSourceConfig, {**BASE, "signal.enabled.channels": "source,kafka",
                                                  "signal.kafka.bootstrap.servers": "k:9092",
                                                  "signal.data.collection": "public.sig"})
    assert (config.kafka_signals, config.source_signals, config.signal_kafka_topic, config.signal_kafka_group_id,
            config.signal_kafka_poll_timeout_ms) == (True, True, None, "kafka-signal", 0)
    assert undefined_keys({**BASE, "signal.consumer.security.protocol": "SSL", "signal.kafka.groupId": "g"}) == []


@pytest.mark.parametrize(("extra", "key", "fragment"), [
    ({"signal.data.collection": "public.sig"}, "signal.kafka.bootstrap.servers", "needs the Kafka cluster"),
    ({"signal.kafka.bootstrap.servers": "k:9092"}, "signal.data.collection", "set signal.data.collection"),
    ({"signal.kafka.bootstrap.servers": "k:9092", "signal.data.collection": "public.sig",
      "signal.kafka.poll.timeout.ms": "-1"}, "signal.kafka.poll.timeout.ms", "at least 0"),
])
def test_the_kafka_channel_without_what_it_needs_is_refused(extra: dict[str, str], key: str, fragment: str) -> None:
    errors = _errors(**{"signal.enabled.channels": "kafka", **extra})
    assert fragment in " ".join(errors[key])


def test_tls_keys_are_debeziums_and_refused_by_name_where_libpq_cannot_honour_them(tmp_path: Path) -> None:
    """``database.ssl*``: defined (never ignored as undefined), libpq's modes, PEM files under the file roots only,
    what libpq would otherwise look for in the worker's home asked for by name, and no Java socket factory."""
    config = parse_config(PostgresSourceConfig, BASE)
    assert (config.ssl_mode, config.ssl_root_cert, config.ssl_cert, config.ssl_key) == ("prefer", None, None, None)
    keys = {f"database.{k}": "x" for k in ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword",
                                           "sslfactory")}
    assert undefined_keys({**BASE, **keys}) == []
    ca = tmp_path / "ca.pem"
    ca.write_text("-")
    connector = PostgresConnector()
    connector.initialize(ConnectorContext(file_roots=TEMP_ROOTS))

    def errors(**extra: str) -> dict[str, list[str]]:
        return {v["name"]: v["errors"] for v in connector.validate({**BASE, **extra}) if v["errors"]}

    assert errors(**{"database.sslmode": "VERIFY-FULL", "database.sslrootcert": str(ca)}) == {}
    assert errors(**{"database.sslmode": "verify-full", "database.sslrootcert": "system"}) == {}
    assert "verify-full only" in " ".join(
        errors(**{"database.sslmode": "verify-ca", "database.sslrootcert": "system"})["database.sslmode"])
    assert "must be one of: disable, allow, prefer, require, verify-ca, verify-full" in " ".join(
        errors(**{"database.sslmode": "on"})["database.sslmode"])
    assert "which is required" in " ".join(errors(**{"database.sslmode": "verify-full"})["database.sslrootcert"])
    assert "outside the allowed file roots" in " ".join(
        errors(**{"database.sslmode": "verify-ca", "database.sslrootcert": "/etc/ssl/certs/ca-certificates.crt"})
        ["database.sslrootcert"])
    assert "outside the allowed file roots" in " ".join(
        errors(**{"database.sslcert": str(ca), "database.sslkey": "/etc/shadow"})["database.sslkey"])
    assert "needs both" in " ".join(errors(**{"database.sslcert": str(ca)})["database.sslkey"])
    assert "cannot load" in " ".join(
        errors(**{"database.sslfactory": "org.postgresql.ssl.NonValidatingFactory"})["database.sslfactory"])


def test_tls_arguments_are_libpqs_and_send_no_client_certificate_unless_one_is_named() -> None:
    config = parse_config(PostgresSourceConfig, {**BASE, "database.sslmode": "Require"})
    assert tls_arguments(config, 170000) == {"sslmode": "require", "sslcertmode": "disable"}
    assert tls_arguments(config, 150000) == {"sslmode": "require"}  # libpq 15 knows no sslcertmode
    config = parse_config(PostgresSourceConfig, {**BASE, "database.sslmode": "verify-ca", "database.sslrootcert": "a",
                                                  "database.sslcert": "b", "database.sslkey": "c",
                                                  "database.sslpassword": "p"})
    assert tls_arguments(config, 170000) == {"sslmode": "verify-ca", "sslrootcert": "a", "sslcert": "b",
                                             "sslkey": "c", "sslpassword": "p"}

"""runtime/loggers.py: Kafka's ``Loggers`` over Python's logging (names mapped, levels, changed lists, KIP-976)."""

from __future__ import annotations

import logging

import pytest

from connect_core.runtime.loggers import Loggers, is_valid_level, kafka_level, python_logger_name
from connect_core.storage.config_state import ConfigState


@pytest.fixture
def loggers(isolated_logging: Loggers) -> Loggers:
    isolated_logging._clock = lambda: 1_700_000_000.123  # type: ignore[method-assign]
    logging.root.setLevel(logging.WARNING)
    return isolated_logging


@pytest.mark.parametrize(("kafka", "python"), [
    ("root", ""), ("ROOT", ""),
    ("org.apache.kafka.connect", "connect_core"),
    ("org.apache.kafka.connect.runtime.rest", "connect_core.coordinator.rest"),
    ("io.confluent.connect.jdbc.JdbcSourceConnector", "connect_core.connectors.jdbc.source_connector"),
    ("io.confluent.connect.jdbc", "connect_core.connectors.jdbc"),  # both JDBC plugins' package
    ("io.confluent.connect.http", "connect_core.connectors.http"),  # one plugin's package: its task's loggers too
    ("org.apache.kafka.connect.transforms.InsertField", "connect_core.transforms.insert_field"),  # $Key and $Value
    ("connect_core.runtime.sink_runner", "connect_core.runtime.sink_runner"),  # a Python name as it is
    ("com.acme.Custom", "com.acme.Custom"),
])
def test_kafka_names_map_to_the_python_loggers_doing_that_work(kafka: str, python: str) -> None:
    assert python_logger_name(kafka) == python


def test_levels_are_log4j_names_in_any_case() -> None:
    assert all(is_valid_level(name) for name in ("OFF", "fatal", "Error", "WARN", "info", "DEBUG", "trace", "ALL"))
    assert not is_valid_level("LOUD") and not is_valid_level("") and not is_valid_level("WARNING")
    assert [kafka_level(level) for level in (logging.CRITICAL, logging.WARNING, 25, logging.DEBUG, 5, 1)] == \
        ["FATAL", "WARN", "INFO", "DEBUG", "TRACE", "ALL"]


def test_set_level_answers_the_sorted_loggers_whose_level_changed(loggers: Loggers) -> None:
    child = logging.getLogger("lc_test.pkg.child")
    assert loggers.set_level("lc_test.pkg", "DEBUG") == ["lc_test.pkg", "lc_test.pkg.child"]
    assert child.getEffectiveLevel() == logging.DEBUG
    assert loggers.set_level("lc_test.pkg", "debug") == []  # nothing changed
    assert loggers.set_level("lc_test.other", "WARN") == []  # as the root: Kafka lists nothing, sets no time
    assert loggers.level("lc_test.other") == {"level": "WARN", "last_modified": None}
    assert loggers.level("lc_test.pkg.child") == {"level": "DEBUG", "last_modified": 1_700_000_000_123}


def test_a_prefix_without_a_dot_matches_as_in_kafka(loggers: Loggers) -> None:
    logging.getLogger("lc_test.abc")
    assert loggers.set_level("lc_test.ab", "ERROR") == ["lc_test.ab", "lc_test.abc"]


def test_a_kafka_name_is_listed_beside_the_python_logger_it_set(loggers: Loggers) -> None:
    changed = loggers.set_level("io.confluent.connect.jdbc", "TRACE")
    assert {"io.confluent.connect.jdbc", "connect_core.connectors.jdbc"} <= set(changed)
    assert loggers.level("io.confluent.connect.jdbc")["level"] == "TRACE"  # type: ignore[index]
    listed = loggers.all_levels()
    assert listed["io.confluent.connect.jdbc"] == listed["connect_core.connectors.jdbc"]
    assert list(listed) == sorted(listed)
    assert listed["root"] == {"level": "WARN", "last_modified": None}


def test_unknown_loggers_are_none_and_off_loggers_are_not_listed(loggers: Loggers) -> None:
    assert loggers.level("lc_test.never.created") is None
    loggers.set_level("lc_test.quiet", "OFF")
    assert "lc_test.quiet" not in loggers.all_levels()
    assert loggers.level("lc_test.quiet") == {"level": "OFF", "last_modified": 1_700_000_000_123}


def test_root_sets_every_logger(loggers: Loggers) -> None:
    logging.getLogger("lc_test.r").setLevel(logging.ERROR)
    changed = loggers.set_level("root", "INFO")
    assert {"root", "lc_test.r"} <= set(changed)
    assert logging.getLogger("lc_test.r").level == logging.INFO


def test_cluster_levels_apply_in_write_order_and_only_once(loggers: Loggers) -> None:
    state = ConfigState()
    state.apply("logger-cluster-lc_test.c.child", b'{"level":"ERROR"}')
    state.apply("logger-cluster-lc_test.c", b'{"level":"DEBUG"}')  # written later: overrides the child
    loggers.apply_cluster_levels(state)
    assert logging.getLogger("lc_test.c.child").getEffectiveLevel() == logging.DEBUG
    loggers.set_level("lc_test.c", "WARN")  # a worker-scope change afterwards stays until a new cluster write
    loggers.apply_cluster_levels(state)
    assert logging.getLogger("lc_test.c").level == logging.WARNING
    state.apply("logger-cluster-lc_test.c.child", b'{"level":"trace"}')
    loggers.apply_cluster_levels(state)
    assert (logging.getLogger("lc_test.c").level, logging.getLogger("lc_test.c.child").level) == \
        (logging.WARNING, 5)


def test_an_invalid_cluster_level_is_skipped(loggers: Loggers, caplog: pytest.LogCaptureFixture) -> None:
    state = ConfigState()
    state.apply("logger-cluster-lc_test.bad", b'{"level":"LOUD"}')
    loggers.apply_cluster_levels(state)
    assert logging.getLogger("lc_test.bad").level == logging.NOTSET
    assert "Ignoring invalid cluster log level 'LOUD' for lc_test.bad" in caplog.text

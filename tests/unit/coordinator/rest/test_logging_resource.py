"""/admin/loggers: statuses, bodies and messages as a Kafka Connect 4.1.1 worker answers them (KIP-495, KIP-976)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from connect_core.runtime.loggers import Loggers

if TYPE_CHECKING:
    from tests.unit.coordinator.conftest import Rest

pytestmark = pytest.mark.usefixtures("isolated_logging")


def test_list_has_root_and_every_logger_sorted(rest: Rest) -> None:
    logging.getLogger("lc_rest.listed")
    response = rest.call("GET", "/admin/loggers/")
    assert response.status == 200
    assert response.body["root"] == {"level": logging.getLevelName(logging.root.getEffectiveLevel())
                                     .replace("WARNING", "WARN"), "last_modified": None}
    assert "lc_rest.listed" in response.body
    assert list(response.body) == sorted(response.body)


def test_put_answers_the_changed_loggers_and_get_reads_them_back(rest: Rest) -> None:
    logging.getLogger("lc_rest.a.b")
    response = rest.call("PUT", "/admin/loggers/lc_rest.a", {"level": "debug"})
    assert (response.status, response.body) == (200, ["lc_rest.a", "lc_rest.a.b"])
    level = rest.call("GET", "/admin/loggers/lc_rest.a.b/").body
    assert level["level"] == "DEBUG" and isinstance(level["last_modified"], int)


def test_kafka_names_reach_the_python_loggers(rest: Rest) -> None:
    assert rest.call("PUT", "/admin/loggers/org.apache.kafka.connect", {"level": "TRACE"}).status == 200
    assert logging.getLogger("connect_core.runtime").getEffectiveLevel() == 5
    assert rest.call("GET", "/admin/loggers/org.apache.kafka.connect").body["level"] == "TRACE"


@pytest.mark.parametrize(("body", "status", "message"), [
    ({}, 400, "Desired 'level' parameter was not specified in request."),
    ({"level": None}, 400, "Desired 'level' parameter was not specified in request."),
    (None, 400, "Desired 'level' parameter was not specified in request."),
    ({"level": "LOUD"}, 404, "invalid log level 'LOUD'."),
    ({"level": 5}, 404, "invalid log level '5'."),
])
def test_bad_levels_get_kafkas_status_and_message(rest: Rest, body: object, status: int, message: str) -> None:
    for query in ("", "scope=cluster"):
        response = rest.call("PUT", "/admin/loggers/lc_rest.x", body, query)
        assert (response.status, response.body) == (status, {"error_code": status, "message": message}), query


def test_unknown_logger_is_404(rest: Rest) -> None:
    response = rest.call("GET", "/admin/loggers/lc_rest.never")
    assert (response.status, response.body) == (404, {"error_code": 404, "message": "Logger lc_rest.never not found."})


def test_an_unknown_scope_is_the_workers(rest: Rest) -> None:
    response = rest.call("PUT", "/admin/loggers/lc_rest.s", {"level": "ERROR"}, "scope=bogus")
    assert (response.status, response.body) == (200, ["lc_rest.s"])


def test_cluster_scope_is_204_a_config_record_and_applied_by_every_function(rest: Rest) -> None:
    for scope in ("cluster", "CLUSTER"):
        response = rest.call("PUT", "/admin/loggers/lc_rest.c", {"level": "error"}, f"scope={scope}")
        assert (response.status, response.body, response.headers) == (204, None, {})
    assert rest.topics.configs.records[-1] == (b"logger-cluster-lc_rest.c", b'{"level":"error"}')
    assert logging.getLogger("lc_rest.c").level == logging.ERROR  # the coordinator that wrote it, at once
    # another function's config store: its next catch-up applies the level (a fresh process: every record once)
    logging.getLogger("lc_rest.c").setLevel(logging.NOTSET)
    other = Loggers()
    store = rest.topics.config_store()
    store.on_logger_levels(other.apply_cluster_levels)
    store.refresh()
    assert logging.getLogger("lc_rest.c").level == logging.ERROR


def test_other_methods_and_types_are_jersey_errors(rest: Rest) -> None:
    assert rest.call("POST", "/admin/loggers/x", {"level": "INFO"}).status == 405
    assert rest.call("PUT", "/admin/loggers/x", "level=INFO", headers={"Content-Type": "text/plain"}).status == 415

from __future__ import annotations

import logging

import pytest

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import DataError
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.error_handling_metrics import ErrorHandlingMetrics
from connect_core.errors.log_reporter import LogReporter
from connect_core.errors.processing_context import ProcessingContext
from connect_core.errors.stage import Stage

CLASS = "org.apache.kafka.connect.json.JsonConverter"


def context(original: object | None, error: BaseException | None = None) -> ProcessingContext:
    return ProcessingContext(original, Stage.VALUE_CONVERTER, CLASS, error or DataError("bad"))


def test_message_without_record_details() -> None:
    reporter = LogReporter("my-sink", 3)

    message = reporter.message(context(ConsumedRecord("orders", 1, 17, 1700000000000)))

    assert message == (
        "Error encountered in task my-sink-3. Executing stage 'VALUE_CONVERTER' with class "
        "'org.apache.kafka.connect.json.JsonConverter'."
    )


@pytest.mark.parametrize("timestamp_type", ["CreateTime", "LogAppendTime"])
def test_message_with_consumed_record_coordinates(timestamp_type: str) -> None:
    reporter = LogReporter("my-sink", 0, include_messages=True)
    record = ConsumedRecord("orders", 1, 17, 1700000000000, timestamp_type, b"secret-key", b"secret-value")

    message = reporter.message(context(record))

    assert message == (
        "Error encountered in task my-sink-0. Executing stage 'VALUE_CONVERTER' with class "
        "'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='orders', partition=1, "
        f"offset=17, timestamp=1700000000000, timestampType={timestamp_type}}}."
    )
    assert "secret" not in message


def test_message_omits_timestamp_without_timestamp_type() -> None:
    reporter = LogReporter("my-sink", 0, include_messages=True)

    message = reporter.message(context(ConsumedRecord("orders", 1, 17, -1, "NoTimestampType")))

    assert message.endswith("where consumed record is {topic='orders', partition=1, offset=17}.")


def test_message_with_source_record_uses_its_repr() -> None:
    reporter = LogReporter("my-source", 0, include_messages=True)

    message = reporter.message(context({"id": 1}))

    assert message.endswith(
        "with class 'org.apache.kafka.connect.json.JsonConverter', where source record is = {'id': 1}."
    )


def test_report_logs_at_error_with_the_traceback_and_counts(caplog: pytest.LogCaptureFixture) -> None:
    metrics = ErrorHandlingMetrics()
    reporter = LogReporter.from_config(
        ErrorHandlingConfig.parse({"errors.log.enable": "true", "errors.log.include.messages": "true"}),
        "my-sink",
        1,
        metrics,
    )
    error = DataError("bad")

    with caplog.at_level(logging.ERROR, logger="connect_core.errors.log_reporter"):
        reporter.report(context(ConsumedRecord("orders", 0, 5, 1), error))

    (entry,) = caplog.records
    assert entry.levelno == logging.ERROR
    assert entry.getMessage().startswith("Error encountered in task my-sink-1. Executing stage 'VALUE_CONVERTER'")
    assert "where consumed record is {topic='orders', partition=0, offset=5" in entry.getMessage()
    assert entry.exc_info is not None and entry.exc_info[1] is error
    assert metrics.total_errors_logged == 1


def test_report_ignores_a_context_without_error(caplog: pytest.LogCaptureFixture) -> None:
    reporter = LogReporter("my-sink", 1)

    with caplog.at_level(logging.ERROR):
        reporter.report(ProcessingContext(None, Stage.TASK_PUT, CLASS, None))

    assert caplog.records == []

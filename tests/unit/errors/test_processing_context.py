from __future__ import annotations

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.errors.processing_context import ProcessingContext, class_name
from connect_core.errors.stage import Stage


class Converter:
    class Nested:
        pass


def test_class_name_is_module_and_qualified_name() -> None:
    assert class_name(Converter) == f"{__name__}.Converter"
    assert class_name(Converter.Nested) == f"{__name__}.Converter.Nested"


def test_class_name_takes_a_string_verbatim() -> None:
    assert class_name("org.apache.kafka.connect.json.JsonConverter") == "org.apache.kafka.connect.json.JsonConverter"


def test_consumed_record_defaults_to_create_time_and_no_headers() -> None:
    record = ConsumedRecord("t", 0, 5)

    assert (record.timestamp, record.timestamp_type, record.key, record.value, record.headers) == (
        None,
        "CreateTime",
        None,
        None,
        (),
    )


def test_consumed_record_is_only_exposed_for_kafka_records() -> None:
    record = ConsumedRecord("t", 0, 5)

    assert ProcessingContext(record, Stage.TASK_PUT, "x", None).consumed_record is record
    assert ProcessingContext(object(), Stage.TASK_POLL, "x", None).consumed_record is None
    assert ProcessingContext(None, Stage.TASK_POLL, "x", None).consumed_record is None

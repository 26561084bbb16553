"""InsertHeader: literal parsed once like Values.parseString."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.schema import Schema
from connect_core.transforms.insert_header import InsertHeader
from tests.unit.transforms._records import source


@pytest.mark.parametrize(
    ("literal", "schema", "value"),
    [("42", Schema.INT8_SCHEMA, 42), ("70000", Schema.INT32_SCHEMA, 70000), ("true", Schema.BOOLEAN_SCHEMA, True),
     ("1.5", Schema.FLOAT32_SCHEMA, 1.5), ("hello world", Schema.STRING_SCHEMA, "hello world")],
)
def test_literal_is_typed_like_kafka_values(literal: str, schema: Schema, value: object) -> None:
    xform = InsertHeader()
    xform.configure({"header": "h", "value.literal": literal})
    record = source(None)
    header = xform.apply(record).headers.last_with_name("h")
    assert (header.schema, header.value) == (schema, value)
    assert len(record.headers) == 0


def test_missing_literal_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match='"value.literal"'):
        InsertHeader().configure({"header": "h"})

"""The source block's ``sequence`` text and the context headers, against their readable reference forms."""

from __future__ import annotations

import pytest

from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.postgres._envelope import ContextHeaders, SourceBlock, sequence_reference


@pytest.mark.parametrize("last_commit", [None, 0, 1, 23_456_789, 2**64 - 1])
@pytest.mark.parametrize("lsn", [None, 0, 7, 2**63])
def test_sequence_is_the_json_debezium_writes(last_commit: int | None, lsn: int | None) -> None:
    source = SourceBlock("p", "db").struct(1_000_000, "false", "public", "t", 5, lsn, last_commit)
    assert source.get("sequence") == sequence_reference(last_commit, lsn)
    if last_commit is not None and lsn is not None:
        assert source.get("sequence") == f'["{last_commit}","{lsn}"]'


def test_headers_equal_the_reference_and_are_never_shared() -> None:
    context = ContextHeaders("p", "3")
    key_schema = SchemaBuilder.struct().name("p.public.t.Key").field("id", SchemaBuilder.int32().build()).build()
    first = ("__debezium.newkey", key_schema, Struct(key_schema).put("id", 1))
    assert context.headers() == context.headers_reference()
    assert context.headers(first) == context.headers_reference(first)
    assert [h.key for h in context.headers(first)] == ["__debezium.newkey", "__debezium.context.connectorLogicalName",
                                                       "__debezium.context.taskId", "__debezium.context.connectorName",
                                                       "__debezium.context.runId"]
    one, two = context.headers(), context.headers()
    one.add("smt", "x").remove("__debezium.context.taskId")  # what an SMT may do to one record's headers
    assert two == context.headers_reference() and context.headers() == context.headers_reference()
    assert len(one) == 4 and one.last_with_name("smt") is not None and two.last_with_name("smt") is None

"""ExtractNewRecordState, Debezium's unwrap (parity with its jar: tests/compat/test_debezium_transforms_compat.py)."""

from __future__ import annotations

import logging

import pytest

from connect_core.api.errors import ConnectError, DataError
from connect_core.api.header import Headers
from connect_core.api.record import SourceKeyedValues, SourceRecord
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.transforms.debezium.extract_new_record_state import ExtractNewRecordState
from tests.unit.transforms._records import source
from tests.unit.transforms.debezium._events import TOPIC, event, row, tombstone


def _unwrap(**configs: str) -> ExtractNewRecordState:
    smt = ExtractNewRecordState()
    smt.configure({k.replace("_", "."): v for k, v in configs.items()})
    return smt


def test_create_becomes_the_after_row_copied_into_a_required_struct_schema() -> None:
    out = _unwrap().apply(event("c", None, row()))
    assert out is not None
    assert out.value.values() == [1, "Ann", 5]
    # Debezium always rebuilds the row (addFields) with copySchemaBasics: the "after" field's optionality goes
    assert (out.value_schema.name, out.value_schema.optional) == (f"{TOPIC}.Value", False)
    assert out.value.schema is out.value_schema
    assert out.key.get("id") == 1


def test_delete_becomes_a_null_value_keeping_the_row_schema_and_the_tombstone_goes() -> None:
    smt = _unwrap()
    out = smt.apply(event("d", row(), None))
    assert out is not None
    assert (out.value, out.value_schema.name, out.value_schema.optional) == (None, f"{TOPIC}.Value", True)
    assert smt.apply(tombstone()) is None


@pytest.mark.parametrize(("mode", "delete_value", "tombstone_kept"), [
    ("drop", "dropped", False),
    ("delete-to-tombstone", None, False),
    ("rewrite", "true", False),
    ("rewrite-with-tombstone", "true", True),
])  # fmt: skip
def test_delete_tombstone_handling_modes(mode: str, delete_value: str | None, tombstone_kept: bool) -> None:
    smt = _unwrap(delete_tombstone_handling_mode=mode)
    out = smt.apply(event("d", row(), None))
    if delete_value == "dropped":
        assert out is None
    elif delete_value is None:
        assert out is not None
        assert (out.value_schema, out.value) == (None, None)
    else:
        assert out is not None
        assert out.value.get("__deleted") == delete_value
        assert out.value.get("name") == "Ann"
    assert (smt.apply(tombstone()) is not None) is tombstone_kept


def test_rewrite_marks_inserts_not_deleted_and_replaces_nulls_with_defaults_unless_told_not_to() -> None:
    updated = event("u", row(), row(score=None))
    assert _unwrap(delete_tombstone_handling_mode="rewrite").apply(updated).value.values() == [1, "Ann", 0, "false"]
    kept = _unwrap(delete_tombstone_handling_mode="rewrite", replace_null_with_default="false").apply(updated)
    assert kept.value.values() == [1, "Ann", None, "false"]


def test_truncate_events_are_dropped() -> None:
    assert _unwrap().apply(event("t", None, None)) is None


def test_add_fields_reads_top_level_source_and_transaction_fields_with_prefix_and_renames() -> None:
    out = _unwrap(add_fields="op,table,source.ts_ms:EVENT_TS,ts_ms,id,missing").apply(event("u", row(), row()))
    schema = out.value_schema
    assert [f.name for f in schema.fields] == ["id", "name", "score", "__op", "__table", "__EVENT_TS", "__ts_ms",
                                               "__id"]
    assert out.value.values()[3:] == ["u", "customers", 900, 1_000, "tx1"]
    assert all(schema.field(name).schema.optional for name in ("__op", "__table", "__EVENT_TS"))
    assert schema.field("__EVENT_TS").schema == Schema.OPTIONAL_INT64_SCHEMA


def test_add_fields_of_a_null_transaction_are_null() -> None:
    out = _unwrap(add_fields="id", add_fields_prefix="tx_").apply(event("r", None, row(), tx=False))
    assert out.value.get("tx_id") is None


def test_add_headers_on_events_and_op_d_on_a_kept_tombstone() -> None:
    smt = _unwrap(add_headers="op,db", add_headers_prefix="dbz.",
                  delete_tombstone_handling_mode="rewrite-with-tombstone")
    out = smt.apply(event("c", None, row()))
    assert [(h.key, h.value, h.schema.optional) for h in out.headers] == [("dbz.op", "c", True),
                                                                         ("dbz.db", "shop", True)]
    kept = smt.apply(tombstone())
    assert [(h.key, h.value, h.schema) for h in kept.headers] == [("dbz.op", "d", Schema.STRING_SCHEMA)]


def test_the_input_records_headers_are_not_changed() -> None:
    record = event("c", None, row(), headers=Headers().add("trace", "abc", Schema.STRING_SCHEMA))
    out = _unwrap(add_headers="op").apply(record)
    assert [h.key for h in out.headers] == ["trace", "__op"]
    assert [h.key for h in record.headers] == ["trace"]


def test_route_by_field_uses_after_for_writes_and_before_for_deletes() -> None:
    smt = _unwrap(route_by_field="name", delete_tombstone_handling_mode="rewrite")
    assert smt.apply(event("c", None, row(name="north"))).topic == "north"
    assert smt.apply(event("d", row(name="south"), None)).topic == "south"
    assert smt.apply(event("c", None, row(name="  "))).topic == TOPIC  # blank: unchanged
    with pytest.raises(DataError, match="nope is not a valid field name"):
        _unwrap(route_by_field="nope").apply(event("c", None, row()))
    with pytest.raises(DataError, match="Field 'id' is not of type STRING"):
        _unwrap(route_by_field="id").apply(event("c", None, row()))


def _drop_header(*names: str) -> Headers:
    return Headers().add("drop", list(names), SchemaBuilder.array(Schema.STRING_SCHEMA).build())


def test_drop_fields_header_removes_only_optional_fields_unless_schema_compatibility_is_off() -> None:
    record = event("c", None, row(), headers=_drop_header("name", "id"))
    compatible = _unwrap(drop_fields_header_name="drop").apply(record)
    assert [f.name for f in compatible.value_schema.fields] == ["id", "score"]
    incompatible = _unwrap(drop_fields_header_name="drop", drop_fields_keep_schema_compatible="false",
                           drop_fields_from_key="true").apply(record)
    assert [f.name for f in incompatible.value_schema.fields] == ["score"]
    assert incompatible.key_schema.fields == []


def test_records_that_are_not_change_events_pass_unchanged() -> None:
    smt = _unwrap(add_headers="op")
    schemaless = source({"before": None, "after": {"id": 1}, "op": "c"})
    assert smt.apply(schemaless) is schemaless
    plain = Struct(SchemaBuilder.struct().name("x.Value").field("id", Schema.INT32_SCHEMA).build()).put("id", 1)
    record = source(plain, plain.schema)
    assert smt.apply(record) is record


def test_invalid_mode_fails_as_debezium_does_and_legacy_keys_are_ignored(caplog: pytest.LogCaptureFixture,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from connect_core.api import log_once

    monkeypatch.setattr(log_once, "_seen", set())  # the warning is once per process: another test may have had it
    with pytest.raises(ConnectError, match=r"^Unable to validate config\.$"):
        _unwrap(delete_tombstone_handling_mode="keep")
    with caplog.at_level(logging.WARNING):
        smt = _unwrap(delete_handling_mode="rewrite")
    assert "removed in Debezium 3.0" in caplog.text
    assert smt.apply(event("d", row(), None)).value is None  # the default mode, not rewrite
    assert _unwrap(delete_tombstone_handling_mode=" REWRITE ").apply(event("d", row(), None)).value is not None


def _lists(value: object) -> object:
    """A struct as the lists of its field values, its structs' too (``StructLists``' items)."""
    return [_lists(v) for v in value.values()] if isinstance(value, Struct) else value  # type: ignore[union-attr]


def _run(events: list[SourceRecord]) -> SourceKeyedValues:
    """The keyed run a CDC task gives for ``events`` (one topic, one envelope schema), values as lists."""
    from connect_core.api.struct import StructLists

    first = events[0]
    values = StructLists(first.value_schema, [_lists(e.value) for e in events])  # type: ignore[arg-type,misc]
    return SourceKeyedValues({"server": "pg"}, [{"lsn": i} for i in range(len(events))], first.topic,
                             first.key_schema, [e.key for e in events], first.value_schema, values, 5_000)


@pytest.mark.parametrize("seed", range(6))
def test_a_run_of_rows_unwrapped_whole_is_what_apply_makes_of_each_record(seed: int) -> None:
    """Random runs of creates, reads and updates (nulls, defaults): ``apply_keyed`` gives the values and value schema
    ``apply`` gives each record, and the converter writes the same bytes."""
    import random

    from connect_core.converters.json import JsonConverter

    rng = random.Random(seed)
    smt = _unwrap(**({"delete.tombstone.handling.mode": rng.choice(["drop", "tombstone", "delete-to-tombstone"])}
                     if seed % 2 else {}))
    events = []
    for i in range(rng.randint(1, 40)):
        after = row(i, rng.choice(["Ann", None, "é"]), rng.choice([None, 3, -7]))
        op = rng.choice("cru")
        events.append(event(op, row(i, "old") if op == "u" else None, after, tx=rng.random() < 0.5))
    run = _run(events)
    unwrapped = smt.apply_keyed(run)
    assert unwrapped is not None
    expected = [smt.apply(r) for r in run.records()]
    assert [(r.topic, r.key, r.timestamp, r.source_offset) for r in unwrapped.records()] == [
        (r.topic, r.key, r.timestamp, r.source_offset) for r in expected]  # type: ignore[union-attr]
    assert all(r.value_schema == unwrapped.value_schema for r in expected)  # type: ignore[union-attr]
    assert list(unwrapped.values) == [r.value for r in expected]  # type: ignore[union-attr]
    converter = JsonConverter()
    converter.configure({}, is_key=False)
    assert converter.from_connect_values(TOPIC, unwrapped.value_schema, unwrapped.values) == [
        converter.from_connect_data(TOPIC, r.value_schema, r.value) for r in expected]  # type: ignore[union-attr]


@pytest.mark.parametrize(("configs", "events"), [
    ({}, [event("c", None, row(1)), event("d", row(1), None)]),  # a delete
    ({}, [event("c", None, row(1)), tombstone()]),  # a tombstone
    ({}, [event("t", None, None)]),  # a truncate
    ({"delete.tombstone.handling.mode": "rewrite"}, [event("c", None, row(1))]),  # __deleted
    ({"add.fields": "op"}, [event("c", None, row(1))]),
    ({"add.headers": "op"}, [event("c", None, row(1))]),
    ({"route.by.field": "name"}, [event("c", None, row(1))]),
    ({"drop.fields.header.name": "drop"}, [event("c", None, row(1))]),
], ids=["delete", "tombstone", "truncate", "rewrite", "add-fields", "add-headers", "route", "drop-fields"])
def test_a_run_apply_keyed_cannot_say_whole_is_left_to_apply(configs: dict[str, str],
                                                             events: list[SourceRecord]) -> None:
    from connect_core.api.struct import StructLists

    run = _run([e for e in events if e.value is not None] or events)
    if any(e.value is None for e in events):  # the tombstone's list is None
        run = run._replace(values=StructLists(run.values.schema, [*run.values.lists, None]),  # type: ignore[attr-defined]
                           keys=[*run.keys, run.keys[-1]], source_offsets=[*run.source_offsets, {"lsn": 9}])
    assert _unwrap(**configs).apply_keyed(run) is None
    structs = run._replace(values=list(run.values))  # structs, not lists
    assert _unwrap().apply_keyed(structs) is None
    plain = row(1)  # not a change event
    assert _unwrap().apply_keyed(SourceKeyedValues({}, [{}], TOPIC, None, [None], plain.schema,
                                                   StructLists(plain.schema, [_lists(plain)]))) is None  # type: ignore[list-item]

"""The keyed path (``SourceTask.keyed_poll``): runs of records of one topic with their own keys (a change event
stream's rows of one table) are produced as the records they stand for would be: the same messages in the same
order, the same committed offsets and counts; the records path decides whatever the pipeline cannot write a run at a
time (an SMT, a converter without a batch write, a failing value, headers of a converter not known pure)."""

from __future__ import annotations

import decimal
import json
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from connect_core.api.header import Headers
from connect_core.api.record import SourceKeyedValues, SourceRecord
from connect_core.api.schema import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SourceTask
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
from connect_core.runtime import registry
from connect_core.runtime.converter_set import ConverterSet
from connect_core.runtime.source_pipeline import SourcePipeline
from connect_core.runtime.source_runner import _produce_all, _produce_keyed
from connect_core.transforms.chain import build_chain
from tests.unit.runtime import fakes
from tests.unit.runtime.test_source_runner import Harness
from tests.unit.runtime.test_source_values import _FullQueueProducer

if TYPE_CHECKING:
    from collections.abc import Callable

JSON = "org.apache.kafka.connect.json.JsonConverter"
STRING = "org.apache.kafka.connect.storage.StringConverter"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
CONNECTOR = f"{__name__}:KeyedConnector"
CONFIG = {"connector.class": CONNECTOR, "tasks.max": "1", "key.converter": JSON, "value.converter": JSON}
PARTITION = {"server": "db"}

KEY = SchemaBuilder.struct().name("db.inv.t.Key").field("id", INT32_SCHEMA).build()
ROW = (SchemaBuilder.struct().name("db.inv.t.Value").optional().field("id", INT32_SCHEMA)
       .field("name", OPTIONAL_STRING_SCHEMA)
       .field("amount", SchemaBuilder.bytes().name("org.apache.kafka.connect.data.Decimal")
              .parameter("scale", "2").optional().build()).build())
ENVELOPE = (SchemaBuilder.struct().name("db.inv.t.Envelope").field("before", ROW).field("after", ROW)
            .field("op", STRING_SCHEMA).build())
OTHER = SchemaBuilder.struct().name("db.inv.u.Envelope").field("op", STRING_SCHEMA).build()


def _row(n: int) -> Struct:
    return Struct.from_validated(ROW, [n, f"name {n}" if n % 3 else None, decimal.Decimal(f"{n}.{n % 100:02d}")])


def _change(n: int, op: str) -> tuple[Struct, Struct]:
    before, after = (None, _row(n)) if op == "c" else (_row(n), None) if op == "d" else (_row(n), _row(n + 1000))
    return Struct.from_validated(KEY, [n]), Struct.from_validated(ENVELOPE, [before, after, op])


def script(headers: Headers | None = None) -> list[list[SourceRecord | SourceKeyedValues]]:
    """Polls as a CDC task's keyed poll gives them: runs of two tables (tombstones, an empty name, decimals, a table
    without a key), a heartbeat-like record and one carrying only its offset between them, a run to one topic
    broken by another's."""
    n = 0

    def run(topic: str, ops: str, *, keyless: bool = False) -> SourceKeyedValues:
        nonlocal n
        offsets: list[dict[str, Any] | None] = []
        keys: list[Any] = []
        values: list[Any] = []
        for op in ops:
            n += 1
            key, value = _change(n, op) if op != "t" else (keys[-1], None)
            if keyless:
                key = None
            offsets.append({"pos": n, "row": 0})
            keys.append(key)
            values.append(value)
        return SourceKeyedValues(PARTITION, offsets, topic, None if keyless else KEY, keys, ENVELOPE, values,
                                 headers=headers)

    def record(topic: str | None) -> SourceRecord:
        nonlocal n
        n += 1
        if topic is None:
            return SourceRecord(PARTITION, {"pos": n, "row": 0}, None)
        return SourceRecord(PARTITION, {"pos": n, "row": 0}, topic, None, None, None, OTHER,
                            Struct.from_validated(OTHER, ["r"]), None, None if headers is None else headers.duplicate())

    return [
        [run("db.inv.t", "ccudtc"), record("db.inv.u"), run("db.inv.t", "u"), run("db.inv.v", "cdt", keyless=True)],
        [record(None), run("db.inv.t", "dtdt"), record(None)],
        [run("db.inv.t", "c" * 25)],
    ]


class KeyedTask(SourceTask):
    """Gives ``POLLS`` one per poll: as they are from ``keyed_poll``, as the records they stand for from ``poll``."""

    POLLS: ClassVar[list[list[SourceRecord | SourceKeyedValues]]] = []
    KEYED: ClassVar[bool] = True

    def start(self, props: dict[str, str]) -> None:
        self.polls = list(self.POLLS)

    def poll(self) -> list[SourceRecord]:
        if not self.polls:
            return []
        items = self.polls.pop(0)
        return [r for item in items for r in (item.records() if isinstance(item, SourceKeyedValues) else [item])]

    def keyed_poll(self) -> Callable[[], list[SourceRecord | SourceKeyedValues]] | None:
        return self._keyed if self.KEYED else None

    def _keyed(self) -> list[SourceRecord | SourceKeyedValues]:
        return self.polls.pop(0) if self.polls else []

    def stop(self) -> None:
        """Nothing to release."""


class KeyedConnector(fakes.ScriptedSourceConnector):
    def task_class(self) -> type[SourceTask]:
        return KeyedTask


def _run(keyed: bool, config: dict[str, str], headers: Headers | None = None,
         called: list[str] | None = None) -> tuple[Any, ...]:
    """What one invocation over ``script()`` commits: each message, the counts, the offsets topic's records."""
    KeyedTask.POLLS, KeyedTask.KEYED = script(headers), keyed
    harness = Harness(config)
    runner = harness.runner()
    if called is not None:
        original = SourcePipeline.keyed_bytes

        def keyed_bytes(pipeline: SourcePipeline, run: SourceKeyedValues) -> Any:
            written = original(pipeline, run)
            called.append("runs" if written is not None else "records")
            return written

        SourcePipeline.keyed_bytes = keyed_bytes  # type: ignore[method-assign]
    try:
        result = runner.run("src", 0, lambda: 60_000.0)
    finally:
        runner.close()
        if called is not None:
            SourcePipeline.keyed_bytes = original  # type: ignore[method-assign]
    produced = [(m.topic, m.key, m.value, m.headers) for p in harness.producers for m in p.committed
                if m.topic != "connect-offsets"]
    return produced, (result.records, result.skipped, result.bytes, result.polls), result.offsets, list(
        harness.topics.offsets.records)


@pytest.fixture(autouse=True)
def _plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", f"{fakes.PLUGINS},{CONNECTOR}")


HEADERS = Headers().add("__debezium.context.connectorName", "db", STRING_SCHEMA).add("n", 5, INT32_SCHEMA)


@pytest.mark.parametrize(("config", "headers", "by"), [
    (CONFIG, None, "runs"),
    ({**CONFIG, "key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false"}, None, "runs"),
    ({**CONFIG, "value.converter.decimal.format": "NUMERIC"}, HEADERS, "runs"),
    ({**CONFIG, "header.converter": JSON}, HEADERS, "records"),  # a header converter not known pure
    ({**CONFIG, "key.converter": STRING}, None, "runs"),
    ({**CONFIG, "value.converter": BYTES}, None, "records"),  # no batch write (and a failing value: tolerated)
], ids=["json", "schemaless", "numeric-headers", "impure-headers", "string-keys", "bytes"])
def test_the_keyed_path_commits_what_the_records_path_commits(config: dict[str, str], headers: Headers | None,
                                                                by: str) -> None:
    config = {**config, "errors.tolerance": "all"}
    called: list[str] = []
    keyed = _run(True, config, headers, called)
    assert keyed == _run(False, config, headers)
    assert set(called) == {by}
    produced = keyed[0]
    if by == "runs":  # every record written, the tombstones as tombstones
        assert len(produced) == sum(len(i.values) if isinstance(i, SourceKeyedValues) else i.topic is not None
                                    for poll in script() for i in poll)
        assert [value for (_t, _k, value, _h) in produced].count(None) == 4
    if config == {**CONFIG, "errors.tolerance": "all"}:
        assert json.loads(produced[0][1])["payload"] == {"id": 1}


def test_an_smt_takes_the_records_path() -> None:
    config = {**CONFIG, "transforms": "route", "transforms.route.type":
              "org.apache.kafka.connect.transforms.RegexRouter", "transforms.route.regex": "db\\.inv\\.(.*)",
              "transforms.route.replacement": "$1"}
    called: list[str] = []
    keyed = _run(True, config, None, called)
    assert keyed == _run(False, config)
    assert called == []  # keyed_poll not even asked
    assert {topic for (topic, *_rest) in keyed[0]} == {"t", "u", "v"}


def test_keyed_bytes_of_a_failing_value_leave_the_run_to_the_records_path() -> None:
    operator = RetryWithToleranceOperator.from_config(ErrorHandlingConfig.parse({}), reporters=[])
    pipeline = SourcePipeline(ConverterSet.from_config(CONFIG), build_chain(CONFIG, registry.find), operator)
    key, value = _change(1, "c")
    bad = SourceKeyedValues(PARTITION, [{"pos": 1}, {"pos": 2}], "t", KEY, [key, key], ENVELOPE,
                            [value, Struct.from_validated(OTHER, ["x"])])
    assert pipeline.keyed_bytes(bad) is None
    good = bad._replace(values=[value, None])
    written = pipeline.keyed_bytes(good)
    assert written is not None
    args, skipped, size = pipeline.produce_args(good.records(), "cb")
    assert skipped == 0 and size == written[3]
    assert [(a[2], a[1], a[7]) for a in args] == list(zip(written[0], written[1], [None, None], strict=True))


def test_source_keyed_values_records_are_the_records_a_poll_would_give() -> None:
    key, value = _change(1, "d")
    offsets = [{"pos": 1}, {"pos": 1}]
    run = SourceKeyedValues(PARTITION, offsets, "t", KEY, [key, key], ENVELOPE, [value, None], 7, HEADERS)
    first, tombstone = run.records()
    assert first == SourceRecord(PARTITION, offsets[0], "t", None, KEY, key, ENVELOPE, value, 7, HEADERS)
    assert tombstone == SourceRecord(PARTITION, offsets[1], "t", None, KEY, key, None, None, 7, HEADERS)
    assert first.headers is not HEADERS and first.headers is not tombstone.headers  # each its own copy
    assert first.source_offset is offsets[0]
    assert SourceTask.keyed_poll(KeyedTask()) is None


def test_produce_keyed_gives_produce_all_s_calls_in_order_through_a_full_queue() -> None:
    values: list[bytes | None] = [f"v{i}".encode() if i % 4 else None for i in range(20)]
    keys: list[bytes | None] = [f"k{i}".encode() if i % 5 else None for i in range(20)]
    for headers in (None, [("h", b"1")]):
        by_keys, by_args = _FullQueueProducer(), _FullQueueProducer()
        assert _produce_keyed(by_keys, "t", keys, values, "cb", timestamp=7, headers=headers) == 20
        args = [("t", v, k, -1, "cb", None, 7, headers) for k, v in zip(keys, values, strict=True)]
        assert _produce_all(by_args, args) == 20
        assert by_args.produced == args
        assert [(*a, None)[:8] for a in by_keys.produced] == args


UNWRAP = {"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}


def _as_lists(polls: list[list[SourceRecord | SourceKeyedValues]]) -> list[list[SourceRecord | SourceKeyedValues]]:
    """``polls`` with each run's values given as lists (``StructLists``), as the CDC tasks give them."""
    from connect_core.api.struct import StructLists

    def lists(value: Any) -> Any:
        return [lists(v) for v in value.values()] if isinstance(value, Struct) else value

    return [[item._replace(values=StructLists(ENVELOPE, [lists(v) for v in item.values]))
             if isinstance(item, SourceKeyedValues) else item for item in poll] for poll in polls]


@pytest.mark.parametrize("config", [
    {**CONFIG, **UNWRAP},
    {**CONFIG, **UNWRAP, "value.converter.schemas.enable": "false"},
    {**CONFIG, **UNWRAP, "transforms": "unwrap,mask", "transforms.mask.type":
     "org.apache.kafka.connect.transforms.MaskField$Value", "transforms.mask.fields": "name"},
], ids=["unwrap", "unwrap-schemaless", "unwrap-then-mask"])
def test_runs_unwrapped_whole_commit_what_the_records_path_commits(config: dict[str, str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """ExtractNewRecordState transforms a run of creates and updates whole (``apply_keyed``); a run with deletes or
    tombstones, and any chain with an SMT that cannot, takes the records path: the same messages either way."""
    config = {**config, "errors.tolerance": "all"}  # the script's record of another schema has no ``after``
    original = script
    monkeypatch.setattr(f"{__name__}.script", lambda headers=None: _as_lists(original(headers)))
    called: list[str] = []
    keyed = _run(True, config, None, called)
    assert keyed == _run(False, config)
    if config["transforms"] == "unwrap":  # runs 'ccudtc', 'u', 'cdt' (no key), 'dtdt', 'c' x 25
        assert called == ["records", "runs", "records", "records", "runs"]
    else:  # MaskField transforms no run whole: keyed_poll is not even asked
        assert called == []
    rows = [json.loads(value) for (topic, _k, value, _h) in keyed[0] if topic == "db.inv.t" and value]
    payloads = [row if row is None else row.get("payload", row) for row in rows]
    written = [p for p in payloads if p is not None]  # a delete: a null payload (delete.tombstone.handling.mode)
    assert len(written) == 30 and all(set(p) == {"id", "name", "amount"} for p in written)  # rows, unwrapped

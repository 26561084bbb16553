"""Case 3: converters + SMT chain alone, records per CPU-second on one core, versus plain ``json``.

Ours: the sink pipeline's per-record work without I/O: ``SinkPipeline.convert`` (JsonConverter with schemas to a
Struct, the 3-SMT chain of case 1) and the JsonConverter back to bytes, as a Connect worker does for a record it
reads, transforms and writes out again. Baseline: ``orjson.loads`` of the same bytes, the same three edits on
the dict (add ``source``, drop ``note`` and rename ``qty``, blank ``name``) and ``orjson.dumps`` of the envelope.
Both run in this process with nothing else; the rate is records / ``time.process_time()``. Beside the raw side,
the typed floor (``floor_pass``): the raw side plus the logical values a Connect worker cannot skip, which bounds
any implementation of Connect's data model (``extra.typed_floor_*``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from bench import common, dataset, mariadb_rows

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings


def build_ours(smts: bool) -> tuple[Any, Any]:
    """(sink pipeline, value converter) configured as a connector would be."""
    from connect_core.errors.config import ErrorHandlingConfig
    from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
    from connect_core.runtime.converter_set import ConverterSet
    from connect_core.runtime.sink_pipeline import SinkPipeline
    from connect_core.transforms.chain import build_chain

    config = {"key.converter": mariadb_rows.JSON, "value.converter": mariadb_rows.JSON} | (
        mariadb_rows.SMT_CHAIN if smts else {}
    )
    operator = RetryWithToleranceOperator.from_config(ErrorHandlingConfig.parse(config), reporters=[])
    converters = ConverterSet.from_config(config)
    return SinkPipeline(converters, build_chain(config), operator), converters.value


def ours_pass(records: list[Any], smts: bool) -> int:
    """bytes -> SinkRecord (-> SMTs) -> bytes for every record."""
    pipeline, value_converter = build_ours(smts)
    out = 0
    for consumed in records:
        record = pipeline.convert(consumed)
        out += len(value_converter.from_connect_data(record.topic, record.value_schema, record.value))
    return len(records) if out else 0


def raw_pass(values: list[bytes], smts: bool) -> int:
    """orjson.loads -> dict edits -> orjson.dumps for every record."""
    dumps, loads = orjson.dumps, orjson.loads
    out = 0
    for value in values:
        envelope = loads(value)
        if smts:
            payload, schema = envelope["payload"], envelope["schema"]
            payload = {("quantity" if k == "qty" else k): ("" if k == "name" else v) for k, v in payload.items()
                       if k != "note"}
            payload["source"] = "mariadb"
            fields = [f for f in schema["fields"] if f["field"] != "note"]
            fields = [{**f, "field": "quantity"} if f["field"] == "qty" else f for f in fields]
            fields.append({"type": "string", "optional": True, "field": "source"})
            envelope = {"schema": {**schema, "fields": fields}, "payload": payload}
        out += len(dumps(envelope))
    return len(values) if out else 0


_DECIMAL, _TIMESTAMP, _DATE = ("org.apache.kafka.connect.data.Decimal", "org.apache.kafka.connect.data.Timestamp",
                               "org.apache.kafka.connect.data.Date")


def _typed_plan(schema: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(field, logical type, scale) of the struct schema's Decimal, Timestamp and Date fields."""
    plan = []
    for field in schema["fields"]:
        name = field.get("name")
        if name == _DECIMAL:
            plan.append((field["field"], _DECIMAL, int(field["parameters"]["scale"])))
        elif name in (_TIMESTAMP, _DATE):
            plan.append((field["field"], _TIMESTAMP if name == _TIMESTAMP else _DATE, 0))  # the constants: ``is``
    return plan


def _edited_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``raw_pass``'s three edits on a value schema (the SMT chain's output schema)."""
    fields = [f for f in schema["fields"] if f["field"] != "note"]
    fields = [{**f, "field": "quantity"} if f["field"] == "qty" else f for f in fields]
    fields.append({"type": "string", "optional": True, "field": "source"})
    return {**schema, "fields": fields}


def floor_pass(keys: list[bytes], values: list[bytes], smts: bool, written: list[bytes] | None = None) -> int:
    """The typed floor: the least a Connect worker does per record, which bounds any implementation of Connect's
    data model with typed values. The key is read too; the logical values are made and written back (Decimal from
    and to base64 bytes, Timestamp and Date from and to epoch numbers), as an SMT or a sink task sees them. It
    skips what the raw side cannot: the envelope's schema text is matched as bytes against the last one (parsed,
    edited and written once per schema, not per record), only the payload is parsed and written. No Struct, no
    SinkRecord, no schema objects, no checks. ``written`` (tests) collects the value bytes it writes."""
    import base64
    import datetime as dt
    import decimal

    dumps, loads, b64decode, b64encode = orjson.dumps, orjson.loads, base64.b64decode, base64.b64encode
    new_decimal, delta, epoch, epoch_day = decimal.Decimal, dt.timedelta, dt.datetime(1970, 1, 1), dt.date(1970, 1, 1)
    one_ms, marker = delta(milliseconds=1), b',"payload":'
    key_prefix = prefix = out_prefix = b""
    plan: list[tuple[str, str, int]] = []
    out = 0
    for key, value in zip(keys, values, strict=True):
        if not key_prefix or not key.startswith(key_prefix):
            key_prefix = key[:key.index(marker) + len(marker)]
        loads(key[len(key_prefix):-1])
        if not prefix or not value.startswith(prefix):
            prefix = value[:value.index(marker) + len(marker)]
            schema = loads(prefix[:-len(marker)] + b"}")["schema"]
            plan = _typed_plan(schema)
            out_schema = _edited_schema(schema) if smts else schema
            out_prefix = dumps({"schema": out_schema})[:-1] + marker
        payload = loads(value[len(prefix):-1])
        typed = dict(payload)
        for field, logical, scale in plan:  # read: the values an SMT or a sink task sees
            raw = payload[field]
            if raw is None:
                continue
            if logical is _DECIMAL:
                typed[field] = new_decimal(int.from_bytes(b64decode(raw), "big", signed=True)).scaleb(-scale)
            elif logical is _TIMESTAMP:
                typed[field] = epoch + delta(milliseconds=raw)
            else:
                typed[field] = epoch_day + delta(days=raw)
        if smts:
            typed = {("quantity" if k == "qty" else k): ("" if k == "name" else v) for k, v in typed.items()
                     if k != "note"}
            typed["source"] = "mariadb"
        for name, logical, scale in plan:  # write: the logical values back to JSON
            field = "quantity" if smts and name == "qty" else name
            typed_value = typed.get(field)
            if typed_value is None:
                continue
            if logical is _DECIMAL:
                unscaled = int(typed_value.scaleb(scale))
                typed[field] = b64encode(unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big",
                                                           signed=True)).decode()
            elif logical is _TIMESTAMP:
                typed[field] = (typed_value - epoch) // one_ms
            else:
                typed[field] = (typed_value - epoch_day).days
        text = out_prefix + dumps(typed) + b"}"
        if written is not None:
            written.append(text)
        out += len(text)
    return len(values) if out else 0


def run(settings: Settings) -> list[Result]:
    """With and without the SMT chain."""
    from connect_core.api.consumed_record import ConsumedRecord

    pairs = list(dataset.sink_records(settings.records))
    consumed = [ConsumedRecord("rows", 0, i, 1_700_000_000_000, "CreateTime", key, value)
                for i, (key, value) in enumerate(pairs)]
    values = [value for _, value in pairs]
    keys = [key for key, _ in pairs]
    results = []
    for smts in (False, True):
        def ours(_rep: int, smts: bool = smts) -> Sample:
            return common.measure(lambda: ours_pass(consumed, smts))

        floors: list[Sample] = []

        def raw(rep: int, smts: bool = smts, floors: list[Sample] = floors) -> Sample:
            """The raw side, then the typed floor (the order flipped every repetition)."""
            def plain() -> Sample:
                return common.measure(lambda: raw_pass(values, smts))

            def typed() -> Sample:
                return common.measure(lambda: floor_pass(keys, values, smts))

            if rep % 2:
                floors.append(typed())
                return plain()
            sample = plain()
            floors.append(typed())
            return sample

        mine, theirs = common.interleave(settings.repeats, ours, raw)
        name = "3b converters + 3 SMTs (per cpu-s)" if smts else "3a converters alone (per cpu-s)"
        result = common.throughput_result(name, "orjson.loads + dict edits + orjson.dumps", mine, theirs)
        result.ours_per_s, result.baseline_per_s = (result.extra["ours_per_cpu_s"],
                                                    result.extra["baseline_per_cpu_s"])
        floor = common.median_rate(floors, cpu=True)
        raw_rate = result.extra["baseline_per_cpu_s"]
        result.extra.update(typed_floor_per_cpu_s=round(floor, 1),
                            typed_floor_cpu_s=[round(f.cpu_s, 3) for f in floors],
                            typed_floor_ratio_to_raw=round(floor / raw_rate, 3) if raw_rate else None,
                            ratio_to_typed_floor=round(result.extra["ours_per_cpu_s"] / floor, 3) if floor else None)
        result.unit, result.ratio = "records/cpu-s", None
        result.__post_init__()
        results.append(result)
    print("case 3 typed floor (records per CPU-second; the least Connect's data model does, see floor_pass): "
          + "; ".join(f"{r.name[:2]} floor {r.extra['typed_floor_per_cpu_s']:,.0f}, floor/raw "
                      f"{r.extra['typed_floor_ratio_to_raw']}, ours/floor {r.extra['ratio_to_typed_floor']}"
                      for r in results), flush=True)
    return results

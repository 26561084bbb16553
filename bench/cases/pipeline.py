"""Case 3: converters + SMT chain alone, records per CPU-second on one core, versus plain ``json``.

Ours: the sink pipeline's per-record work without I/O: ``SinkPipeline.convert`` (JsonConverter with schemas to a
Struct, the 3-SMT chain of case 1) and the JsonConverter back to bytes, as a Connect worker does for a record it
reads, transforms and writes out again. Baseline: ``orjson.loads`` of the same bytes, the same three edits on
the dict (add ``source``, drop ``note`` and rename ``qty``, blank ``name``) and ``orjson.dumps`` of the envelope.
Both run in this process with nothing else; the rate is records / ``time.process_time()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from bench import common, dataset
from bench.cases.jdbc_source import JSON, SMT_CHAIN

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings


def build_ours(smts: bool) -> tuple[Any, Any]:
    """(sink pipeline, value converter) configured as a connector would be."""
    from connect_core.errors.config import ErrorHandlingConfig
    from connect_core.errors.retry_with_tolerance import RetryWithToleranceOperator
    from connect_core.runtime.converter_set import ConverterSet
    from connect_core.runtime.sink_pipeline import SinkPipeline
    from connect_core.transforms.chain import build_chain

    config = {"key.converter": JSON, "value.converter": JSON} | (SMT_CHAIN if smts else {})
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


def run(settings: Settings) -> list[Result]:
    """With and without the SMT chain."""
    from connect_core.api.consumed_record import ConsumedRecord

    pairs = list(dataset.sink_records(settings.records))
    consumed = [ConsumedRecord("rows", 0, i, 1_700_000_000_000, "CreateTime", key, value)
                for i, (key, value) in enumerate(pairs)]
    values = [value for _, value in pairs]
    results = []
    for smts in (False, True):
        def ours(_rep: int, smts: bool = smts) -> Sample:
            return common.measure(lambda: ours_pass(consumed, smts))

        def raw(_rep: int, smts: bool = smts) -> Sample:
            return common.measure(lambda: raw_pass(values, smts))

        mine, theirs = common.interleave(settings.repeats, ours, raw)
        name = "3b converters + 3 SMTs (per cpu-s)" if smts else "3a converters alone (per cpu-s)"
        result = common.throughput_result(name, "orjson.loads + dict edits + orjson.dumps", mine, theirs)
        result.ours_per_s, result.baseline_per_s = (result.extra["ours_per_cpu_s"],
                                                    result.extra["baseline_per_cpu_s"])
        result.unit, result.ratio = "records/cpu-s", None
        result.__post_init__()
        results.append(result)
    return results

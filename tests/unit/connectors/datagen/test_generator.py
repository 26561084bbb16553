"""The Avro Random Generator's annotations: each one's values stay in its bounds, and iterations resume."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from connect_core.api.avro.binary import parse_schema
from connect_core.api.errors import ConfigError
from connect_core.connectors.datagen._generator import Generator
from connect_core.connectors.datagen._regex import RegexGenerator


def _values(schema: dict[str, Any], n: int = 200, *, generation: int = 0, seed: int = 7) -> list[Any]:
    generator = Generator(parse_schema(json.dumps(schema)), random.Random(seed), generation)
    return [generator.generate() for _ in range(n)]


def _typed(kind: str, **props: Any) -> dict[str, Any]:
    return {"type": kind, "arg.properties": props}


def test_ranges_are_min_inclusive_max_exclusive() -> None:
    ints = _values(_typed("int", range={"min": 3, "max": 6}))
    longs = _values(_typed("long", range={"min": 1487715775521, "max": 1487715775525}))
    doubles = _values(_typed("double", range={"min": 0.1, "max": 10.0}))

    assert set(ints) == {3, 4, 5}
    assert set(longs) == {1487715775521, 1487715775522, 1487715775523, 1487715775524}
    assert all(0.1 <= d < 10.0 for d in doubles)


def test_options_are_the_only_values_and_records_and_unions_take_json_options() -> None:
    record = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"},
                                                         {"name": "b", "type": ["null", "string"]}]}
    options = _values({**record, "arg.properties": {"options": [{"a": 1, "b": None}, {"a": 2, "b": "x"}]}})

    assert set(_values(_typed("string", options=["MALE", "FEMALE"]))) == {"MALE", "FEMALE"}
    assert {json.dumps(o, sort_keys=True) for o in options} == {
        json.dumps({"a": 1, "b": [0, None]}), json.dumps({"a": 2, "b": [1, "x"]})}
    with pytest.raises(ConfigError, match="Invalid option for int schema"):
        _values(_typed("int", options=["one"]))
    with pytest.raises(ConfigError, match="Cannot specify range prop when options prop is given"):
        _values(_typed("int", options=[1], range={"min": 0}))


def test_iterations_count_wrap_and_resume_at_the_generation() -> None:
    schema = {"type": "record", "name": "R", "fields": [
        {"name": "id", "type": _typed("int", iteration={"start": 0})},
        {"name": "wrap", "type": _typed("long", iteration={"start": 10, "restart": 13})},
        {"name": "down", "type": _typed("int", iteration={"start": 5, "step": -2, "restart": -1})},
        {"name": "flag", "type": _typed("boolean", iteration={"start": True})},
        {"name": "name", "type": _typed("string", iteration={"start": 1}, prefix="user-")},
        {"name": "ts", "type": _typed("double", iteration={"start": 0.5, "step": 0.25})},
    ]}
    run = _values(schema, 8)

    assert [r["id"] for r in run] == list(range(8))
    assert [r["wrap"] for r in run] == [10, 11, 12, 10, 11, 12, 10, 11]
    assert [r["down"] for r in run] == [5, 3, 1, 5, 3, 1, 5, 3]
    assert [r["flag"] for r in run] == [True, False] * 4
    assert [r["name"] for r in run][:3] == ["user-1", "user-2", "user-3"]
    assert [r["ts"] for r in run][:3] == [0.5, 0.75, 1.0]
    resumed = _values(schema, 3, generation=5)
    assert [{k: r[k] for k in ("id", "wrap", "down", "flag", "name", "ts")} for r in resumed] == run[5:8]


def test_regexes_of_the_quickstart_schemas_match() -> None:
    patterns = ["Item_[1-9][0-9]{0,2}", "User_[1-9]{0,1}", "[A-Z]{2}\\d{6}[A-Z]", "\\[[0-9][0-9],[0-9][0-9]\\]",
                "https://www[.]acme[.]com/product/[a-z]{5}", "lab-\\d{1}", "[a-z ]{10,15}", "(ab|cd)+x*\\1?",
                "[^a-z]{3}"]
    rng = random.Random(3)
    for pattern in patterns:
        generator = RegexGenerator(pattern)
        for _ in range(100):
            text = generator.generate(rng)
            assert re.fullmatch(pattern, text), (pattern, text)
    with pytest.raises(ConfigError, match="Invalid regex property"):
        RegexGenerator("[unclosed")


def test_lengths_strings_arrays_maps_and_bytes() -> None:
    strings = _values(_typed("string"))
    regexes = _values(_typed("string", regex="[a-z]*", length={"min": 3, "max": 5}))
    arrays = _values({"type": "array", "items": "int", "arg.properties": {"length": 2}})
    maps = _values({"type": "map", "values": "long", "arg.properties": {
        "length": {"min": 1, "max": 3}, "keys": {"options": ["k1", "k2", "k3"]}}})

    assert all(8 <= len(s) < 16 and all(ord(c) < 128 for c in s) for s in strings)
    assert all(3 <= len(s) < 5 for s in regexes)
    assert {len(a) for a in arrays} == {2}
    assert all(1 <= len(m) < 3 and set(m) <= {"k1", "k2", "k3"} for m in maps)
    assert {len(b) for b in _values(_typed("bytes", length=4))} == {4}


def test_odds_unions_enums_and_decimals() -> None:
    assert set(_values(_typed("boolean", odds=1.0))) == {True}
    assert set(_values(_typed("boolean", odds=0.0))) == {False}
    unions = _values(["null", "string"])
    assert {index for index, _ in unions} == {0, 1} and all(v is None for i, v in unions if i == 0)
    assert set(_values({"type": "enum", "name": "E", "symbols": ["A", "B"]})) == {"A", "B"}
    decimals = _values({"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2})
    assert all(abs(int.from_bytes(d, "big", signed=True)) < 10**5 for d in decimals)


def test_same_seed_same_values_other_seed_other_values() -> None:
    schema = _typed("long", range={"min": 0, "max": 10**12})

    assert _values(schema, seed=1) == _values(schema, seed=1)
    assert _values(schema, seed=1) != _values(schema, seed=2)

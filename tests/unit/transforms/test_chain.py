"""Transformation chain built from connector config."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.transforms.chain import build_chain
from tests.unit.transforms._records import source

BASE = {
    "transforms": "insert,drop",
    "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.insert.topic.field": "t",
    "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter",
    "transforms.drop.predicate": "isKeep",
    "predicates": "isKeep",
    "predicates.isKeep.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
    "predicates.isKeep.pattern": "keep.*",
}


def test_transforms_apply_in_order_and_predicate_guards_filter() -> None:
    chain = build_chain(BASE)
    assert chain.apply(source({"a": 1}, topic="other")).value == {"a": 1, "t": "other"}
    assert chain.apply(source({"a": 1}, topic="keep-me")) is None


def test_negate_inverts_the_predicate() -> None:
    chain = build_chain({**BASE, "transforms.drop.negate": "true"})
    assert chain.apply(source({"a": 1}, topic="other")) is None
    assert chain.apply(source({"a": 1}, topic="keep-me")).value == {"a": 1, "t": "keep-me"}


def test_dropped_record_stops_the_chain() -> None:
    chain = build_chain({"transforms": "f,i", "transforms.f.type": "Filter",
                         "transforms.i.type": "org.apache.kafka.connect.transforms.InsertField$Value",
                         "transforms.i.topic.field": "t"})
    assert chain.apply(source("not a map")) is None  # InsertField would raise on a non-map: it never ran


def test_short_aliases_are_accepted() -> None:
    chain = build_chain({"transforms": "r", "transforms.r.type": "RegexRouter", "transforms.r.regex": "a",
                         "transforms.r.replacement": "b"})
    assert chain.apply(source(topic="a")).topic == "b"


def test_no_transforms_is_an_identity_chain() -> None:
    record = source({"a": 1})
    assert build_chain({}).apply(record) is record


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"transforms": "a,a"}, "Invalid value \\[a, a\\] for configuration transforms: Duplicate alias provided."),
        ({"transforms": "a"}, 'Missing required configuration "transforms.a.type" which has no default value.'),
        ({"transforms": "a", "transforms.a.type": "com.example.Nope"},
         "Invalid value com.example.Nope for configuration transforms.a.type: "
         "Class com.example.Nope could not be found."),
        ({"transforms": "a", "transforms.a.type": "org.apache.kafka.connect.transforms.Cast"},
         "Transformation is abstract and cannot be created. "
         "Did you mean org.apache.kafka.connect.transforms.Cast\\$Key"),
        ({"transforms": "a", "transforms.a.type": "Filter", "transforms.a.negate": "true"},
         "Config 'transforms.a.negate' was provided but there is no config 'transforms.a.predicate'"),
        ({"transforms": "a", "transforms.a.type": "Filter", "transforms.a.predicate": "p"},
         "Unknown configuration 'predicates.p.type'"),
        ({"transforms": "a", "transforms.a.type": "Filter", "transforms.a.predicate": "p", "predicates": "p"},
         'Missing required configuration "predicates.p.type"'),
    ],
)
def test_bad_chain_config_uses_kafka_messages(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_chain(props)


def test_smt_config_errors_propagate() -> None:
    with pytest.raises(ConfigError, match='"spec"'):
        build_chain({"transforms": "c", "transforms.c.type": "org.apache.kafka.connect.transforms.Cast$Value"})

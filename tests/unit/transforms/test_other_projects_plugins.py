"""Other projects' SMTs (Debezium, Confluent, jcustenborder) are listed and described as a worker lists them."""

from __future__ import annotations

import pytest

from connect_core.coordinator.herder.plugins import connector_plugin_config, list_plugins
from connect_core.transforms import _registry

OTHERS = sorted(name for name in _registry.TRANSFORMATIONS if not name.startswith("org.apache.kafka."))


def test_there_are_other_projects_smts() -> None:
    assert "io.debezium.transforms.ExtractNewRecordState" in OTHERS
    assert set(_registry.VERSIONS) <= set(OTHERS)


@pytest.mark.parametrize("name", OTHERS)
def test_listed_with_connectors_only_false_with_their_jars_version(name: str) -> None:
    info = {"class": name, "type": "transformation", "version": _registry.VERSIONS.get(name)}
    if name.rsplit(".", 1)[1] + "$Value" in {n.rsplit(".", 1)[1] for n in OTHERS}:
        assert info not in list_plugins(False)  # abstract: only its $Key/$Value are listed, as Kafka lists them
        return
    assert info in list_plugins(False)
    assert info not in list_plugins(True)


@pytest.mark.parametrize("name", OTHERS)
def test_resolves_by_simple_name_and_has_a_config_model(name: str) -> None:
    cls = _registry.resolve_transformation(name)
    assert cls is not None
    assert cls.__qualname__ == name.rsplit(".", 1)[1].replace("$", ".")
    assert isinstance(connector_plugin_config(name), list)


def test_extract_new_record_state_lists_debeziums_keys_in_its_order() -> None:
    keys = [k["name"] for k in connector_plugin_config("io.debezium.transforms.ExtractNewRecordState")]
    assert keys == ["delete.tombstone.handling.mode", "route.by.field", "add.fields.prefix", "add.fields",
                    "add.headers.prefix", "add.headers", "drop.fields.header.name", "drop.fields.from.key",
                    "drop.fields.keep.schema.compatible",
                    "delete.handling.mode", "drop.tombstones"]  # removed in Debezium 3.0: accepted, warned about


@pytest.mark.parametrize("name", ["ByLogicalTableRouter", "ToLogicalTopicRouter"])
def test_the_routers_list_the_keys_of_debeziums_config_def(name: str) -> None:
    keys = [k["name"] for k in connector_plugin_config(f"io.debezium.transforms.{name}")]
    assert keys == ["topic.regex", "topic.replacement", "key.enforce.uniqueness", "key.field.regex",
                    "key.field.replacement", "logical.destination.cache.size"]


def test_a_connector_config_naming_them_validates_as_a_worker_validates_it() -> None:
    from connect_core.coordinator.herder.validation import validate_connector_config

    config = {"name": "pipeline", "connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector",
              "kafka.topic": "t", "quickstart": "users", "transforms": "unwrap,route,outbox,filter,case",
              "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
              "transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
              "transforms.route.type": "io.debezium.transforms.ByLogicalTableRouter",
              "transforms.route.topic.regex": "(.*)", "transforms.route.topic.replacement": "all",
              "transforms.outbox.type": "io.debezium.transforms.outbox.EventRouter",
              "transforms.filter.type": "io.confluent.connect.transforms.Filter$Value",
              "transforms.filter.filter.condition": "$[?(@.a == 1)]", "transforms.filter.filter.type": "include",
              "transforms.case.type": "com.github.jcustenborder.kafka.connect.transform.common.ChangeTopicCase",
              "transforms.case.from": "LOWER_HYPHEN", "transforms.case.to": "BOGUS"}  # fmt: skip
    result = validate_connector_config(config)
    errors = {c["value"]["name"]: c["value"]["errors"] for c in result["configs"] if c["value"]["errors"]}
    assert list(errors) == ["transforms.case.to"]
    names = {c["value"]["name"] for c in result["configs"]}
    assert {"transforms.unwrap.add.fields", "transforms.outbox.route.by.field",
            "transforms.filter.missing.or.null.behavior"} <= names

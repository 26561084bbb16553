from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from connect_core.api.config import (
    ValidList,
    config_error,
    config_field,
    config_keys,
    in_range,
    parse_config,
    validate_config,
)
from connect_core.api.errors import ConfigError


class SampleConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    topics: list[str] = config_field(..., alias="topics", description="Topics.", importance="HIGH", group="Common")
    batch_size: int = config_field(
        2000, alias="batch.size", description="Rows.", validator=in_range(1), group="Common", width="SHORT"
    )
    ratio: float = config_field(0.5, alias="ratio", description="A ratio.", importance="LOW")
    enabled: bool = config_field(True, alias="x.enabled", description="Switch.", display_name="Enabled")
    mode: Literal["bulk", "incrementing"] = config_field("bulk", alias="mode", description="Mode.")
    password: SecretStr | None = config_field(None, alias="connection.password", description="Secret.")
    tags: list[str] = config_field(["a", "b"], alias="tags", description="Tags.")

    @model_validator(mode="after")
    def _check(self) -> SampleConfig:
        if self.mode == "incrementing" and self.batch_size > 10:
            raise ConfigError("Invalid value incrementing for configuration mode: needs batch.size <= 10")
        return self


def test_parse_config_parses_strings_like_kafka() -> None:
    config = parse_config(
        SampleConfig,
        {"topics": " a , b ", "batch.size": " 5 ", "ratio": "1e-1", "x.enabled": "FALSE", "connection.password": "s"},
    )
    assert config.topics == ["a", "b"]
    assert (config.batch_size, config.ratio, config.enabled) == (5, 0.1, False)
    assert config.password is not None
    assert config.password.get_secret_value() == "s"


def test_empty_list_string_parses_to_empty_list() -> None:
    assert parse_config(SampleConfig, {"topics": ""}).topics == []


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, 'Missing required configuration "topics" which has no default value.'),
        ({"topics": "a", "batch.size": "x"}, "Invalid value x for configuration batch.size: Not a number of type INT"),
        ({"topics": "a", "batch.size": "0"}, "Invalid value 0 for configuration batch.size: Value must be at least 1"),
        (
            {"topics": "a", "batch.size": "3000000000"},
            "Invalid value 3000000000 for configuration batch.size: Not a number of type INT",
        ),
        (
            {"topics": "a", "x.enabled": "yes"},
            "Invalid value yes for configuration x.enabled: Expected value to be either true or false",
        ),
        ({"topics": "a", "ratio": "abc"}, "Invalid value abc for configuration ratio: Not a number of type DOUBLE"),
    ],
)
def test_parse_config_errors_name_the_key(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(SampleConfig, props)
    assert str(err.value) == message


def test_pydantic_errors_become_config_errors_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="Invalid value nope for configuration mode: "):
        parse_config(SampleConfig, {"topics": "a", "mode": "nope"})


def test_config_keys_render_config_key_info() -> None:
    keys = {k["name"]: k for k in config_keys(SampleConfig)}
    assert list(keys) == ["topics", "batch.size", "ratio", "x.enabled", "mode", "connection.password", "tags"]
    assert keys["topics"] == {
        "name": "topics",
        "type": "LIST",
        "required": True,
        "default_value": None,
        "importance": "HIGH",
        "documentation": "Topics.",
        "group": "Common",
        "order_in_group": 1,
        "width": "NONE",
        "display_name": "topics",
        "dependents": [],
    }
    assert (keys["batch.size"]["type"], keys["batch.size"]["default_value"], keys["batch.size"]["order_in_group"]) == (
        "INT",
        "2000",
        2,
    )
    assert keys["ratio"]["type"] == "DOUBLE"
    assert (keys["x.enabled"]["type"], keys["x.enabled"]["default_value"]) == ("BOOLEAN", "true")
    assert keys["x.enabled"]["display_name"] == "Enabled"
    assert keys["connection.password"]["type"] == "PASSWORD"
    assert keys["tags"]["default_value"] == "a,b"
    assert keys["mode"]["order_in_group"] == -1


def test_validate_config_collects_errors_per_key() -> None:
    infos = {v["name"]: v for v in validate_config(SampleConfig, {"batch.size": "0", "connection.password": "p"})}
    assert infos["topics"]["errors"] == ['Missing required configuration "topics" which has no default value.']
    assert infos["batch.size"]["errors"] == ["Invalid value 0 for configuration batch.size: Value must be at least 1"]
    assert infos["batch.size"]["value"] == "0"
    assert infos["connection.password"]["value"] == "[hidden]"
    assert infos["mode"]["recommended_values"] == ["bulk", "incrementing"]
    assert infos["ratio"] == {
        "name": "ratio",
        "value": "0.5",
        "recommended_values": [],
        "errors": [],
        "visible": True,
    }


def test_validate_config_attaches_model_errors_to_the_named_key() -> None:
    infos = {v["name"]: v for v in validate_config(SampleConfig, {"topics": "a", "mode": "incrementing"})}
    assert infos["mode"]["errors"] == ["Invalid value incrementing for configuration mode: needs batch.size <= 10"]
    assert infos["topics"]["errors"] == []


class _ListsConfig(BaseModel):
    fields: list[str] = config_field(..., alias="fields", description="Fields.", type="LIST",
                                     validator=ValidList(empty_allowed=False))
    topics: list[str] = config_field([], alias="topics", description="Topics.", type="LIST",
                                     validator=ValidList(empty_allowed=True))


def test_a_valid_list_drops_repeats_when_parsed_with_kafkas_warning(caplog: pytest.LogCaptureFixture) -> None:
    """Kafka 4.2+'s ConfigDef.parse: a component configuring itself keeps the first of each entry and warns."""
    assert parse_config(_ListsConfig, {"fields": "a, b,a", "topics": "t,t"}).fields == ["a", "b"]
    assert 'Configuration key "fields" contains duplicate values. Duplicates will be removed. The original value is: ' \
           "[a, b, a], the updated value is: [a, b]" in caplog.messages


@pytest.mark.parametrize(("props", "key", "message"), [
    ({"fields": "a,b,a"}, "fields", "Configuration 'fields' values must not be duplicated."),
    ({"fields": "x", "topics": "t, t"}, "topics", "Configuration 'topics' values must not be duplicated."),
    ({"fields": ""}, "fields", "Configuration 'fields' must not be empty. Valid values include: any non-empty value"),
    ({"fields": "a,,b"}, "fields", "Configuration 'fields' values must not be empty."),
    ({"fields": "x", "topics": "a,"}, "topics", "Configuration 'topics' values must not be empty."),
])
def test_a_valid_list_refuses_as_kafka_validates(props: dict[str, str], key: str, message: str) -> None:
    """ConfigDef.validate (REST validate and create) refuses repeats; empty entries and lists fail either way."""
    errors = {value["name"]: value["errors"] for value in validate_config(_ListsConfig, props)}
    assert errors[key] == [message]
    if "duplicated" not in message:
        with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
            parse_config(_ListsConfig, props)


def test_an_empty_topics_list_is_allowed_where_kafka_allows_it() -> None:
    assert parse_config(_ListsConfig, {"fields": "x", "topics": ""}).topics == []


def _region(key: str, value: str) -> None:
    """A one-key check as Kafka's ``ConfigDef.Validator``: it raises ``config_error`` naming the key."""
    if value not in ("eu", "us"):
        raise config_error(key, value, "must be eu or us")


class _CrmConfig(BaseModel):
    """The connector guide's sink config with a one-key check on its URL, as a newcomer wrote it."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    url: str = config_field(alias="crm.url", description="The CRM's base URL.")
    batch_size: int = config_field(500, alias="batch.size", validator=in_range(1), description="Rows per call.")
    region: str = config_field("eu", alias="crm.region", description="Region.", validator=_region)
    path: str = config_field("/", alias="crm.path", description="Path.")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise config_error("crm.path", value, "must start with /")
        return value


@pytest.mark.parametrize("others", [{}, {"batch.size": "0"}, {"batch.size": "0", "crm.region": "mars"},
                                    {"batch.size": "0", "crm.region": "mars", "crm.path": "x"}])
def test_a_field_validators_error_is_reported_whatever_other_keys_hold(others: dict[str, str]) -> None:
    """Kafka's ``ConfigDef.validateAll`` reports every key: the URL's error stays when batch.size is invalid too."""
    infos = {v["name"]: v for v in validate_config(_CrmConfig, {"crm.url": "ftp://x", **others})}
    assert infos["crm.url"]["errors"] == ["Invalid value ftp://x for configuration crm.url: Value error, must be an "
                                          "http(s) URL"]
    assert bool(infos["batch.size"]["errors"]) == ("batch.size" in others)
    assert infos["crm.region"]["errors"] == (["Invalid value mars for configuration crm.region: must be eu or us"]
                                             if "crm.region" in others else [])


def test_a_field_validators_config_error_is_reported_when_another_key_is_invalid() -> None:
    """A ``ConfigError`` (not wrapped by pydantic) from a field validator is reported on its key too."""
    infos = {v["name"]: v for v in validate_config(_CrmConfig, {"crm.url": "http://x", "crm.path": "x",
                                                                "batch.size": "0"})}
    assert infos["crm.path"]["errors"] == ["Invalid value x for configuration crm.path: must start with /"]
    assert infos["batch.size"]["errors"] == ["Invalid value 0 for configuration batch.size: Value must be at least 1"]


def test_a_check_across_keys_waits_for_every_key_to_be_valid() -> None:
    """A model validator judges the values given, never a default standing in for a key that failed to parse."""
    infos = {v["name"]: v for v in validate_config(SampleConfig, {"topics": "a", "mode": "incrementing",
                                                                  "batch.size": "x"})}
    assert infos["batch.size"]["errors"] == ['Invalid value x for configuration batch.size: Not a number of type INT']
    assert infos["mode"]["errors"] == []

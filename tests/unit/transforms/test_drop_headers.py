"""DropHeaders: remove all occurrences of named headers."""

from __future__ import annotations

import pytest

from connect_core.api.config import validate_config
from connect_core.api.errors import ConfigError
from connect_core.api.header import Headers
from connect_core.transforms.drop_headers import DropHeaders
from tests.unit.transforms._records import source


def test_all_occurrences_are_removed_and_others_kept_in_order() -> None:
    xform = DropHeaders()
    xform.configure({"headers": "a, b"})
    record = source(None, headers=Headers().add("a", 1).add("c", 2).add("b", 3).add("a", 4))
    out = xform.apply(record)
    assert [h.key for h in out.headers] == ["c"]
    assert len(record.headers) == 4


def test_empty_list_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="Configuration 'headers' must not be empty. Valid values include: any non"):
        DropHeaders().configure({"headers": ""})
    with pytest.raises(ConfigError, match="Configuration 'headers' values must not be empty."):
        DropHeaders().configure({"headers": "a,,b"})


def test_duplicates_are_dropped_by_configure_and_refused_by_validate() -> None:
    """Kafka 4.2 (KIP-1161): ``ConfigDef.parseValue`` de-duplicates a ValidList key, ``validate`` refuses it."""
    xform = DropHeaders()
    xform.configure({"headers": "a,b,a"})
    out = xform.apply(source(None, headers=Headers().add("a", 1).add("c", 2).add("b", 3)))
    assert [h.key for h in out.headers] == ["c"]
    [info] = validate_config(DropHeaders.config_model, {"headers": "a,b,a"})
    assert info["errors"] == ["Configuration 'headers' values must not be duplicated."]
    [info] = validate_config(DropHeaders.config_model, {})
    assert info["errors"] == ['Missing required configuration "headers" which has no default value.',
                              "Configuration 'headers' values must not be null."]

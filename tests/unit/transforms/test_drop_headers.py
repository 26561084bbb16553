"""DropHeaders: remove all occurrences of named headers."""

from __future__ import annotations

import pytest

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
    with pytest.raises(ConfigError, match="Invalid value \\[\\] for configuration headers: Empty list"):
        DropHeaders().configure({"headers": ""})

"""HasHeaderKey."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.header import Headers
from connect_core.transforms.predicates.has_header_key import HasHeaderKey
from tests.unit.transforms._records import source


def test_true_when_any_header_has_the_name() -> None:
    predicate = HasHeaderKey()
    predicate.configure({"name": "h"})
    assert predicate.test(source(headers=Headers().add("x", 1).add("h", None)))
    assert not predicate.test(source(headers=Headers().add("x", 1)))


def test_missing_name_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match='"name"'):
        HasHeaderKey().configure({})

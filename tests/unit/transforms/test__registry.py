"""The SMT/predicate manifest."""

from __future__ import annotations

import pytest

from connect_core.transforms import _registry


@pytest.mark.parametrize("name", sorted(_registry.TRANSFORMATIONS))
def test_every_kafka_transformation_name_resolves(name: str) -> None:
    cls = _registry.resolve_transformation(name)
    assert cls is not None
    assert cls.__qualname__ == name.rsplit(".", 1)[1].replace("$", ".")


@pytest.mark.parametrize("name", sorted(_registry.PREDICATES))
def test_every_kafka_predicate_name_resolves(name: str) -> None:
    assert _registry.resolve_predicate(name).__name__ == name.rsplit(".", 1)[1]


def test_unknown_names_resolve_to_none() -> None:
    assert _registry.resolve_transformation("com.example.Nope") is None
    assert _registry.resolve_predicate("Filter") is None

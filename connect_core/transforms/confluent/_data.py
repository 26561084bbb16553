"""Connect data as the JSON-like tree a JsonPath reads (structs as maps of their fields)."""

from __future__ import annotations

from typing import Any

from connect_core.api.struct import Struct

__all__ = ["as_tree"]


def as_tree(value: Any) -> Any:
    """Structs become dicts of their fields (defaults applied), recursively through lists and maps."""
    if isinstance(value, Struct):
        return {field.name: as_tree(value.get(field)) for field in value.schema.fields}
    if isinstance(value, dict):
        return {key: as_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_tree(item) for item in value]
    return value

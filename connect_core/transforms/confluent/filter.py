"""Filter: keep or drop records whose key or value matches a JsonPath condition (Confluent's
``io.confluent.connect.transforms.Filter$Key``/``$Value``).

A record matches when the path finds something: a value for a definite path, a non-empty list for a filter path
(``$.key[?(@.nestedKey == "value1")]``). A record whose key/value is null, or that lacks a field the (definite part of
the) path names, follows ``missing.or.null.behavior``; inside a filter ``[?()]`` a missing field is undefined and
does not match, as the documentation says.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config, valid_string
from connect_core.api.errors import DataError
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import attach_variants
from connect_core.transforms.confluent._data import as_tree
from connect_core.transforms.confluent._json_path import JsonPath, PathNotFoundError

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["Filter", "FilterConfig"]

log = logging.getLogger(__name__)


def _json_path(key: str, value: Any) -> None:
    try:
        JsonPath(value)
    except ValueError as error:
        raise config_error(key, value, f"Invalid JsonPath: {error}") from None


class FilterConfig(BaseModel):
    """Config of Filter (its documented properties)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    filter_condition: str = config_field(
        ..., alias="filter.condition", importance="HIGH", validator=_json_path,
        description="The criteria used to match records to be included or excluded by this transformation. Use "
        "JSON Path predicate notation defined in: https://github.com/json-path/JsonPath",
    )
    filter_type: str = config_field(
        ..., alias="filter.type", importance="HIGH", validator=valid_string("include", "exclude"),
        description="The action to perform with records that match the filter.condition predicate.",
    )
    missing_or_null_behavior: str = config_field(
        "fail", alias="missing.or.null.behavior", validator=valid_string("fail", "include", "exclude"),
        description="How to handle records with a null value (i.e. Kafka tombstone records) or records that do not "
        "contain the field(s) in the filter.condition.",
    )


class Filter(RecordSide, Transformation["ConnectRecord"]):
    """Confluent's Filter: use Filter.Key or Filter.Value."""

    config_model: ClassVar[type[BaseModel]] = FilterConfig
    Key: ClassVar[type[Filter]]
    Value: ClassVar[type[Filter]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Compile the condition."""
        self.config = parse_config(FilterConfig, configs)
        self._path = JsonPath(self.config.filter_condition)
        self._include = self.config.filter_type == "include"

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        """The record when it is to be kept, None when it is dropped."""
        value = self._operating_value(record)
        if value is None:
            return self._missing(record, "null")
        try:
            found = self._path.read(as_tree(value))
        except PathNotFoundError as error:
            return self._missing(record, str(error))
        matched = found is not None and found != []
        return record if matched == self._include else None

    def _missing(self, record: ConnectRecord, why: str) -> ConnectRecord | None:
        behavior = self.config.missing_or_null_behavior
        if behavior == "fail":
            raise DataError(f"Record is missing the field(s) of filter.condition "
                            f"'{self.config.filter_condition}' or is null: {why}")
        return record if behavior == "include" else None


class _Key(KeySide, Filter):
    """``Filter$Key``: the condition is applied to the record key."""


class _Value(ValueSide, Filter):
    """``Filter$Value``: the condition is applied to the record value."""


attach_variants(Filter, _Key, _Value)

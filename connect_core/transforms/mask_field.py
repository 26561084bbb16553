"""MaskField: replace field values with a type-appropriate null or a replacement (Kafka ``transforms.MaskField``)."""

from __future__ import annotations

import datetime as _dt
import decimal
import re
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import ValidList, config_field, parse_config
from connect_core.api.errors import DataError
from connect_core.api.java_text import to_float32
from connect_core.api.schema import Schema, Type
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms import _java
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    SchemaCache,
    StructCopier,
    ValuesStep,
    attach_variants,
    class_name,
    non_empty_string,
    replace_null_field,
    require_map,
    require_struct,
    struct_copier,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["FIELDS_CONFIG", "MaskField", "MaskFieldConfig", "REPLACEMENT_CONFIG"]

FIELDS_CONFIG = "fields"
REPLACEMENT_CONFIG = "replacement"
PURPOSE = "mask fields"
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_INT_BITS = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}
_BIG_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class MaskFieldConfig(BaseModel):
    """Config of MaskField (Kafka ``MaskField.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    fields: list[str] = config_field(
        ..., alias=FIELDS_CONFIG, importance="HIGH", type="LIST", validator=ValidList(empty_allowed=False),
        description="Names of fields to mask.",
    )
    replacement: str | None = config_field(
        None, alias=REPLACEMENT_CONFIG, importance="LOW", validator=non_empty_string,
        description="Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty "
        "string values only).",
    )
    replace_null_with_default: bool = replace_null_field()


def _null_mask(value: Any) -> Any:
    """The "empty" value of the same type (Kafka's PRIMITIVE_VALUE_MAPPING)."""
    if value.__class__ is str:  # the usual masked field first
        return ""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0
    if isinstance(value, decimal.Decimal):
        return decimal.Decimal(0)
    if isinstance(value, str):
        return ""
    if isinstance(value, _dt.datetime):
        return _EPOCH
    if isinstance(value, _dt.date):
        return _EPOCH.date()
    if isinstance(value, _dt.time):
        return _dt.time(0)
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    raise DataError(f"Cannot mask value of type: class {class_name(value)}")


def _big_decimal(text: str) -> decimal.Decimal:
    """Java ``new BigDecimal(String)``: Kafka's ``Values.asLong``/``asDouble`` parse numeric replacements with it."""
    if not _BIG_DECIMAL.fullmatch(text):
        raise DataError(f"Unable to convert {text} (class java.lang.String) to a number")
    return decimal.Decimal(text)


def _custom_mask(value: Any, replacement: str, schema: Schema | None) -> Any:
    """Parse ``replacement`` into the value's type (Kafka's REPLACEMENT_MAPPING_FUNC, i.e. ``Values.convertToX``).

    Integral types take ``BigDecimal(replacement).longValue()`` narrowed to their width ("12.7" masks as 12);
    floating types take its ``doubleValue()``; Decimal fields parse the replacement as a BigDecimal.
    """
    kind = schema.type if schema is not None and schema.name is None else None
    if isinstance(value, str):
        return replacement
    if isinstance(value, decimal.Decimal):
        if not _BIG_DECIMAL.fullmatch(replacement):
            raise DataError(f"Unable to convert {replacement} (class java.lang.String) to number")
        return decimal.Decimal(replacement)
    if isinstance(value, int) and not isinstance(value, bool):
        bits = _INT_BITS.get(kind, 64) if kind is not None else 64
        number = _big_decimal(replacement)
        if int(number.as_tuple().exponent) >= 64:  # a multiple of 2**64: the low 64 bits are zero
            return 0
        return _java.wrap(_java.wrap(int(number), 64), bits)
    if isinstance(value, float):
        parsed = float(_big_decimal(replacement))
        return to_float32(parsed) if kind is Type.FLOAT32 else parsed
    raise DataError(f"Cannot mask value of type class {class_name(value)} with custom replacement.")


class MaskField(RecordSide, Transformation["ConnectRecord"]):
    """Mask the configured fields (Kafka ``MaskField``); use MaskField.Key or MaskField.Value."""

    config_model: ClassVar[type[BaseModel]] = MaskFieldConfig
    Key: ClassVar[type[MaskField]]
    Value: ClassVar[type[MaskField]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the masked field set and the optional replacement."""
        self.config = parse_config(MaskFieldConfig, configs)
        self._fields = frozenset(self.config.fields)
        self._replacement = self.config.replacement
        self._replace_null = self.config.replace_null_with_default
        self._copiers = SchemaCache()

    def _mask(self, value: Any, schema: Schema | None) -> Any:
        if value is None:
            return None
        if self._replacement is None:
            return _null_mask(value)
        return _custom_mask(value, self._replacement, schema)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Mask fields; like Kafka, a null key/value is an error (requireMap/requireStruct)."""
        value = self._operating_value(record)
        schema = self._operating_schema(record)
        if schema is None:
            original = require_map(value, PURPOSE)
            updated = dict(original)
            for name in self._fields:
                updated[name] = self._mask(original.get(name), None)
            return self._new_record(record, None, updated)
        struct = value if value.__class__ is Struct else require_struct(value, PURPOSE)
        schema = struct.schema
        copy = self._copiers.get_or_build(schema, self._copier)
        return self._new_record(record, schema, copy(struct, self._replace_null, self._mask))

    def _values_plan(self, schema: Schema) -> tuple[Schema, ValuesStep]:
        """(the same schema, values step) for a fused chain (``TransformationChain``); a string masks as the
        replacement (or "") whatever the field's schema, without the call."""
        fast = (str, "" if self._replacement is None else self._replacement)
        return schema, ValuesStep(schema, schema, lambda name: name, replace_null=self._replace_null,
                                  rewrite=self._fields, rewrite_value=self._mask, rewrite_fast=fast)

    def _copier(self, schema: Schema) -> StructCopier:
        return struct_copier(schema, schema, lambda name: name, self._fields)


class _Key(KeySide, MaskField):
    """``MaskField$Key``: masks the record key."""


class _Value(ValueSide, MaskField):
    """``MaskField$Value``: masks the record value."""


attach_variants(MaskField, _Key, _Value)

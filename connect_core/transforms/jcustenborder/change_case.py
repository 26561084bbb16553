"""ChangeCase: rename struct fields from one case format to another (jcustenborder's ``ChangeCase``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import attach_variants
from connect_core.transforms.jcustenborder._base import BaseTransformation, convert_case, valid_case_format

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema

__all__ = ["ChangeCase", "ChangeCaseConfig"]


class ChangeCaseConfig(BaseModel):
    """Config of ChangeCase (``ChangeCaseConfig.config()``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    from_: str = config_field(..., alias="from", importance="HIGH", validator=valid_case_format,
                              description="The format to move from ")
    to: str = config_field(..., alias="to", importance="HIGH", validator=valid_case_format, description="")


class ChangeCase(RecordSide, BaseTransformation, Transformation["ConnectRecord"]):
    """``ChangeCase``: struct field names from ``from`` case to ``to`` case; use ChangeCase.Key or .Value."""

    config_model: ClassVar[type[BaseModel]] = ChangeCaseConfig
    Key: ClassVar[type[ChangeCase]]
    Value: ClassVar[type[ChangeCase]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the two case formats."""
        self.config = parse_config(ChangeCaseConfig, configs)
        self._states: dict[Schema, tuple[Schema, dict[str, str]]] = {}

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Rename the fields of the operating side."""
        schema, value = self.process(self._operating_schema(record), self._operating_value(record))
        return self._new_record(record, schema, value, record.headers.duplicate())

    def process_struct(self, schema: Schema, value: Struct) -> tuple[Schema | None, Any]:
        """The struct under the renamed schema (name and optionality kept)."""
        state = self._states.get(schema)
        if state is None:
            builder = SchemaBuilder.struct()
            if schema.name:
                builder.name(schema.name)
            if schema.optional:
                builder.optional()
            mapping: dict[str, str] = {}
            for field in schema.fields:
                mapping[field.name] = convert_case(self.config.from_, self.config.to, field.name)
                builder.field(mapping[field.name], field.schema)
            state = self._states[schema] = (builder.build(), mapping)
        out = Struct(state[0])
        for old, new in state[1].items():
            out.put(new, value.get(old))
        return state[0], out


class _Key(KeySide, ChangeCase):
    """``ChangeCase$Key``."""


class _Value(ValueSide, ChangeCase):
    """``ChangeCase$Value``."""


attach_variants(ChangeCase, _Key, _Value)

"""PatternRename: rename struct fields or map keys matching a regex (jcustenborder's ``PatternRename``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import attach_variants
from connect_core.transforms.jcustenborder._base import BaseTransformation
from connect_core.transforms.regex_router import java_replacement, python_regex

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema

__all__ = ["FLAGS", "PatternRename", "PatternRenameConfig"]

#: java.util.regex flags by name -> Python's (0: no Python counterpart, or the default already).
FLAGS = {"UNICODE_CHARACTER_CLASS": 0, "CANON_EQ": 0, "UNICODE_CASE": 0, "DOTALL": re.DOTALL, "LITERAL": 0,
         "MULTILINE": re.MULTILINE, "COMMENTS": re.VERBOSE, "CASE_INSENSITIVE": re.IGNORECASE, "UNIX_LINES": 0}


def _flags(key: str, value: Any) -> None:
    for flag in value or []:
        if flag not in FLAGS:
            raise config_error(key, flag, f"String must be one of: {', '.join(FLAGS)}")


class PatternRenameConfig(BaseModel):
    """Config of PatternRename (``PatternRenameConfig.config()``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    field_pattern: str = config_field(..., alias="field.pattern", importance="HIGH", description="")
    field_pattern_flags: list[str] = config_field(["CASE_INSENSITIVE"], alias="field.pattern.flags", type="LIST",
                                                  importance="LOW", validator=_flags, description="")
    field_replacement: str = config_field(..., alias="field.replacement", importance="HIGH", description="")


class PatternRename(RecordSide, BaseTransformation, Transformation["ConnectRecord"]):
    """``PatternRename``: use PatternRename.Key or PatternRename.Value."""

    config_model: ClassVar[type[BaseModel]] = PatternRenameConfig
    Key: ClassVar[type[PatternRename]]
    Value: ClassVar[type[PatternRename]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Compile the pattern with its flags (``re.ASCII`` unless UNICODE_CHARACTER_CLASS, as java.util.regex)."""
        cfg = self.config = parse_config(PatternRenameConfig, configs)
        flags = 0 if "UNICODE_CHARACTER_CLASS" in cfg.field_pattern_flags else re.ASCII
        for name in cfg.field_pattern_flags:
            flags |= FLAGS[name]
        pattern = re.escape(cfg.field_pattern) if "LITERAL" in cfg.field_pattern_flags else python_regex(
            cfg.field_pattern)
        try:
            self._pattern = re.compile(pattern, flags)
        except re.error as error:
            raise config_error("field.pattern", cfg.field_pattern, str(error)) from error
        self._template = java_replacement(cfg.field_replacement)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Rename the operating side's fields."""
        schema, value = self.process(self._operating_schema(record), self._operating_value(record))
        return self._new_record(record, schema, value, record.headers.duplicate())

    def _renamed(self, name: str) -> str:
        """``matcher.find() ? matcher.replaceAll(replacement) : name``."""
        if self._pattern.search(name) is None:
            return name
        return self._pattern.sub(lambda m: m.expand(self._template), name)

    def process_struct(self, schema: Schema, value: Struct) -> tuple[Schema | None, Any]:
        """The struct under renamed fields (name, doc, default, parameters and optionality kept)."""
        builder = SchemaBuilder.struct()
        if schema.name is not None:
            builder.name(schema.name)
        if schema.doc is not None:
            builder.doc(schema.doc)
        if schema.default_value is not None:
            builder.default_value(schema.default_value)
        if schema.parameters:
            builder.parameters(schema.parameters)
        if schema.optional:
            builder.optional()
        mapping: dict[str, str] = {}
        for field in schema.fields:
            mapping[field.name] = self._renamed(field.name)
            builder.field(mapping[field.name], field.schema)
        out_schema = builder.build()
        out = Struct(out_schema)
        for old, new in mapping.items():
            out.put(new, value.get(old))
        return out_schema, out

    def process_schemaless_map(self, value: dict[str, Any]) -> tuple[Schema | None, Any]:
        """The map with renamed keys."""
        return None, {self._renamed(name): item for name, item in value.items()}


class _Key(KeySide, PatternRename):
    """``PatternRename$Key``."""


class _Value(ValueSide, PatternRename):
    """``PatternRename$Value``."""


attach_variants(PatternRename, _Key, _Value)

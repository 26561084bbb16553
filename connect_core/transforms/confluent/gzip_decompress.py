"""GzipDecompress: a gzip-compressed BYTES key or value decompressed, as ``java.util.zip.GZIPInputStream`` reads it
(concatenated members too) (Confluent's ``io.confluent.connect.transforms.GzipDecompress$Key``/``$Value``)."""

from __future__ import annotations

import gzip
import zlib
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.errors import DataError
from connect_core.api.schema import Type
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import attach_variants

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["GzipDecompress", "GzipDecompressConfig"]


class GzipDecompressConfig(BaseModel):
    """GzipDecompress has no properties."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)


class GzipDecompress(RecordSide, Transformation["ConnectRecord"]):
    """Confluent's GzipDecompress: use GzipDecompress.Key or GzipDecompress.Value."""

    config_model: ClassVar[type[BaseModel]] = GzipDecompressConfig
    Key: ClassVar[type[GzipDecompress]]
    Value: ClassVar[type[GzipDecompress]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Nothing to configure."""

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record with its side decompressed; a null side passes unchanged, its schema kept."""
        value, schema = self._operating_value(record), self._operating_schema(record)
        if value is None:
            return record
        if schema is not None and schema.type is not Type.BYTES:
            raise DataError(f"GzipDecompress works only with BYTES input, but the schema is {schema.type.name}")
        if not isinstance(value, bytes | bytearray | memoryview):
            raise DataError(f"GzipDecompress works only with byte-array input, but got {type(value).__name__}")
        try:
            plain = gzip.decompress(bytes(value))
        except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError
            raise DataError(f"Failed to gzip-decompress the {self._side_name} of the record: {error}") from error
        return self._new_record(record, schema, plain)

    _side_name: ClassVar[str] = "value"


class _Key(KeySide, GzipDecompress):
    """``GzipDecompress$Key``."""

    _side_name: ClassVar[str] = "key"


class _Value(ValueSide, GzipDecompress):
    """``GzipDecompress$Value``."""


attach_variants(GzipDecompress, _Key, _Value)

"""ChangeTopicCase: rewrite the topic name from one case format to another (jcustenborder's ``ChangeTopicCase``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.transformation import Transformation
from connect_core.transforms.jcustenborder._base import convert_case, valid_case_format

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["CASE_FORMATS_DOC", "ChangeTopicCase", "ChangeTopicCaseConfig"]

CASE_FORMATS_DOC = (
    '`LOWER_CAMEL` = Java variable naming convention, e.g., "lowerCamel". `LOWER_HYPHEN` = Hyphenated variable naming '
    'convention, e.g., "lower-hyphen". `LOWER_UNDERSCORE` = C++ variable naming convention, e.g., '
    '"lower_underscore". `UPPER_CAMEL` = Java and C++ class naming convention, e.g., "UpperCamel". '
    '`UPPER_UNDERSCORE` = Java and C++ constant naming convention, e.g., "UPPER_UNDERSCORE".'
)


class ChangeTopicCaseConfig(BaseModel):
    """Config of ChangeTopicCase (``ChangeTopicCaseConfig.config()``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    from_: str = config_field(..., alias="from", importance="HIGH", validator=valid_case_format,
                              description="The format of the incoming topic name. " + CASE_FORMATS_DOC)
    to: str = config_field(..., alias="to", importance="HIGH", validator=valid_case_format,
                           description="The format of the outgoing topic name. " + CASE_FORMATS_DOC)


class ChangeTopicCase(Transformation["ConnectRecord"]):
    """``com.github.jcustenborder.kafka.connect.transform.common.ChangeTopicCase``."""

    config_model: ClassVar[type[BaseModel]] = ChangeTopicCaseConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the two case formats."""
        self.config = parse_config(ChangeTopicCaseConfig, configs)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record on the topic renamed to the target case."""
        topic = convert_case(self.config.from_, self.config.to, record.topic)
        return record.new_record(topic, record.kafka_partition, record.key_schema, record.key, record.value_schema,
                                 record.value, record.timestamp)

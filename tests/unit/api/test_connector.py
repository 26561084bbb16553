"""The Connector SPI's defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from connect_core.api.config import config_field
from connect_core.api.connector import SinkConnector

if TYPE_CHECKING:
    from connect_core.api.task import Task


class _Bare(SinkConnector):
    def start(self, props: dict[str, str]) -> None:
        pass

    def stop(self) -> None:
        pass

    def task_class(self) -> type[Task]:
        raise NotImplementedError

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return []


class _Config(BaseModel):
    file: str = config_field(alias="file", description="where")


class _Modelled(_Bare):
    config_model = _Config


def test_a_connector_without_a_config_model_validates_as_an_empty_config_def() -> None:
    # It was an AttributeError (a 500 at POST /connectors for a plugin that declared no model).
    assert _Bare().validate({"anything": "x"}) == []


def test_a_connector_validates_against_its_config_model() -> None:
    results = _Modelled().validate({})
    assert [(r["name"], bool(r["errors"])) for r in results] == [("file", True)]

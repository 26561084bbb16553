"""A connector file given to ``lambda-connect standalone``, read as Kafka's ``ConnectStandalone`` reads it.

By content, not name (Kafka 3.8+): a JSON object of string values (the config itself), else JSON
``{"name": ..., "config": {...}}`` (a ``CreateConnectorRequest``), else a Java properties file. Each needs a name.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from connect_core.local.basic_auth import read_java_properties

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["read_connector_file"]

NAME = "name"


def _scalar_strings(document: dict[str, object]) -> dict[str, str] | None:
    """A flat JSON map as Jackson reads it into Map<String, String> (scalars coerced); None if it is not one."""
    out: dict[str, str] = {}
    for key, value in document.items():
        if isinstance(value, (dict, list)):
            return None
        out[key] = "" if value is None else json.dumps(value) if isinstance(value, bool) else str(value)
    return out


def _missing_name(path: Path) -> ValueError:
    return ValueError(f"Connector configuration at '{path}' is missing the mandatory '{NAME}' configuration")


def read_connector_file(path: Path) -> tuple[str, dict[str, str]]:
    """The connector's name and config; ValueError with Kafka's message when the name is missing or contradicted."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        document = None
    if isinstance(document, dict):
        flat = _scalar_strings(document)
        if flat is not None:
            if NAME not in flat:
                raise _missing_name(path)
            return flat[NAME], flat
        config, name = document.get("config"), document.get(NAME)
        if isinstance(config, dict) and isinstance(name, str) and (strings := _scalar_strings(config)) is not None:
            if document.get("initial_state") is not None:
                raise ValueError(f"{path}: initial_state is not supported by lambda-connect standalone")
            if strings.setdefault(NAME, name) != name:
                raise ValueError(f"Connector name configuration in 'config' doesn't match the one specified in "
                                 f"'name' at '{path}'")
            return name, strings
    config = read_java_properties(path)
    if NAME not in config:
        raise _missing_name(path)
    return config[NAME], config

"""``MySqlConnector`` and ``MariaDbConnector``: Debezium's binlog connectors, one task each.

The connector only validates: Debezium keys whose values lambda-connect cannot honour are refused
(``config.unsupported_keys``), keys nobody defines are logged as unused (``config.unused_keys``), and, as Debezium, a
binlog is read by exactly one task.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.config import parse_config, validate_config
from connect_core.api.connector import ExactlyOnceSupport, SourceConnector
from connect_core.api.errors import ConfigError
from connect_core.api.kafka_client_keys import DEBEZIUM_PREFIXES
from connect_core.connectors._debezium.snapshot import with_epoch
from connect_core.connectors.binlog.config import BinlogSourceConfig, no_effect_keys, unsupported_keys, unused_keys

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["MariaDbConnector", "MySqlConnector"]

log = logging.getLogger(__name__)


class MySqlConnector(SourceConnector):
    """Debezium's ``io.debezium.connector.mysql.MySqlConnector``: source blocks say ``connector: mysql``."""

    config_model: ClassVar[type[BaseModel]] = BinlogSourceConfig
    kafka_client_prefixes: ClassVar[tuple[str, ...]] = DEBEZIUM_PREFIXES  # gated: api/kafka_client_keys.py
    flavour: ClassVar[str] = "mysql"

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}
        self._mode = ""

    def start(self, props: dict[str, str]) -> None:
        """Validate the config; nothing is read from the database here."""
        self._mode = parse_config(BinlogSourceConfig, props).mode
        refused = unsupported_keys(props)
        if refused:
            raise ConfigError(next(iter(refused.values())))
        for key in unused_keys(props):
            log.warning("The configuration '%s' was supplied but isn't a known config.", key)
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        """``BinlogSourceTask``."""
        from connect_core.connectors.binlog.source_task import BinlogSourceTask

        return BinlogSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """One task: a binlog has one reading position (``always``: a new snapshot epoch at each start)."""
        from connect_core.connectors.binlog.source_task import FLAVOUR_CONFIG

        return with_epoch([{**self._props, FLAVOUR_CONFIG: self.flavour}], self._mode)

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's checks, one error per Debezium key whose value this connector cannot honour, and a warning per
        Debezium tuning key (keys nobody defines are not listed, as in Kafka's answer)."""
        values = validate_config(BinlogSourceConfig, props)
        for key, message in unsupported_keys(props).items():
            values.append({"name": key, "value": props[key], "recommended_values": [], "errors": [message],
                           "visible": True})
        for key, warning in no_effect_keys(props).items():
            values.append({"name": key, "value": props[key], "recommended_values": [], "errors": [],
                           "visible": True, "warnings": [warning]})
        return values

    def exactly_once_support(self, connector_config: dict[str, str] | None = None) -> ExactlyOnceSupport | None:
        """Records and offsets are committed in one transaction."""
        return ExactlyOnceSupport.SUPPORTED

    def stop(self) -> None:
        """Nothing stays open."""

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Offsets are framework-managed (Debezium does not override it either)."""
        return False


class MariaDbConnector(MySqlConnector):
    """Debezium's ``io.debezium.connector.mariadb.MariaDbConnector``: source blocks say ``connector: mariadb``."""

    flavour: ClassVar[str] = "mariadb"

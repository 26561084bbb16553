"""``PostgresConnector``: Debezium's ``io.debezium.connector.postgresql.PostgresConnector``, one task.

The connector only validates; as Debezium's ``ConfigDef``, it ignores keys it does not define (logged at validate)
and refuses values its keys do not accept. A replication slot is read by exactly one task. ``decommission`` drops
the slot when the connector is stopped and ``slot.drop.on.stop`` is true, and the slot and the publication when it
is deleted unless ``lambda.slot.drop.on.delete`` is false.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar, Final

from connect_core.api.config import parse_config, validate_config
from connect_core.api.connector import ExactlyOnceSupport, SourceConnector
from connect_core.api.file_roots import file_roots_of
from connect_core.api.kafka_client_keys import DEBEZIUM_PREFIXES
from connect_core.connectors._debezium.snapshot import with_epoch
from connect_core.connectors.postgres.config import SSL_FILE_KEYS, PostgresSourceConfig, undefined_keys

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["DELETED_CONFIG", "PostgresConnector"]

log = logging.getLogger(__name__)

# "true" in the props of ``decommission`` when the connector was deleted (coordinator/herder/decommission.py sets it)
DELETED_CONFIG: Final = "lambda.connector.deleted"


class PostgresConnector(SourceConnector):
    """Debezium's PostgreSQL connector (``plugin.name=pgoutput``): source blocks say ``connector: postgresql``."""

    config_model: ClassVar[type[BaseModel]] = PostgresSourceConfig
    kafka_client_prefixes: ClassVar[tuple[str, ...]] = DEBEZIUM_PREFIXES  # gated: api/kafka_client_keys.py

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}
        self._mode = ""

    def start(self, props: dict[str, str]) -> None:
        """Validate the config; nothing is read from the database here."""
        self._mode = parse_config(PostgresSourceConfig, props).mode
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        """``PostgresSourceTask``."""
        from connect_core.connectors.postgres.source_task import PostgresSourceTask

        return PostgresSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """One task: a replication slot has one reader (``always``: a new snapshot epoch at each start)."""
        return with_epoch([dict(self._props)], self._mode)

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's checks; keys it does not define are logged and ignored, as Debezium ignores them."""
        ignored = undefined_keys(props)
        if ignored:
            log.info("PostgresConnector ignores keys it does not define: %s", ", ".join(ignored))
        values = validate_config(PostgresSourceConfig, props)
        for key in SSL_FILE_KEYS:  # PEM files: only under the worker's file roots (libpq opens the checked path)
            path = props.get(key)
            if path and not (key == "database.sslrootcert" and path == "system"):
                values = file_roots_of(self).check_value(values, key, path)
        return values

    def exactly_once_support(self, connector_config: dict[str, str] | None = None) -> ExactlyOnceSupport | None:
        """Records and offsets are committed in one transaction."""
        return ExactlyOnceSupport.SUPPORTED

    def stop(self) -> None:
        """Nothing stays open."""

    def decommission(self, props: dict[str, str]) -> bool | None:
        """Stopped: drop the slot with ``slot.drop.on.stop=true`` (the publication stays, as Debezium leaves it).
        Deleted: drop the slot and the publication, unless ``lambda.slot.drop.on.delete=false`` (then as stopped).
        True when a delete dropped the slot: the stored LSN can never be resumed, so its offsets go too.

        A slot still held by a streaming invocation is tried for ``DROP_ATTEMPTS`` seconds, then left with a warning
        (``Slot.drop``)."""
        config = parse_config(PostgresSourceConfig, props)
        deleted = props.get(DELETED_CONFIG) == "true" and config.slot_drop_on_delete
        if not (deleted or config.slot_drop_on_stop):
            return False
        from connect_core.connectors.postgres._slot import Slot, connect

        config = config.with_tls_files(file_roots_of(self).resolve)
        ctl = connect(config)
        try:
            slot = Slot(config, ctl)
            dropped = slot.drop()
            if deleted:
                slot.drop_publication()
        finally:
            ctl.close()
        return deleted and (dropped or not slot.exists())

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Offsets are framework-managed (Debezium does not override it either)."""
        return False

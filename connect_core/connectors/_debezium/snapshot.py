"""What both Debezium sources' snapshots share: the ``source.snapshot`` marker of a row, ending a transaction, and
``snapshot.mode=always``'s epochs.

Debezium's ``always`` snapshots when its task starts: when the connector is created, reconfigured or restarted. A
function's task starts cold at any invocation, so a start alone cannot say it. The connector, which the coordinator
starts exactly then, gives its task configs a new ``EPOCH_CONFIG`` at every start (a new task-config generation,
which restarts the task as in Kafka); the task stores the epoch in its offsets (``EPOCH_OFFSET_KEY``, a key of ours
that Debezium ignores) and snapshots only when the stored epoch is another.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from connect_core.api.record import SourceRecord

__all__ = ["EPOCH_CONFIG", "EPOCH_OFFSET_KEY", "SnapshotEpoch", "end_snapshot_transaction", "snapshot_flag",
           "with_epoch"]

EPOCH_CONFIG: Final = "lambda.snapshot.epoch"
EPOCH_OFFSET_KEY: Final = "snapshot_epoch"


def with_epoch(task_configs: list[dict[str, str]], mode: str) -> list[dict[str, str]]:
    """``task_configs`` with a new epoch in each when ``mode`` is ``always`` (called at every connector start)."""
    if mode.lower() != "always":
        return task_configs
    epoch = uuid.uuid4().hex
    return [{**config, EPOCH_CONFIG: epoch} for config in task_configs]


class SnapshotEpoch:
    """The task's side of ``always``: whether this start is a new epoch, and the epoch stamped into its offsets."""

    __slots__ = ("epoch", "unstored")

    def __init__(self, props: dict[str, str], mode: str) -> None:
        """The epoch of ``props`` (None unless ``mode`` is ``always`` and the connector gave one)."""
        self.epoch = props.get(EPOCH_CONFIG) if mode.lower() == "always" else None
        self.unstored = False  # a new epoch's snapshot began and no committed offset carries it yet

    def is_new(self, stored: dict[str, Any] | None) -> bool:
        """Whether ``always`` must snapshot now: the stored offset is of another epoch (a task config without an
        epoch, from a connector started elsewhere, snapshots at every start)."""

        return self.epoch is None or (stored or {}).get(EPOCH_OFFSET_KEY) != self.epoch

    def stamp(self, records: list[SourceRecord], partition: dict[str, Any]) -> None:
        """Put the epoch into the offset of every record of ``partition`` (offsets are the records' own dicts)."""
        epoch = self.epoch
        if epoch is None:
            return
        for record in records:
            offset = record.source_offset
            if offset is not None and record.source_partition == partition:
                offset[EPOCH_OFFSET_KEY] = epoch
                self.unstored = False


def end_snapshot_transaction(conn: Any) -> None:
    """Roll back and close ``conn`` (a DB-API connection, or None); a failure is ignored: the connection is being
    dropped anyway and the snapshot resumes from the stored offset."""
    if conn is None:
        return
    try:
        conn.rollback()
        conn.close()
    except Exception:
        pass


def snapshot_flag(*, first: bool, first_in_table: bool, last_in_table: bool, last_table: bool) -> str:
    """Debezium's ``source.snapshot`` value of one snapshot row (its ``SnapshotRecord``): ``first`` for the
    snapshot's first row, ``first_in_data_collection`` / ``last_in_data_collection`` at a table's edges, ``last``
    for the last table's last row (which wins over ``first``), else ``true``."""
    if last_in_table:
        return "last" if last_table else "last_in_data_collection"
    if first:
        return "first"
    return "first_in_data_collection" if first_in_table else "true"

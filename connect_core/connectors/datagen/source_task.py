"""``DatagenTask``: records of random data for the configured schema, as kafka-connect-datagen makes them.

Source partition ``{"task.id": n}``; offset ``{"task.generation", "current.iteration", "random.seed"}``: the
generator is re-seeded after every record and the seed stored, so a restarted task continues the same random
stream. Headers ``task.generation``, ``task.id`` and ``current.iteration`` as the JVM task's. A JVM task sleeps up
to ``max.interval`` ms per record; a function must not, so each poll returns the records whose send time has come:
the same rate, at ``poll.interval.ms`` ticks. Once ``iterations`` is reached the task stays RUNNING and idle.
"""

from __future__ import annotations

import logging
import random
import time
from typing import TYPE_CHECKING, Any

from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError
from connect_core.api.file_roots import file_roots_of
from connect_core.api.header import Headers
from connect_core.api.record import SourceRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.task import SourceTask
from connect_core.connectors.datagen._generator import Generator
from connect_core.connectors.datagen._schema import load
from connect_core.connectors.datagen.config import DatagenConfig, schema_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.connectors.datagen._schema import DatagenSchema

__all__ = ["TASK_ID", "DatagenTask"]

log = logging.getLogger(__name__)

TASK_ID = "task.id"
TASK_GENERATION = "task.generation"
CURRENT_ITERATION = "current.iteration"
RANDOM_SEED = "random.seed"
MAX_RECORDS_PER_POLL = 1000
_KEY_SCHEMA = SchemaBuilder.string().optional().build()  # DEFAULT_KEY_SCHEMA: Schema.OPTIONAL_STRING_SCHEMA
_INT64 = SchemaBuilder.int64().build()


def _signed(bits: int) -> int:
    """64 random bits as a Java long (what the offset stores)."""
    return bits - (1 << 64) if bits >= 1 << 63 else bits


class DatagenTask(SourceTask):
    """Generates records (kafka-connect-datagen ``DatagenTask``)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Create a stopped task; ``clock`` gives seconds (tests pass their own)."""
        self._clock = clock
        self._pace = random.Random()  # Math.random() for the intervals: not part of the seeded stream
        self._config: DatagenConfig | None = None
        self._schema: DatagenSchema | None = None
        self._generator: Generator | None = None
        self._count = 0
        self._generation = 0
        self._next_due = 0.0
        self._done_logged = False

    def start(self, props: dict[str, str]) -> None:
        """Load the schema and restore the task's state from its committed offset."""
        config = self._config = parse_config(DatagenConfig, props)
        self._task_id = int(props.get(TASK_ID, "0"))
        self._partition: dict[str, Any] = {TASK_ID: self._task_id}
        self._schema = load(schema_text(config, file_roots_of(self)), config.key_field)
        rng = random.Random()
        if config.random_seed is not None:
            rng.seed(config.random_seed)
            for _ in range(self._task_id):  # each task advances the seed: tasks make different data
                rng.seed(_signed(rng.getrandbits(64)))
        offset = self.context.offset_storage_reader.offset(self._partition) if hasattr(self, "context") else None
        if offset:
            self._generation = int(offset[TASK_GENERATION])
            self._count = int(offset[CURRENT_ITERATION])
            rng.seed(int(offset[RANDOM_SEED]))
        self._generator = Generator(self._schema.parsed, rng, self._count)
        self._next_due = self._clock()

    def poll(self) -> list[SourceRecord] | None:
        """The records due now (all of them, at most ``MAX_RECORDS_PER_POLL``, with ``max.interval=0``)."""
        config = self._require()
        records: list[SourceRecord] = []
        now = self._clock()
        while len(records) < MAX_RECORDS_PER_POLL and (config.max_interval <= 0 or self._next_due <= now):
            if 0 < config.iterations <= self._count:
                if not self._done_logged:
                    log.info("Datagen task %d generated the configured %d messages", self._task_id, self._count)
                    self._done_logged = True
                break
            records.append(self._record(config))
            self._next_due += self._pace.random() * config.max_interval / 1000
        return records or None

    def _record(self, config: DatagenConfig) -> SourceRecord:
        assert self._schema is not None and self._generator is not None
        schema = self._schema
        datum = self._generator.generate()
        value = schema.data.to_connect_data(schema.connect, schema.parsed, datum)
        key_schema, key = _KEY_SCHEMA, None
        if config.key_field:
            field = schema.connect.field(config.key_field)
            if field is not None:
                key_schema, key = field.schema, value.get(field.name)
        rng = self._generator.rng
        seed = _signed(rng.getrandbits(64))
        rng.seed(seed)
        offset = {TASK_GENERATION: self._generation + 1, CURRENT_ITERATION: self._count + 1, RANDOM_SEED: seed}
        headers = Headers().add(TASK_GENERATION, self._generation, _INT64).add(TASK_ID, self._task_id, _INT64)
        headers.add(CURRENT_ITERATION, self._count, _INT64)
        self._count += 1
        return SourceRecord(self._partition, offset, config.kafka_topic, None, key_schema, key, schema.connect,
                            value, None, headers)

    def _require(self) -> DatagenConfig:
        if self._config is None:
            raise ConnectError("DatagenTask used before start()")
        return self._config

    def stop(self) -> None:
        """Nothing to release."""

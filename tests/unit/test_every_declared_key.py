"""Every key a built-in plugin declares is read, refused by validate, or listed here as deliberately ignored.

The walk covers every connector, converter, transformation and predicate in the plugin registry that has a
``config_model``, plus the framework keys (``ConnectorConfig``, ``errors.*``, the ``lambda.*`` triggers, the restart
policy). A key counts as read when its field is used (``.<field>``) or its name is looked up as a string somewhere in
its plugin's package (the framework's: anywhere in ``connect_core`` and ``functions``) besides its declaration. This
is how unread keys were found (``query.retry.attempts``, ``table.poll.interval.ms``, a custom
``jdbc.credentials.provider.class``): a new key that nothing reads fails here until it is implemented, refused
(``REFUSED``: validate must reject the value given) or declared ``no_effect`` and listed in ``IGNORED`` (validate
must then warn, naming the key and why, when a config sets it; no key is ignored silently). What each read key does
is proven by the tests of its plugin.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import TYPE_CHECKING

from connect_core.api.config import validate_config
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.runtime import registry
from connect_core.runtime.connector_config import SinkConnectorConfig, SourceConnectorConfig
from connect_core.runtime.restart_policy import RestartPolicyConfig
from connect_core.runtime.trigger_config import KafkaTriggerConfig, SourceScheduleConfig

if TYPE_CHECKING:
    import pytest
    from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[2]
FRAMEWORK = (SourceConnectorConfig, SinkConnectorConfig, ErrorHandlingConfig, KafkaTriggerConfig,
             SourceScheduleConfig, RestartPolicyConfig)

# key -> (a value validate must refuse, a fragment of its error)
REFUSED: dict[tuple[str, str], tuple[str, str]] = {
    ("JdbcSourceConfig", "jdbc.credentials.provider.class"):
        ("com.example.VaultCredentialsProvider", "Only io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider"),
    # the archive's files are found by their names whatever the sink's partitioner; a partitioner the sink does not
    # have is refused, so a restore never silently reads a layout it cannot
    ("S3SourceConfig", "partitioner.class"): ("com.example.MyPartitioner", "Supported:"),
    ("PostgresSourceConfig", "plugin.name"): ("decoderbufs", "decodes the pgoutput plugin only"),
    # TLS is libpq's (database.sslmode and the PEM keys): a Java socket factory cannot be loaded
    ("PostgresSourceConfig", "database.sslfactory"): ("org.postgresql.ssl.NonValidatingFactory",
                                                      "a Java SSLSocketFactory class"),
    # signals come from the signal table and Kafka only, and its watermarks are always two inserts
    **{(model, "signal.enabled.channels"): ("source,jmx", "the jmx channel is not supported")
       for model in ("PostgresSourceConfig", "BinlogSourceConfig")},
    **{(model, "incremental.snapshot.watermarking.strategy"): ("insert_delete", "is not supported")
       for model in ("PostgresSourceConfig", "BinlogSourceConfig")},
    **{(model, "forwarding.admin.class"): ("com.example.Custom", "only org.apache.kafka.")
       for model in ("MirrorSourceConfig", "MirrorCheckpointConfig", "MirrorHeartbeatConfig")},
    **{(model, "topic.filter.class"): ("com.example.Custom", "only org.apache.kafka.")
       for model in ("MirrorSourceConfig", "MirrorCheckpointConfig")},
    ("MirrorSourceConfig", "config.property.filter.class"): ("com.example.Custom", "only org.apache.kafka."),
    ("MirrorCheckpointConfig", "group.filter.class"): ("com.example.Custom", "only org.apache.kafka."),
}

# key -> a value other than its default: validate must warn that the key has no effect here (``no_effect``)
IGNORED: dict[tuple[str, str], str] = {
    ("JdbcSourceConfig", "max.buffer.size"): "1000",
    ("JdbcSourceConfig", "poll.linger.ms"): "100",
    ("JdbcSourceConfig", "date.calendar.system"): "PROLEPTIC_GREGORIAN",
    ("ElasticsearchSinkConfig", "max.buffered.records"): "100",
    ("ElasticsearchSinkConfig", "linger.ms"): "1000",
    ("ElasticsearchSinkConfig", "flush.timeout.ms"): "60000",
    ("ElasticsearchSinkConfig", "max.connection.idle.time.ms"): "1000",
    ("BinlogSourceConfig", "schema.history.internal.kafka.bootstrap.servers"): "127.0.0.1:9092",
    ("BinlogSourceConfig", "schema.history.internal.kafka.topic"): "schema-changes.inventory",
    ("SchemaRegistryConverterConfig", "schema.registry.ssl.truststore.password"): "changeit",
    ("SchemaRegistryConverterConfig", "schema.registry.ssl.keystore.password"): "changeit",
    ("HttpSinkConfig", "https.ssl.enabled"): "true",
    # Confluent's S3 sink: multipart parts, the storage class and schema projection have no counterpart here
    ("S3SinkConfig", "s3.part.size"): "5242880",
    ("S3SinkConfig", "storage.class"): "com.example.OtherStorage",
    ("S3SinkConfig", "schema.compatibility"): "BACKWARD",
    # Debezium's outbox EventRouter: the event type column is declared, read nowhere (in Debezium too); tracing needs
    # OpenTelemetry, which Debezium skips without its jars as we do
    ("EventRouterConfig", "table.field.event.type"): "kind_column",
    ("EventRouterConfig", "tracing.span.context.field"): "ctx_column",
    ("EventRouterConfig", "tracing.operation.name"): "my-operation",
    ("EventRouterConfig", "tracing.with.context.field.only"): "true",
    # Apache Iceberg's sink: the JVM's control topic, coordinator and Hadoop keys (files staged on the table's
    # storage and committed by the invocations replace the control topic)
    ("IcebergSinkConfig", "iceberg.control.topic"): "my-control",
    ("IcebergSinkConfig", "iceberg.control.group-id-prefix"): "cg-mine-",
    ("IcebergSinkConfig", "iceberg.control.commit.threads"): "4",
    ("IcebergSinkConfig", "iceberg.coordinator.transactional.prefix"): "txn-mine-",
    ("IcebergSinkConfig", "iceberg.hadoop-conf-dir"): "/etc/hadoop/conf",
    ("IcebergSinkConfig", "iceberg.coordinator-executor-keep-alive-timeout-ms"): "60000",
    ("IcebergSinkConfig", "iceberg.control.commit.max-consecutive-failures"): "3",
    # Debezium's JDBC sink: its Java connection pool, naming-strategy classes and other databases' dialects
    ("DebeziumJdbcSinkConfig", "connection.provider"): "com.example.MyProvider",
    ("DebeziumJdbcSinkConfig", "connection.pool.min_size"): "2",
    ("DebeziumJdbcSinkConfig", "connection.pool.max_size"): "8",
    ("DebeziumJdbcSinkConfig", "connection.pool.timeout"): "900",
    ("DebeziumJdbcSinkConfig", "collection.naming.strategy"): "com.example.MyNaming",
    ("DebeziumJdbcSinkConfig", "column.naming.strategy"): "com.example.MyColumns",
    ("DebeziumJdbcSinkConfig", "collection.table.format"): "${table}_copy",
    ("DebeziumJdbcSinkConfig", "dialect.postgres.postgis.schema"): "extensions",
    ("DebeziumJdbcSinkConfig", "dialect.postgres.unnest.insert.enabled"): "true",
    ("DebeziumJdbcSinkConfig", "dialect.sqlserver.identity.insert"): "true",
    ("DebeziumJdbcSinkConfig", "dialect.starrocks.catalog.name"): "default_catalog",
    ("DebeziumJdbcSinkConfig", "use.reduction.buffer"): "true",
    ("DebeziumJdbcSinkConfig", "keyed.message.batch.mode"): "passthrough",
    ("DebeziumJdbcSinkConfig", "connection.restart.on.errors"): "true",
}

# key -> where it is read, when that is outside the plugin's package
READ_BY_THE_FRAMEWORK: dict[tuple[str, str], str] = {
    ("FileStreamSinkConfig", "topics"): "the sink runner and the deployer read every sink's topics",
    ("JdbcSourceConfig", "poll.interval.ms"): "runtime/trigger_config.py: the schedule of the task's function",
}


def _models() -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = list(FRAMEWORK)
    for desc in registry.plugins(None):
        model = getattr(registry.load(desc.class_name), "config_model", None)
        if model is not None and model not in models:
            models.append(model)
    return models


def _home(model: type[BaseModel]) -> list[Path]:
    """The packages whose code may read the model's keys: its own, and those of the bases that declare keys
    (``_debezium``'s shared incremental snapshot and signal keys are read there)."""
    if model in FRAMEWORK:
        return [REPO / "connect_core", REPO / "functions"]
    homes: list[Path] = []
    for cls in model.__mro__:
        if not getattr(cls, "model_fields", None) or not cls.__module__.startswith("connect_core."):
            continue
        parts = Path(inspect.getfile(cls)).resolve().relative_to(REPO).parts
        home = REPO.joinpath(*parts[:3] if parts[1] == "connectors" else parts[:2])
        if home not in homes:
            homes.append(home)
    return homes


_SOURCES: dict[Path, list[str]] = {}


def _sources(home: list[Path]) -> list[str]:
    texts = []
    for root in home:
        if root not in _SOURCES:
            _SOURCES[root] = [p.read_text() for p in sorted(root.rglob("*.py"))]
        texts += _SOURCES[root]
    return texts


def _is_read(field: str, key: str, texts: list[str]) -> bool:
    attribute = re.compile(r"\." + re.escape(field) + r"\b")
    if any(attribute.search(text) for text in texts):
        return True
    return sum(text.count(f'"{key}"') for text in texts) > 1  # its declaration has one


def test_every_declared_key_is_read_refused_or_listed_as_ignored(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    monkeypatch.setenv("LAMBDA_CONNECT_FILE_ROOTS", str(tmp_path))  # the FileStream connectors are offered
    models = _models()
    assert {"JdbcSourceConfig", "JdbcSinkConfig", "JsonConverterConfig", "CastConfig", "TopicNameMatchesConfig",
            "FileStreamSinkConfig", "KafkaTriggerConfig"} <= {m.__name__ for m in models}
    unread: list[str] = []
    listed: set[tuple[str, str]] = set()
    stale: list[str] = []
    for model in models:
        texts = _sources(_home(model))
        for field, info in model.model_fields.items():
            key = info.alias or field
            entry = (model.__name__, key)
            if entry in REFUSED:
                listed.add(entry)
                value, message = REFUSED[entry]
                results = {v["name"]: v["errors"] for v in validate_config(model, {key: value})}
                assert any(message in e for e in results[key]), f"{entry}: validate accepts {value!r}"
            elif entry in IGNORED:
                listed.add(entry)
                results = {v["name"]: v for v in validate_config(model, {key: IGNORED[entry]})}
                warnings = results[key].get("warnings", [])
                assert any(key in w and "has no effect" in w for w in warnings), f"{entry}: validate does not warn"
                assert IGNORED[entry] not in " ".join(warnings), f"{entry}: the warning repeats the value"
                defaults = {v["name"]: v for v in validate_config(model, {})}
                assert "warnings" not in defaults[key], f"{entry}: warns when the key is not set"
            elif entry in READ_BY_THE_FRAMEWORK:
                listed.add(entry)
            elif not _is_read(field, key, texts):
                unread.append(f"{model.__name__}: {key}")
    assert unread == [], "declared keys nothing reads: implement them, refuse them at validate, or list them"
    stale = (set(REFUSED) | set(IGNORED) | set(READ_BY_THE_FRAMEWORK)) - listed
    assert stale == set(), "listed keys that no model declares any more"


def test_the_detector_finds_an_unread_key() -> None:
    """A key only declared is not read: the walk above cannot pass vacuously."""
    texts = ['    table_poll_interval_ms: int = _field(60000, "table.poll.interval.ms", "...")\n']
    assert not _is_read("table_poll_interval_ms", "table.poll.interval.ms", texts)
    assert _is_read("table_poll_interval_ms", "table.poll.interval.ms",
                    [*texts, "return config.table_poll_interval_ms\n"])


# key -> why no test of its own proves what it does yet (the walk below fails on a key neither tested nor listed)
NOT_YET_PROVEN: dict[tuple[str, str], str] = {
    ("HttpSinkConfig", "http.connect.timeout.ms"): "passed to urllib3's Timeout; no test of a slow connect yet",
    ("HttpSinkConfig", "http.request.timeout.ms"): "passed to urllib3's Timeout; no test of a slow answer yet",
    ("HttpSinkConfig", "oauth2.client.auth.mode"): "the OAuth2 tests use the default (header) mode only",
    ("HttpSinkConfig", "oauth2.client.scope"): "sent in the token request; no test checks the scope yet",
    ("HttpSinkConfig", "oauth2.token.property"): "the OAuth2 tests use the default property only",
    ("PostgresSourceConfig", "schema.exclude.list"): "read by postgres/_catalog.py; the tests filter by table only",
    ("PostgresSourceConfig", "column.include.list"): "read by postgres/_catalog.py; the tests exclude columns only",
}


def _named_by_a_test(field: str, key: str, tests: list[str]) -> bool:
    quoted = (f'"{key}"', f"'{key}'")
    attribute = re.compile(r"\b" + re.escape(field) + r"\b")
    return any(q in text for text in tests for q in quoted) or any(attribute.search(text) for text in tests)


def test_every_read_key_is_exercised_by_a_test_of_its_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Read is not enough: some test sets the key (by name or field) and so checks what it does, or it is listed."""
    monkeypatch.setenv("LAMBDA_CONNECT_FILE_ROOTS", str(tmp_path))
    here = Path(__file__).resolve()
    tests = [p.read_text() for p in sorted((REPO / "tests").rglob("*.py")) if p.resolve() != here]
    tests += [p.read_text() for p in sorted((REPO / "tests").rglob("*.json"))]
    unproven: list[str] = []
    listed: set[tuple[str, str]] = set()
    stale: list[str] = []
    for model in _models():
        for field, info in model.model_fields.items():
            key = info.alias or field
            entry = (model.__name__, key)
            if entry in IGNORED or entry in REFUSED:
                continue
            if not _named_by_a_test(field, key, tests):
                if entry in NOT_YET_PROVEN:
                    listed.add(entry)
                else:
                    unproven.append(f"{model.__name__}: {key}")
            elif entry in NOT_YET_PROVEN:
                stale.append(f"{model.__name__}: {key}")
    assert unproven == [], "\n".join(unproven) + "\nkeys no test sets: test each or list it in NOT_YET_PROVEN"
    assert stale == [], "\n".join(stale) + "\nNOT_YET_PROVEN lists keys a test now sets: take them off the list"
    assert set(NOT_YET_PROVEN) - listed == set(), "NOT_YET_PROVEN lists keys no model declares any more"

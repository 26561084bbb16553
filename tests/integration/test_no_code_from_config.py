"""No code from a connector's config, by construction: every key of every plugin set to a probe loads nothing.

For every plugin the registry knows (connectors, transformations, predicates, converters, header converters) and the
config providers the worker knows, every declared key, and a set of library property names under every prefix a key
of the plugin lives in (and under the Kafka client prefixes), is set to a probe: a module's name (``<probe>.Probe``,
a module this test writes, which marks a file when imported) or, on a key ending in ``.location``, ``.path``,
``.providers`` or ``.library.paths``, a shared object built here whose constructor marks a file. Each plugin's config
is validated, created with the probes its validate accepted on top of a pipeline that runs here (a FileStream source
or sink, Datagen), and run with records flowing, through the coordinator's REST API and the functions' invocations
on the local Kafka (``EmbeddedConnect``), under a Python audit hook and an import finder that fail the test on any
attempt to import the probe, on ``subprocess.Popen``, ``os.system``, ``os.exec*``, ``os.posix_spawn`` and
``ctypes.dlopen``. Nothing here lists plugins or keys: a new plugin or key is probed as it is added.
"""

from __future__ import annotations

import http.server
import importlib.abc
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.kafka_client_keys import (
    DEBEZIUM_PREFIXES,
    HTTP_REPORTER_PREFIXES,
    MIRROR_PREFIXES,
    OVERRIDE_PREFIXES,
)
from connect_core.runtime import registry
from connect_core.runtime.config_providers.resolver import DEFAULT_CLASSES, PROVIDER_CLASSES
from connect_core.testing.embedded import EmbeddedConnect
from tests.integration.connectors.postgres.conftest import PgDb

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

pytestmark = pytest.mark.integration

PROBE = f"lc_probe_{uuid.uuid4().hex[:12]}"
RUN = PROBE[-6:]  # in every connector and topic name: concurrent sessions share the broker
SHARED_OBJECT_SUFFIXES = (".location", ".path", ".providers", ".library.paths")
# Property names libraries read as code or commands (pyiceberg, librdkafka, Kafka's Java clients, JDBC drivers,
# botocore, HTTP clients): set under every prefix, so that a block handed to a library on as it is shows itself.
LIBRARY_CODE_NAMES = (
    "py-io-impl", "py-catalog-impl", "io-impl", "catalog-impl", "impl", "class", "factory", "sslfactory",
    "socketFactory", "interceptor.classes", "interceptors", "plugin.library.paths", "ssl.engine.location",
    "ssl.providers", "sasl.kerberos.kinit.cmd", "sasl.login.callback.handler.class", "credentials.provider.class",
    "retry-strategy-impl", "write.py-location-provider.impl", "config.providers", "metric.reporters",
)
_ROW = b'{"schema": {"type": "struct", "fields": [{"type": "int32", "field": "id"}]}, "payload": {"id": %d}}'
_AUDITED = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "ctypes.dlopen")
_MODULE = """
import pathlib
pathlib.Path({marker!r}).write_text("imported")


class Probe:
    def __init__(self, *args, **kwargs):
        pathlib.Path({marker!r}).write_text("instantiated")
"""
_SHARED_OBJECT = r"""
#include <stdio.h>
__attribute__((constructor)) static void mark(void) {
    FILE *f = fopen(MARKER, "w");
    if (f) { fputs("loaded\n", f); fclose(f); }
}
"""


@dataclass
class _Guard(importlib.abc.MetaPathFinder):
    """Records, while armed, every attempt to import the probe and every audited process or library load."""

    armed: bool = False
    seen: list[str] = field(default_factory=list)
    where: str = ""

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.armed:
            return
        if event == "import" and str(args[0]).split(".")[0] == PROBE:
            self.seen.append(f"{self.where}: import {args[0]}")
        elif event.startswith(_AUDITED):
            self.seen.append(f"{self.where}: {event} {args[:2]!r}")

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        """Sees ``importlib.import_module`` too, which raises no ``import`` audit event."""
        if self.armed and name.split(".", maxsplit=1)[0] == PROBE:
            self.seen.append(f"{self.where}: import {name}")


_GUARD = _Guard()
_HOOKED: list[bool] = []


@dataclass(frozen=True)
class Probes:
    """The probe values and the marker files that show whether either was ever loaded."""

    module: str
    shared_object: str
    module_marker: Path
    object_marker: Path
    roots: Path

    def value(self, key: str) -> str:
        return self.shared_object if key.endswith(SHARED_OBJECT_SUFFIXES) else self.module

    def block(self, keys: Iterator[str] | list[str], prefix: str = "") -> dict[str, str]:
        return {prefix + key: self.value(key) for key in keys}


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probes]:
    base = tmp_path_factory.mktemp("probe")
    roots = base / "roots"
    roots.mkdir()
    (base / f"{PROBE}.py").write_text(_MODULE.format(marker=str(base / "module-marker")))
    source = base / "probe.c"
    source.write_text(_SHARED_OBJECT)
    library = roots / "probe.so"  # under the file roots: a key that takes a host file there gets it
    subprocess.run(["cc", "-shared", "-fPIC", f'-DMARKER="{base / "object-marker"}"', "-o", str(library),
                    str(source)], check=True)
    sys.path.insert(0, str(base))
    if not _HOOKED:
        sys.addaudithook(_GUARD.audit)  # cannot be removed: it stays quiet once disarmed
        _HOOKED.append(True)
    sys.meta_path.insert(0, _GUARD)
    try:
        yield Probes(f"{PROBE}.Probe", str(library), base / "module-marker", base / "object-marker", roots)
    finally:
        sys.meta_path.remove(_GUARD)
        sys.path.remove(str(base))


@pytest.fixture(scope="module")
def connect(probes: Probes, services: Services, kafka_bootstrap: str) -> Iterator[EmbeddedConnect]:
    """The worker, closed (its tasks stopped: the CDC source's slot released) before the services are cleaned."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAMBDA_CONNECT_FILE_ROOTS", str(probes.roots))  # FileStream offered, its files there
        with EmbeddedConnect(kafka_bootstrap, prefix=f"probe-{uuid.uuid4().hex[:8]}") as worker:
            yield worker


def _declared(class_name: str) -> list[str]:
    model = getattr(registry.load(class_name), "config_model", None)
    return [info.alias or name for name, info in model.model_fields.items()] if model is not None else []


def _prefixes(keys: list[str]) -> set[str]:
    """Every namespace a declared key lives in (``a.`` and ``a.b.`` of ``a.b.c``), and the Kafka client prefixes."""
    found = {*OVERRIDE_PREFIXES, *MIRROR_PREFIXES, *HTTP_REPORTER_PREFIXES, *DEBEZIUM_PREFIXES}
    for key in keys:
        parts = key.split(".")
        found.update(".".join(parts[:depth]) + "." for depth in range(1, len(parts)))
    return found


def _probed(probes: Probes, keys: list[str]) -> dict[str, str]:
    """Each declared key and each library code property under each of their prefixes, set to its probe."""
    config = probes.block(keys)
    for prefix in sorted(_prefixes(keys)):
        config.update(probes.block(list(LIBRARY_CODE_NAMES), prefix))
    return config


def _refused(answer: Mapping[str, Any]) -> set[str]:
    return {value["value"]["name"] for value in answer["configs"] if value["value"]["errors"]}


@dataclass
class _Run:
    """What the sweep did: validations, creations, invocations and the records they moved."""

    validated: int = 0
    created: list[str] = field(default_factory=list)
    not_created: dict[str, str] = field(default_factory=dict)
    records: int = 0
    based: dict[str, str] = field(default_factory=dict)  # connector name -> class, when it has a base config here


def _validate(connect: EmbeddedConnect, config: dict[str, str], where: str) -> dict[str, str]:
    """Validate under the guard; the config with each key validate refused back at its default (or left out)."""
    _GUARD.where = f"validate {where}"
    status, answer = connect.rest("PUT", f"/connector-plugins/{config['connector.class']}/config/validate", config)
    assert status == 200, (where, status, answer)
    refused = _refused(answer)
    defaults = {value["definition"]["name"]: value["definition"].get("default_value")
                for value in answer["configs"] if value.get("definition")}
    kept = {key: value for key, value in config.items() if key not in refused}
    kept.update({key: defaults[key] for key in refused if defaults.get(key) not in (None, "")})
    return kept


def _greedy(connect: EmbeddedConnect, base: dict[str, str], declared: dict[str, str], everything: dict[str, str],
            where: str) -> dict[str, str]:
    """``base`` plus each probed declared key validate accepts beside the others, then the library names under the
    prefixes when validate accepts them all."""
    config = dict(base)
    for key, value in declared.items():
        if key in base:
            continue
        candidate = {**config, key: value}
        _GUARD.where = f"validate {where} {key}"
        if not _refused(connect.validate(candidate)):
            config = candidate
    candidate = {**everything, **config}
    return candidate if not _refused(connect.validate(candidate)) else config


def _create_and_run(connect: EmbeddedConnect, name: str, config: dict[str, str], run: _Run, *,
                    sink_topic: str | None = None) -> None:
    """Create ``config`` (the probes validate accepted); when it is accepted, run its task with records flowing."""
    _GUARD.where = f"create {name}"
    status, answer = connect.rest("PUT", f"/connectors/{name}/config", config)
    if status >= 400:
        run.not_created[name] = str(answer)
        return
    run.created.append(name)
    _GUARD.where = f"run {name}"
    try:
        if sink_topic is not None:
            connect.produce(sink_topic, [_ROW % n for n in range(3)])
            result = connect.run_sink(name, budget_s=8.0)
        else:
            result = connect.run_source(name, budget_s=8.0)
        run.records += int(result.get("records", 0) or 0)
    except Exception:  # a task may fail on a probe value: what matters is what it loaded meanwhile
        pass
    finally:
        _GUARD.where = f"delete {name}"
        connect.rest("DELETE", f"/connectors/{name}")


def _file_source(probes: Probes, name: str) -> dict[str, str]:
    lines = probes.roots / f"{name}.txt"
    lines.write_text("".join(f'{{"n": {n}, "name": "row{n}"}}\n' for n in range(5)))
    return {"connector.class": "FileStreamSource", "name": name, "file": str(lines), "topic": f"{name}-out",
            "tasks.max": "1", "errors.tolerance": "all", "value.converter": "StringConverter"}


def _bases(probes: Probes, name: str, topic: str, services: Services) -> dict[str, dict[str, str]]:
    """Connector configs that run here (on the shared services, or with no service at all), by class name."""
    jdbc, aws = services.jdbc, services.aws
    table = f"{PROBE}_{name.replace('-', '_')}"
    clusters = {"source.cluster.alias": "probesrc", "target.cluster.alias": "probetgt",
                "source.cluster.bootstrap.servers": services.kafka, "target.cluster.bootstrap.servers": services.kafka}
    database = {"connection.url": jdbc["connection.url"], "connection.user": jdbc["user"],
                "connection.password": jdbc["password"], "connection.attempts": "1", "errors.tolerance": "all"}
    return {
        "io.confluent.connect.jdbc.JdbcSourceConnector": {
            "connector.class": "JdbcSourceConnector", "name": name, **database, "mode": "bulk", "tasks.max": "1",
            "query": "SELECT 1 AS id UNION ALL SELECT 2", "topic.prefix": f"{name}-out"},
        "io.confluent.connect.jdbc.JdbcSinkConnector": {
            "connector.class": "JdbcSinkConnector", "name": name, **database, "topics": topic, "auto.create": "true",
            "table.name.format": table, "value.converter": "JsonConverter"},
        "org.apache.kafka.connect.mirror.MirrorSourceConnector": {
            "connector.class": "MirrorSourceConnector", "name": name, **clusters, "topics": topic,
            "replication.factor": "1", "sync.topic.acls.enabled": "false"},
        "org.apache.kafka.connect.mirror.MirrorCheckpointConnector": {
            "connector.class": "MirrorCheckpointConnector", "name": name, **clusters, "groups": f"{name}-group"},
        "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector": {
            "connector.class": "MirrorHeartbeatConnector", "name": name, **clusters,
            "heartbeats.topic.replication.factor": "1"},
        "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector": {
            "connector.class": "ElasticsearchSinkConnector", "name": name, "topics": topic,
            "connection.url": services.opensearch, "key.ignore": "true", "schema.ignore": "true", "max.retries": "0",
            "value.converter": "JsonConverter", "errors.tolerance": "all"},
        "io.confluent.connect.http.HttpSinkConnector": {
            "connector.class": "HttpSinkConnector", "name": name, "topics": topic, "http.api.url": services.http,
            "value.converter": "StringConverter", "reporter.bootstrap.servers": services.kafka,
            "reporter.result.topic.replication.factor": "1", "reporter.error.topic.replication.factor": "1",
            "errors.tolerance": "all"},
        "io.confluent.connect.s3.S3SinkConnector": {
            "connector.class": "S3SinkConnector", "name": name, "topics": topic, "s3.bucket.name": services.bucket,
            "store.url": aws["endpoint_url"], "s3.region": aws["region_name"],
            "aws.access.key.id": aws["aws_access_key_id"], "aws.secret.access.key": aws["aws_secret_access_key"],
            "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "1",
            "storage.class": "io.confluent.connect.s3.storage.S3Storage", "value.converter": "JsonConverter",
            "errors.tolerance": "all"},
        "io.confluent.connect.s3.source.S3SourceConnector": {
            "connector.class": "S3SourceConnector", "name": name, "s3.bucket.name": services.bucket,
            "store.url": aws["endpoint_url"], "s3.region": aws["region_name"],
            "aws.access.key.id": aws["aws_access_key_id"], "aws.secret.access.key": aws["aws_secret_access_key"],
            "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "tasks.max": "1",
            "confluent.topic.replication.factor": "1"},
        **{binlog: {"connector.class": binlog, "name": name, "database.hostname": jdbc["host"],
                    "database.port": jdbc["port"], "database.user": jdbc["user"], "database.password": jdbc["password"],
                    "topic.prefix": name, "database.include.list": jdbc["database"], "snapshot.mode": "no_data",
                    "tasks.max": "1"}
           for binlog in ("io.debezium.connector.mariadb.MariaDbConnector",
                          "io.debezium.connector.mysql.MySqlConnector")},
        "io.debezium.connector.postgresql.PostgresConnector": {
            **services.postgres.props(), "name": name, "topic.prefix": name, "snapshot.mode": "no_data",
            "tasks.max": "1"},
        "io.debezium.connector.jdbc.JdbcSinkConnector": {
            "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "name": name, "topics": topic,
            "connection.url": jdbc["connection.url"], "connection.username": jdbc["user"],
            "connection.password": jdbc["password"], "schema.evolution": "basic", "table.name.format": table,
            "value.converter": "JsonConverter", "errors.tolerance": "all"},
        "org.apache.kafka.connect.file.FileStreamSourceConnector": _file_source(probes, name),
        "org.apache.kafka.connect.file.FileStreamSinkConnector": {
            "connector.class": "FileStreamSink", "name": name, "file": str(probes.roots / f"{name}.out"),
            "topics": topic, "errors.tolerance": "all", "value.converter": "StringConverter"},
        "io.confluent.kafka.connect.datagen.DatagenConnector": {
            "connector.class": "DatagenConnector", "name": name, "kafka.topic": f"{name}-out", "quickstart": "users",
            "iterations": "3", "max.interval": "1", "tasks.max": "1"},
    }


@dataclass(frozen=True)
class Services:
    """Where the shared services answer, for the configs of ``_bases``."""

    kafka: str
    jdbc: Mapping[str, str]
    aws: Mapping[str, str]
    bucket: str
    opensearch: str
    http: str
    postgres: PgDb


@pytest.fixture(scope="module")
def services(kafka_bootstrap: str, aws_settings: dict[str, str], opensearch_url: str,
             postgres_settings: dict[str, str]) -> Iterator[Services]:
    import boto3

    from infra.local import mariadb

    bucket = f"probe-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", **aws_settings).create_bucket(Bucket=bucket)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Accepting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = mariadb.settings()
    postgres = PgDb(postgres_settings)  # a schema, slot and publication of its own, dropped at the end
    try:
        yield Services(kafka_bootstrap, settings, aws_settings, bucket, opensearch_url,
                       f"http://127.0.0.1:{server.server_address[1]}/api", postgres)
    finally:
        server.shutdown()
        server.server_close()
        _drop_probe_tables(settings)
        postgres.close()


def _drop_probe_tables(settings: Mapping[str, str]) -> None:
    """The JDBC sinks' tables (named after the probe) go, so the shared database does not fill up."""
    import pymysql

    conn = pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=settings["database"], autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                           "AND table_name LIKE %s", (settings["database"], f"{PROBE}%"))
            for (table,) in cursor.fetchall():
                cursor.execute(f"DROP TABLE `{table}`")
    finally:
        conn.close()


class _Accepting(http.server.BaseHTTPRequestHandler):
    """An HTTP endpoint that takes every request (the HTTP sink's destination)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_no_probe_in_any_key_of_any_plugin_is_ever_loaded(connect: EmbeddedConnect, probes: Probes,
                                                          services: Services) -> None:
    run = _Run()
    descs = registry.plugins(None)
    kinds = {kind: [d for d in descs if d.type is kind] for kind in registry.PluginType}
    assert all(kinds.values()), "the registry lists plugins of every type"
    _GUARD.seen.clear()
    _GUARD.armed = True
    try:
        _sweep_connectors(connect, probes, services, kinds[registry.PluginType.SOURCE]
                          + kinds[registry.PluginType.SINK], run)
        _sweep_config_providers(connect, probes, run)
        _sweep_chain(connect, probes, kinds[registry.PluginType.PREDICATE],
                     kinds[registry.PluginType.TRANSFORMATION], run)
        _sweep_converters(connect, probes, kinds[registry.PluginType.CONVERTER]
                          + kinds[registry.PluginType.HEADER_CONVERTER], run)
    finally:
        _GUARD.armed = False
    assert _GUARD.seen == [], "\n".join(_GUARD.seen)
    assert not probes.module_marker.exists(), probes.module_marker.read_text()
    assert not probes.object_marker.exists()
    # the sweep did what it says: every plugin validated, pipelines created and run with records flowing
    assert run.validated >= len(descs)
    assert run.records > 0, run
    chain_name = f"probe-{RUN}-chain"
    assert chain_name in run.created, run.not_created.get(chain_name)
    assert {run.based[n]: run.not_created[n] for n in run.based if n not in run.created} == {}, "a base config rotted"


def _sweep_connectors(connect: EmbeddedConnect, probes: Probes, services: Services, descs: list[Any],
                      run: _Run) -> None:
    """Every connector: every declared key and the library names under their prefixes, validated; created and run
    on its base config (when it has one here) with each probe its validate accepts."""
    for index, desc in enumerate(descs):
        name = f"probe-{RUN}-c{index}"
        topic = f"{name}-in"
        keys = _declared(desc.class_name)
        probed = {**_probed(probes, keys), "connector.class": desc.class_name, "name": name}
        sink = desc.type is registry.PluginType.SINK
        if sink:
            probed["topics"] = topic
        accepted = _validate(connect, probed, desc.class_name)
        run.validated += 1
        base = _bases(probes, name, topic, services).get(desc.class_name)
        if base is not None:  # a config that runs, then each probe its validate accepts on top
            run.based[name] = desc.class_name
            connect.create_topic(topic)
            accepted = _greedy(connect, base, probes.block(keys), _probed(probes, keys), desc.class_name)
        _create_and_run(connect, name, accepted, run, sink_topic=topic if sink else None)


def _sweep_config_providers(connect: EmbeddedConnect, probes: Probes, run: _Run) -> None:
    """Each provider the worker knows, declared in a connector config with its class and params probed: refused."""
    for provider in sorted({*DEFAULT_CLASSES, *(c.rpartition(".")[2] for c in PROVIDER_CLASSES)}):
        name = f"probe-{RUN}-{provider.lower()}"
        config = {**_file_source(probes, name), "config.providers": provider,
                  f"config.providers.{provider}.class": probes.module,
                  **probes.block(["path", "allowed.paths", "location", "class"], f"config.providers.{provider}.param."),
                  "topic": "${" + provider + ":" + probes.module + ":key}"}
        assert set(_refused(connect.validate(config))) >= {"config.providers"}
        _create_and_run(connect, name, config, run)
        run.validated += 1


def _sweep_chain(connect: EmbeddedConnect, probes: Probes, predicates: list[Any], transformations: list[Any],
                 run: _Run) -> None:
    """Predicates and transformations, every key probed, validated one by one; those that start with the probes
    they accept run in one chain on a FileStream source."""
    name = f"probe-{RUN}-chain"
    chain = _file_source(probes, name)
    aliases: list[str] = []
    for index, desc in enumerate(predicates):
        prefix = f"predicates.p{index}."
        chain[prefix + "type"] = desc.class_name
        config = {**chain, "predicates": f"p{index}", **_probed_under(probes, desc.class_name, prefix)}
        chain.update(_own(_validate(connect, config, desc.class_name), desc.class_name, prefix))
        run.validated += 1
    chain["predicates"] = ",".join(f"p{i}" for i in range(len(predicates)))
    for index, desc in enumerate(transformations):
        prefix = f"transforms.t{index}."
        config = {**chain, "transforms": f"t{index}", prefix + "type": desc.class_name,
                  **_probed_under(probes, desc.class_name, prefix)}
        own = _own(_validate(connect, config, desc.class_name), desc.class_name, prefix)
        run.validated += 1
        if not _refused(connect.validate({**_file_source(probes, name), "transforms": f"t{index}", **own})):
            chain.update(own)  # a transformation that starts with the probes it accepts joins the chain
            aliases.append(f"t{index}")
    for index in range(len(predicates)):
        chain[f"transforms.f{index}.type"] = "org.apache.kafka.connect.transforms.Filter"
        chain[f"transforms.f{index}.predicate"] = f"p{index}"
        chain[f"transforms.f{index}.negate"] = "true"
        aliases.append(f"f{index}")
    chain["transforms"] = ",".join(aliases)
    _create_and_run(connect, name, chain, run)


def _sweep_converters(connect: EmbeddedConnect, probes: Probes, descs: list[Any], run: _Run) -> None:
    """Converters and header converters, each on a FileStream source of its own, every key probed."""
    for index, desc in enumerate(descs):
        role = "header.converter" if desc.type is registry.PluginType.HEADER_CONVERTER else "value.converter"
        name = f"probe-{RUN}-v{index}"
        config = {**_file_source(probes, name), role: desc.class_name,
                  **_probed_under(probes, desc.class_name, role + ".")}
        accepted = _validate(connect, config, desc.class_name)
        run.validated += 1
        _create_and_run(connect, name, {**_file_source(probes, name), **accepted}, run)


def _own(accepted: Mapping[str, str], class_name: str, prefix: str) -> dict[str, str]:
    """The plugin's type and declared keys among ``accepted`` (the library names under them only probe)."""
    names = {prefix + "type", *(prefix + key for key in _declared(class_name))}
    return {key: value for key, value in accepted.items() if key in names}


def _probed_under(probes: Probes, class_name: str, prefix: str) -> dict[str, str]:
    return {prefix + key: value for key, value in _probed(probes, _declared(class_name)).items()}


def test_the_guard_sees_an_import_of_the_probe_and_a_process(probes: Probes) -> None:
    """The sweep cannot pass vacuously: the guard records an ``importlib`` import of the probe and a process."""
    import importlib

    _GUARD.seen.clear()
    _GUARD.armed = True
    _GUARD.where = "self-test"
    try:
        importlib.import_module(PROBE)
        subprocess.run(["true"], check=True)
    finally:
        _GUARD.armed = False
        sys.modules.pop(PROBE, None)
    assert any(f"import {PROBE}" in seen for seen in _GUARD.seen), _GUARD.seen
    assert any("subprocess.Popen" in seen for seen in _GUARD.seen), _GUARD.seen
    assert probes.module_marker.read_text() == "imported"
    probes.module_marker.unlink()
    _GUARD.seen.clear()

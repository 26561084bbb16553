"""Apicurio Registry (Confluent-compatible API under /apis/ccompat/v7), in-memory, built from Maven Central jars.

The app jar on Central is a thin Quarkus application without a main class: ``maven/schema-registry/pom.xml``
builds it into a runnable Quarkus application with the Quarkus Maven plugin, once per version, into
``~/.cache/lambda-connect/schema-registry-<version>/``. Storage is Apicurio's in-memory H2 SQL store: a restart
forgets every schema (ids restart at 1), which is what tests want.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path

from infra.local import _process as proc
from infra.local.versions import (
    APICURIO_CONFIG_INDEX_VERSION,
    APICURIO_QUARKUS_VERSION,
    APICURIO_REGISTRY_VERSION,
    EVERIT_JSON_SCHEMA_VERSION,
    MAVEN_DEPENDENCY_PLUGIN,
    SCHEMA_REGISTRY_BUILD_TAG,
)

NAME = "registry"
HOST = "127.0.0.1"
PORT = 8081
CCOMPAT_PATH = "/apis/ccompat/v7"
START_TIMEOUT_S = 120.0
_POM_DIR = Path(__file__).parent / "maven" / "schema-registry"


def address() -> str:
    return f"{HOST}:{PORT}"


def url() -> str:
    """The Confluent-compatible base URL, what ``schema.registry.url`` takes."""
    return f"http://{address()}{CCOMPAT_PATH}"


def settings() -> dict[str, str]:
    return {"schema.registry.url": url()}


def healthy() -> bool:
    """The ccompat API answers a subject listing (a JSON array), not just an open port."""
    if not proc.port_open(HOST, PORT):
        return False
    try:
        with urllib.request.urlopen(f"{url()}/subjects", timeout=3) as response:
            return isinstance(json.load(response), list)
    except (OSError, ValueError):
        return False


def build_dir() -> Path:
    return proc.CACHE_DIR / f"schema-registry-{SCHEMA_REGISTRY_BUILD_TAG}"


def ensure_built() -> Path:
    """Build the runnable application once per version; returns its runner jar."""
    target = build_dir()
    runner = target / "schema-registry-1-runner.jar"  # the app's prod profile packages a legacy-jar (+ lib/)
    if runner.exists():
        return runner
    shutil.rmtree(target, ignore_errors=True)
    plugin_version = MAVEN_DEPENDENCY_PLUGIN.rsplit(":", 1)[1]
    argv = ["mvn", "-q", "-B", "-s", str(_POM_DIR / "settings.xml"), "package", "-DskipTests",
            f"-Dapicurio.version={APICURIO_REGISTRY_VERSION}", f"-Dquarkus.version={APICURIO_QUARKUS_VERSION}",
            f"-Deverit.version={EVERIT_JSON_SCHEMA_VERSION}", f"-Dconfig.index.version={APICURIO_CONFIG_INDEX_VERSION}",
            f"-Ddependency.plugin.version={plugin_version}", f"-Dregistry.build.dir={target}",
            "-Dquarkus.profile=prod"]
    proc.run(argv, name=NAME, cwd=_POM_DIR)
    if not runner.exists():
        raise proc.ServiceError(f"{NAME}: the Quarkus build finished without {runner}")
    return runner


def start() -> None:
    if healthy():
        return
    runner = ensure_built()
    heap = os.environ.get("LAMBDA_CONNECT_REGISTRY_HEAP", "-Xmx384m")
    argv = ["java", heap, *proc.SERVICE_JVM_FLAGS, f"-Dquarkus.http.host={HOST}", f"-Dquarkus.http.port={PORT}",
            "-Dquarkus.profile=prod", "-Dregistry.auth.enabled=false", "-Dquarkus.log.level=WARN",
            "-Dquarkus.log.category.\"io.quarkus\".level=INFO", "-jar", str(runner)]
    if proc.await_port(NAME, HOST, (PORT,), healthy):
        return
    pid = proc.spawn(NAME, argv, cwd=proc.service_dir(NAME))
    proc.wait_healthy(NAME, healthy, START_TIMEOUT_S, pid)


def stop() -> bool:
    return proc.stop_pid(NAME)

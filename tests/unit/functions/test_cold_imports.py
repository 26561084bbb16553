"""functions/*/app.py: what importing a handler, and validating its first pydantic model, leave out (cold start).

Each check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# Modules the coordinator's first request (GET /connectors) does not run: the plugin registry's config models,
# validation, task splitting and config providers load with the request that needs them.
COORDINATOR_LATER = (
    "connect_core.api.header",
    "connect_core.api.schema",
    "connect_core.coordinator.herder.framework",
    "connect_core.coordinator.herder.task_configs",
    "connect_core.coordinator.herder.validation",
    "connect_core.errors.retry_with_tolerance",
    "connect_core.runtime.config_providers.resolver",
    "connect_core.runtime.restart_policy",
    "connect_core.runtime.trigger_config",
    "connect_core.storage.offset_key_index",
    "connect_core.transforms.chain",
)
NEVER_AT_IMPORT = ("confluent_kafka", "importlib.metadata", "boto3")
# Loaded only when used (a plugin location isolated, a plugin.path scanned, a fault point armed), never by the modules
# a handler's first event runs: hashlib maps OpenSSL's libcrypto (a few MiB resident), importlib.abc brings
# importlib.resources, tempfile and shutil.
NEVER_ON_FIRST_EVENT = ("hashlib", "importlib.abc", "configparser", "signal")
FIRST_EVENT = {
    "coordinator": ("connect_core.coordinator.factory", "connect_core.coordinator.herder.plugins"),
    "sink_task": ("connect_core.runtime.sink_runner", "connect_core.connectors.file.sink_task"),
    "source_task": ("connect_core.runtime.source_runner", "connect_core.connectors.file.source_task"),
}


def _loaded_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=120)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("name", ["coordinator", "sink_task", "source_task"])
def test_a_handler_imports_no_client_library_or_metadata_reader(name: str) -> None:
    loaded = _loaded_after(f"import functions.{name}.app")
    assert not loaded & set(NEVER_AT_IMPORT)


@pytest.mark.parametrize("name", ["coordinator", "sink_task", "source_task"])
def test_the_modules_of_a_first_event_leave_out_what_only_plugins_and_fault_points_use(name: str) -> None:
    """The runtime modules a first event imports (the registry, plugin isolation and plugin.path readers among
    them), with a FileStream plugin; bench case 5's children check the same after real first events."""
    imports = "\n".join(f"import {module}" for module in (f"functions.{name}.app", *FIRST_EVENT[name],
                                                          "connect_core.runtime.registry"))
    loaded = _loaded_after(imports)
    assert {"connect_core.runtime.plugin_isolation", "connect_core.runtime.plugin_path"} <= loaded
    assert not loaded & set(NEVER_ON_FIRST_EVENT)


def test_the_coordinator_handler_leaves_what_its_first_request_does_not_run() -> None:
    loaded = _loaded_after("import functions.coordinator.app")
    assert not loaded & set(COORDINATOR_LATER)


@pytest.mark.parametrize("name", ["coordinator", "sink_task", "source_task"])
def test_validating_the_worker_settings_reads_no_distribution_metadata(name: str) -> None:
    """pydantic's plugin look-up (first validator built) and the version a status carries skip importlib.metadata
    where no installed distribution declares a pydantic plugin (this virtualenv)."""
    loaded = _loaded_after(
        f"import functions.{name}.app\n"
        "from connect_core.kafka.settings import KafkaClientSettings\n"
        "from connect_core.api.version import package_version\n"
        "KafkaClientSettings(bootstrap_servers='127.0.0.1:9092'); package_version()"
    )
    assert "importlib.metadata" not in loaded

"""``lambda-connect standalone WORKER.properties [CONNECTOR ...]``: Kafka's ``connect-standalone.sh`` on ``up``.

The worker file is mapped by :mod:`connect_core.local.worker_file`; ``up`` then runs as usual and each connector file
is PUT to its REST API (``/connectors/<name>/config``, create or update, as Kafka's ``ConnectStandalone`` calls
``putConnectorConfig``). A connector error stops the worker with exit code 3, as Kafka's does. Without
``--file-root`` (or ``LAMBDA_CONNECT_FILE_ROOTS``) the file root is the working directory, so a connector's relative
file name resolves as Kafka resolves it (``up``'s default root is ``./data``).

Offsets: lambda-connect commits source offsets to a Kafka topic in the same transaction as the records, so it cannot
keep them in Kafka's offsets file (Java serialization). A standalone worker instead gets its own internal topics and
group id, recorded in ``<offset.storage.file.filename>.lambda-connect.json``; a restart with the same worker file
resumes from them, and deleting that file starts afresh, as deleting Kafka's offsets file does. An existing Kafka
offsets file at ``offset.storage.file.filename`` is refused rather than silently ignored.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from connect_core.local.connector_file import read_connector_file
from connect_core.local.up import run_up
from connect_core.local.worker_file import read_worker_file
from connect_core.runtime import env

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["CONNECTOR_ERROR_EXIT", "StandaloneError", "run_standalone", "state_file"]

log = logging.getLogger("lambda-connect")
CONNECTOR_ERROR_EXIT: Final = 3  # ConnectStandalone: "Stopping after connector error"
JAVA_SERIALIZATION_MAGIC: Final = b"\xac\xed"  # ObjectOutputStream's STREAM_MAGIC: Kafka's FileOffsetBackingStore
STATE_SUFFIX: Final = ".lambda-connect.json"
STARTUP_TIMEOUT_S: Final = 120.0


class StandaloneError(ValueError):
    """The standalone worker cannot start; the message says why."""


def state_file(offsets_file: Path) -> Path:
    """Where a standalone worker records its internal topics, beside Kafka's offsets file."""
    return offsets_file.with_name(offsets_file.name + STATE_SUFFIX)


@dataclass(frozen=True)
class StandaloneState:
    """A standalone worker's group id and internal topics, kept across restarts."""

    group_id: str

    @classmethod
    def open(cls, offsets_file: Path) -> StandaloneState:
        """The recorded state, or a new one written down; refuses an existing Kafka offsets file."""
        try:
            magic = offsets_file.read_bytes()[:2]
        except FileNotFoundError:
            magic = b""
        except OSError as error:
            raise StandaloneError(f"offset.storage.file.filename={offsets_file}: {error}") from error
        if magic == JAVA_SERIALIZATION_MAGIC:
            raise StandaloneError(
                f"offset.storage.file.filename={offsets_file} holds offsets written by Kafka Connect (Java "
                "serialization), which lambda-connect cannot read; it keeps its own offsets in Kafka topics recorded "
                f"in {state_file(offsets_file)}. Move the Kafka file away or name another offset.storage.file.filename")
        path = state_file(offsets_file)
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(recorded["group.id"]))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StandaloneError(f"{path}: not a lambda-connect standalone state file ({error})") from error
        state = cls(f"connect-standalone-{uuid.uuid4().hex[:12]}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"group.id": state.group_id, **state.topics()}, indent=2) + "\n", encoding="utf-8")
        return state

    def topics(self) -> dict[str, str]:
        return {"config.storage.topic": f"{self.group_id}-configs", "offset.storage.topic": f"{self.group_id}-offsets",
                "status.storage.topic": f"{self.group_id}-status"}

    def environment(self) -> dict[str, str]:
        topics = self.topics()
        return {env.GROUP_ID: self.group_id, env.CONFIG_TOPIC: topics["config.storage.topic"],
                env.OFFSET_TOPIC: topics["offset.storage.topic"], env.STATUS_TOPIC: topics["status.storage.topic"]}


def _request(url: str, method: str, body: object = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw) if raw else None
        except ValueError:
            return error.code, raw.decode("utf-8", "replace")


def _create_connectors(base_url: str, connectors: Sequence[tuple[Path, str, dict[str, str]]], stop: threading.Event,
                       failed: list[str]) -> None:
    """Wait for the REST API, then PUT each connector's config; on an error stop the worker."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not stop.is_set():
        try:
            if _request(base_url + "/", "GET")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            failed.append(f"the REST API at {base_url} did not answer within {STARTUP_TIMEOUT_S:.0f}s")
            stop.set()
            return
        stop.wait(0.2)
    for path, name, config in connectors:
        if stop.is_set():
            return
        status, body = _request(f"{base_url}/connectors/{urllib.parse.quote(name, safe='')}/config", "PUT", config)
        if status >= 300:
            message = body.get("message") if isinstance(body, dict) else body
            log.error("Failed to create connector for %s: %s %s", path, status, message)
            failed.append(f"{path}: {message}")
            log.error("Stopping after connector error")
            stop.set()
            return
        log.info("Created connector %s", name)


def run_standalone(worker_path: Path, connector_paths: Sequence[Path], *, file_roots: str | None = None,
                   stop: threading.Event | None = None) -> int:
    """Run until SIGINT/SIGTERM (or ``stop``); 0 on a clean stop, 3 after a connector error.

    Raises:
        StandaloneError, WorkerFileError, ValueError: a file cannot be used (the message names it).
    """
    worker = read_worker_file(worker_path, standalone=True)
    assert worker.offsets_file is not None  # required in standalone mode
    connectors = []
    for path in connector_paths:
        name, config = read_connector_file(path)
        connectors.append((path, name, config))
    state = StandaloneState.open(worker.offsets_file)
    os.environ.update({**worker.environment, **state.environment()})
    if not file_roots and not os.environ.get(env.FILE_ROOTS):
        # Kafka resolves a connector's relative file names (FileStream's file=test.txt) against the working
        # directory: it is the default file root here, and a relative name resolves inside it
        file_roots = str(Path.cwd())
    host, port = worker.host or "127.0.0.1", worker.port or 8083
    log.info("standalone worker %s: internal topics %s (recorded in %s)", state.group_id,
             ", ".join(state.topics().values()), state_file(worker.offsets_file))
    stop = stop or threading.Event()
    failed: list[str] = []
    creator = threading.Thread(target=_create_connectors, args=(f"http://{host}:{port}", connectors, stop, failed),
                               name="standalone-connectors", daemon=True)
    creator.start()
    try:
        code = run_up(host, port, stop=stop, file_roots=file_roots, plugins=worker.plugins)
    finally:
        stop.set()
        creator.join(timeout=5)
    return CONNECTOR_ERROR_EXIT if failed else code

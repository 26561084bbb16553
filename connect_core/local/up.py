"""``lambda-connect up``: the REST API on 127.0.0.1:8083, plus schedules and Kafka triggers, until Ctrl-C."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connect_core.kafka.reachability import cluster_problem
from connect_core.local.deployment import LocalDeployment
from connect_core.local.function_host import (
    LOG_LEVELS_ENV,
    WARM_CONTAINERS_ENV,
    FunctionPool,
    WorkerLogLevels,
    warm_containers,
)
from connect_core.local.host_check import AllowedHosts
from connect_core.local.http_front import serve
from connect_core.local.plugin_packages import PluginPackageError, install, split_plugins
from connect_core.runtime import env
from connect_core.runtime.heartbeat import HEARTBEAT_EVENT, HEARTBEAT_INTERVAL_S
from connect_core.runtime.worker import WorkerSettings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from connect_core.local.basic_auth import BasicAuth

__all__ = ["run_up"]

log = logging.getLogger("lambda-connect")
RECONCILE_INTERVAL_S = 1.0
DEFAULT_FILE_ROOT = "data"  # under the working directory: where FileStream files and SQLite databases may live
RUN_DIR = Path(os.environ.get("LAMBDA_CONNECT_RUN_DIR", Path.cwd() / ".run")) / "up"


def _kafka_reachable(worker: WorkerSettings) -> str | None:
    """None when the cluster answers; else why not (a refused login at once, with the broker's message)."""
    from confluent_kafka.admin import AdminClient

    errors: list[Any] = []
    config: dict[str, Any] = {**worker.kafka.client_config(), "error_cb": errors.append, "log_level": 0}
    try:
        client = AdminClient(config)
    except Exception as error:  # reported to the user with the fix
        return str(error)
    problem = cluster_problem(client, errors)
    return None if problem is None else problem.message


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _heartbeat(coordinator: FunctionPool, stop: threading.Event) -> None:
    """What the coordinator's schedule does on AWS: the heartbeat event, every HEARTBEAT_INTERVAL_S."""
    while not stop.wait(HEARTBEAT_INTERVAL_S):
        try:
            coordinator.invoke(HEARTBEAT_EVENT, 60.0)
        except Exception:
            log.warning("coordinator heartbeat failed; trying again", exc_info=True)


def _worker_log_levels(function_env: dict[str, str]) -> WorkerLogLevels:
    """This run's worker-scope log levels (none yet), named to every function process."""
    levels = WorkerLogLevels(RUN_DIR / "log-levels.jsonl")
    levels.path.write_bytes(b"")
    function_env[LOG_LEVELS_ENV] = str(levels.path)
    return levels


def run_up(host: str = "127.0.0.1", port: int = 8083, bootstrap_servers: str | None = None,
           stop: threading.Event | None = None, *, config_providers: str | None = None,
           plugins: str | None = None, file_roots: str | None = None, allowed_hosts: Sequence[str] = (),
           auth: BasicAuth | None = None, containers: int | None = None) -> int:
    """Run until SIGINT/SIGTERM (or ``stop`` is set); returns the exit code.

    ``config_providers``, ``plugins`` and ``file_roots`` are worker configuration (the only place they may come
    from); ``plugins`` is a comma list of ``module:Class`` and plugin packages (wheels, project or package
    directories: installed into ``.run/up/plugins``, their entry points registering their classes); ``file_roots``
    defaults to ``LAMBDA_CONNECT_FILE_ROOTS``, else ``./data`` (created). The REST API answers local Host names,
    ``host`` and ``allowed_hosts``; with ``auth``, only requests carrying its credentials. ``containers``: warm
    processes per function, each invocation given to one at random (default ``LAMBDA_CONNECT_WARM_CONTAINERS``, else
    1; ``local/function_host.py``).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if plugins:
        classes, packages = split_plugins(plugins)
        plugins = ",".join(classes) or None
        if packages:  # the same packages `sam build` puts into the layer (plugin_packages.py)
            try:
                os.environ[env.PLUGIN_PATH] = str(install(packages, RUN_DIR / "plugins"))
            except PluginPackageError as error:
                log.error("lambda-connect up: %s", error)
                return 2
    for name, value in ((env.BOOTSTRAP_SERVERS, bootstrap_servers), (env.CONFIG_PROVIDERS, config_providers),
                        (env.PLUGINS, plugins), (env.FILE_ROOTS, file_roots),
                        (WARM_CONTAINERS_ENV, containers and str(warm_containers(containers)))):
        if value:
            os.environ[name] = value
    if not os.environ.get(env.FILE_ROOTS):
        default_root = Path.cwd() / DEFAULT_FILE_ROOT
        default_root.mkdir(exist_ok=True)
        os.environ[env.FILE_ROOTS] = str(default_root)
    worker = WorkerSettings.from_env()
    problem = _kafka_reachable(worker)
    if problem:
        hint = "check the Kafka credentials" if "authentication" in problem.lower() else "start it with `make services`"
        log.error("Kafka is not reachable at %s (%s): %s", worker.kafka.bootstrap_servers, problem, hint)
        return 1
    function_env = {name: os.environ[name] for name in env.ALL if name in os.environ}
    function_env[env.BOOTSTRAP_SERVERS] = worker.kafka.bootstrap_servers
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    log_levels = _worker_log_levels(function_env)
    coordinator = FunctionPool("coordinator", function_env, log=(RUN_DIR / "coordinator.log").open("ab"))
    server = serve(host, port, coordinator, allowed_hosts=AllowedHosts.for_server(host, allowed_hosts), auth=auth,
                   log_levels=log_levels)
    if auth is None and not _loopback(host):
        log.warning("the REST API listens on %s without authentication: anyone who can reach this port can create "
                    "connectors (use --rest-credentials or --jaas-config)", host)
    deployment = LocalDeployment(worker, function_env, RUN_DIR / "logs")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, name="rest", daemon=True).start()
    threading.Thread(target=_heartbeat, args=(coordinator, stop), name="heartbeat", daemon=True).start()
    log.info("lambda-connect up: REST API on http://%s:%d, Kafka at %s, function logs in %s, connector files only "
             "under %s", host, port, worker.kafka.bootstrap_servers, RUN_DIR, os.environ[env.FILE_ROOTS])
    try:
        while not stop.is_set():
            try:
                deployment.reconcile()
            except Exception:
                log.exception("reconciling schedules and triggers failed; retrying")
            stop.wait(RECONCILE_INTERVAL_S)
    finally:
        log.info("stopping")
        server.shutdown()
        deployment.close()
        coordinator.close()
    return 0

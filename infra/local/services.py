"""`make services` / `make services-down` and the pytest fixtures: one start path for all local services.

Usage: python -m infra.local.services up|down|status [kafka kafka2 kafka-cluster mariadb localstack opensearch postgres
       registry]
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from infra.local import _process as proc
from infra.local import kafka, kafka2, kafka_cluster, localstack, mariadb, opensearch, postgres, schema_registry
from infra.local._process import ServiceError, ServiceStatus

if TYPE_CHECKING:
    from types import ModuleType

SERVICES: dict[str, ModuleType] = {
    module.NAME: module
    for module in (kafka, kafka2, kafka_cluster, mariadb, localstack, opensearch, postgres, schema_registry)
}

__all__ = ["SERVICES", "ServiceError", "down", "ensure", "status", "up"]


def _select(names: list[str] | None) -> list[ModuleType]:
    unknown = sorted(set(names or []) - set(SERVICES))
    if unknown:
        raise ServiceError(f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}")
    return [SERVICES[name] for name in (names or list(SERVICES))]


def status(name: str) -> ServiceStatus:
    module = SERVICES[name]
    pid = module.read_pid() if hasattr(module, "read_pid") else proc.read_pid(name)
    state = "healthy" if module.healthy() else "down"
    if state == "healthy" and pid is None:
        state = "healthy (not started by this project)"
    return ServiceStatus(name, module.address(), state, pid, module.settings())


def up(names: list[str] | None = None) -> dict[str, ServiceStatus]:
    """Start what is not healthy yet, in parallel; raise one ServiceError naming every service that failed."""
    modules = _select(names)
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=len(modules)) as pool:
        futures = {module.NAME: pool.submit(module.start) for module in modules}
        for name, future in futures.items():
            try:
                future.result()
            except ServiceError as error:
                failures.append(str(error))
            except Exception as error:  # report every service, then fail once
                failures.append(f"{name}: {type(error).__name__}: {error}\n{proc.log_tail(name)}")
    if failures:
        raise ServiceError("\n\n".join(failures))
    return {module.NAME: status(module.NAME) for module in modules}


def ensure(names: list[str] | None = None) -> dict[str, dict[str, str]]:
    """The fixtures' entry point: start (if needed) and hand out each service's connection settings."""
    return {name: st.settings for name, st in up(names).items()}


def down(names: list[str] | None = None) -> list[str]:
    """Stop, by pid file, what this project started; return the names that were running."""
    return [module.NAME for module in _select(names) if module.stop()]


def main(argv: list[str]) -> int:
    command, names = (argv[0] if argv else "status"), argv[1:] or None
    try:
        if command == "up":
            for st in up(names).values():
                print(st.line())
        elif command == "down":
            stopped = down(names)
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        elif command == "status":
            for module in _select(names):
                print(status(module.NAME).line())
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except ServiceError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

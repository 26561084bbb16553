"""`make demo-stack`: the seed scenario of `make demo` through the deployed stack (`make stack`) on LocalStack.

The same demo/connectors/ bodies go to the coordinator's Function URL; its AWS deployer creates the source
schedules, the sink functions and their Kafka event source mappings through LocalStack's APIs, and LocalStack runs
them (our extension: functions as local processes, Scheduler that fires, Kafka pollers). The one change to the
bodies: the FileStream files are absolute paths under .run/demo-stack/<run>/data/ (inside the local stack's
FileStreamRoots), since a function's working directory is its code folder. The connectors are deleted at the end
(and any left by an earlier run at the start).

Latencies: the first source invocation comes with the schedule's first heartbeat; from then on a source task polls
every ``poll.interval.ms`` through delayed SQS ticks, which need Scheduler's ``<aws.scheduler.scheduled-time>``
(the extension fills it in as AWS does), so the update latencies match `make demo`'s within a few seconds.
"""

from __future__ import annotations

import sys
import uuid

from demo.seed_scenario import FILE_ROOT, NAMES, ROOT, connector_bodies, prepare, run_scenario, say
from infra.local import services, stack


def main(argv: list[str] | None = None) -> int:
    """``python -m demo.stack_scenario [stack-name]`` (default: `make stack`'s)."""
    args = sys.argv[1:] if argv is None else argv
    settings = services.ensure()
    try:
        coordinator = stack.coordinator(*args[:1])
    except stack.StackError as error:
        raise SystemExit(f"{error}\nrun `make stack` first") from None
    say(f"coordinator Function URL {coordinator.url} (requests go to LocalStack with Host: {coordinator.host})")
    delete_connectors(coordinator, "of an earlier run")
    run_dir = ROOT / ".run" / "demo-stack" / uuid.uuid4().hex[:8]  # new files: no FileStream offsets to inherit
    prepare(settings, run_dir)
    try:
        run_scenario(coordinator.request, coordinator.url.rstrip("/"), settings, run_dir,
                     connector_bodies(run_dir / FILE_ROOT))
    finally:
        # As `make demo` stops lambda-connect up: nothing keeps running (their consumer groups, connect-<name>, are
        # the same as make demo's).
        delete_connectors(coordinator, "at the end of the demo")
    return 0


def delete_connectors(coordinator: stack.FunctionUrl, when: str) -> None:
    """DELETE the demo's connectors: the coordinator removes their schedules, functions and mappings."""
    for name in NAMES:
        if coordinator.request("GET", f"/connectors/{name}")[0] == 200:
            status, answer = coordinator.request("DELETE", f"/connectors/{name}")
            say(f"deleted {name} {when} -> {status}")
            if status != 204:
                raise SystemExit(f"deleting {name} failed: {status} {answer}")


if __name__ == "__main__":
    sys.exit(main())

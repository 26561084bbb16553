"""A run's finished rows, kept as they finish, so that ``BENCH_RESUME=<run id>`` continues that same run later: the
default sweep can outlast a session (bench/README "Where a run's wall time goes").

One JSON line per finished group of rows (a case, or one sub-case at one size of case 4) in
``bench/results/partial-<run id>.jsonl``, with the ``BENCH_*`` settings it ran under; a resumed run takes a group's
rows from there instead of measuring it again, and refuses to mix groups measured under other settings. A group with
a failed or skipped row is not kept (it runs again). The file is removed once the whole run wrote its results.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Any

from bench import common

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from bench.common import Result

# not settings of what is measured: which cases this invocation runs, and the run's identity
_NOT_SETTINGS = frozenset({"BENCH_CASES", "BENCH_RUN_ID", "BENCH_RESUME"})


def path() -> Path:
    """This run's checkpoint file."""
    return common.RESULTS / f"partial-{common.RUN_ID}.jsonl"


def settings() -> dict[str, str]:
    """The ``BENCH_*`` variables that shape what a row measures."""
    return {key: value for key, value in sorted(os.environ.items())
            if key.startswith("BENCH_") and key not in _NOT_SETTINGS}


def finished(case: str, key: str) -> list[Result] | None:
    """The rows a previous part of this run kept for ``case``/``key``; None when it has none.

    Raises:
        RuntimeError: they were measured under other ``BENCH_*`` settings (one run has one set).
    """
    file = path()
    if not file.exists():
        return None
    found: list[Result] | None = None
    for line in file.read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry["case"] != case or entry["key"] != key:
            continue
        if entry["settings"] != settings():
            raise RuntimeError(f"BENCH_RESUME={common.RUN_ID}: {case} {key} ran with {entry['settings']}, "
                               f"this process has {settings()}: resume with the same BENCH_* settings")
        found = [common.Result(**row) for row in entry["rows"]]
    return found


def keep(case: str, key: str, rows: list[Result]) -> None:
    """Append ``rows`` as ``case``/``key``'s group unless one of them failed or was skipped (a plugin Maven could
    not resolve, say): such a group runs again on resume."""
    if any(row.skipped is not None for row in rows):
        return
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    for row in rows:
        row.extra.setdefault("checkpointed", stamp)
        row.extra.setdefault("machine", common.machine())
    entry: dict[str, Any] = {"case": case, "key": key, "settings": settings(), "rows": [r.as_dict() for r in rows]}
    file = path()
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a") as out:
        out.write(json.dumps(entry) + "\n")


def rows_or_run(case: str, key: str, run: Callable[[], list[Result]]) -> list[Result]:
    """``case``/``key``'s kept rows when this run has them, else ``run()``'s, kept as they come."""
    kept = finished(case, key)
    if kept is not None:
        print(f"   {case} {key}: {len(kept)} row(s) from {path().name}", flush=True)
        return kept
    rows = run()
    keep(case, key, rows)
    return rows


def discard() -> None:
    """The run is whole: its checkpoint file goes."""
    path().unlink(missing_ok=True)

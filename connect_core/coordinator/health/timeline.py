"""A connector's last hour for the status page's charts: records per second by minute, lag samples, failed runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connect_core.storage.run_state import RunPoint

__all__ = ["BUCKET_MS", "WINDOW_MS", "timeline"]

WINDOW_MS = 3_600_000
BUCKET_MS = 60_000
FAILURES_SHOWN = 50  # the newest failed runs marked on the time line


def timeline(runs: list[RunPoint], lags: list[tuple[int, int]], now_ms: int) -> dict[str, Any]:
    """``runs`` and ``lags`` (at, total) of the hour before ``now_ms`` as the page draws them: ``records_per_s`` one
    value per minute (oldest first, the last one the current minute), ``lag`` as [at, total] points, ``failures`` as
    {at_ms, task, error}."""
    start = now_ms - WINDOW_MS
    buckets = WINDOW_MS // BUCKET_MS
    moved = [0] * buckets
    failures: list[dict[str, Any]] = []
    for run in runs:
        if not start <= run.at_ms <= now_ms:
            continue
        moved[min((run.at_ms - start) // BUCKET_MS, buckets - 1)] += run.records
        if not run.ok:
            failures.append({"at_ms": run.at_ms, "task": run.task, "error": run.error})
    return {
        "start_ms": start, "end_ms": now_ms, "bucket_ms": BUCKET_MS,
        "records_per_s": [round(count * 1000 / BUCKET_MS, 3) for count in moved],
        "lag": [[at, total] for at, total in lags if start <= at <= now_ms],
        "failures": failures[-FAILURES_SHOWN:],
    }

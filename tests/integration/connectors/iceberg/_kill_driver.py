"""One sink function invocation, killed (SIGKILL) inside the Iceberg sink: ``before_stage`` (its data files written,
nothing staged) or ``after_stage`` (staged, not committed).

``python -m tests.integration.connectors.iceberg._kill_driver <event.json> <point>`` runs the real handler
(``tests.faults._sink_driver``) with ``_commit.stage`` wrapped; the runtime's own fault points
(``LAMBDA_CONNECT_FAULT``) cover the steps around ``put`` and the flush.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from connect_core.connectors.iceberg import _commit
from tests.faults import _sink_driver

POINTS = ("before_stage", "after_stage")


def main(path: str, point: str) -> None:
    """Arm ``point`` and invoke once."""
    if point not in POINTS:
        raise SystemExit(f"point must be one of {POINTS}")
    real = _commit.stage

    def stage(*args: Any, **kwargs: Any) -> None:
        if point == "before_stage":
            os.kill(os.getpid(), signal.SIGKILL)
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    _commit.stage = stage  # type: ignore[assignment]
    _sink_driver.main(path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""The benchmark cases, in the order of issue 8; each module has ``run(settings) -> list[Result]``."""

from __future__ import annotations

CASES = ("jdbc_source", "sinks", "pipeline", "connect_java", "cold_start", "cost")

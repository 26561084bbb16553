"""Prometheus' text exposition format (0.0.4), as jmx_exporter writes it: ``# HELP``, ``# TYPE``, then the samples."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["CONTENT_TYPE", "Family", "render"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Family:
    """One metric name: its type (``gauge``, ``counter``, ``untyped``), help text and samples (labels, value)."""

    name: str
    type: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> None:
        """One sample."""
        self.samples.append((labels, value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def render(families: list[Family]) -> str:
    """The exposition text; a family without samples is left out (as an MBean attribute nobody registered)."""
    lines: list[str] = []
    for family in families:
        if not family.samples:
            continue
        lines.append(f"# HELP {family.name} {family.help.replace(chr(10), ' ')}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for labels, value in family.samples:
            shown = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            lines.append(f"{family.name}{{{shown}}} {_number(value)}" if shown else f"{family.name} {_number(value)}")
    return "\n".join(lines) + "\n"

"""Deterministic AWS names for a connector: schedules ``<connector>-<task>`` (a mapping sink's idle ticks
``<connector>-idle``), functions ``<prefix><connector>``.

Connector names are free text; AWS names are not (Scheduler: ``[0-9a-zA-Z-_.]{1,64}``, Lambda:
``[a-zA-Z0-9-_]{1,64}``). A name that is already valid and short enough is used as is, so the console reads like the
REST API; otherwise invalid characters become ``_``, the name is shortened, and a hash of the original name is
appended, so two connectors never share a resource.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["function_name", "idle_schedule_name", "schedule_base", "schedule_name", "task_of_schedule"]

NAME_MAX = 64
TASK_SUFFIX_MAX = 6  # "-99999"
_HASH_LEN = 8
_SCHEDULE_INVALID = re.compile(r"[^0-9A-Za-z\-_.]")
_FUNCTION_INVALID = re.compile(r"[^0-9A-Za-z\-_]")


def _fit(name: str, invalid: re.Pattern[str], limit: int, joiner: str) -> str:
    cleaned = invalid.sub("_", name)
    if cleaned == name and 0 < len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_LEN]
    return f"{cleaned[: limit - _HASH_LEN - 1]}{joiner}{digest}"


def schedule_base(connector: str) -> str:
    """The part of every schedule name of this connector before ``-<task>``."""
    return _fit(connector, _SCHEDULE_INVALID, NAME_MAX - TASK_SUFFIX_MAX, ".")


def schedule_name(connector: str, task: int) -> str:
    """The schedule of one source task."""
    return f"{schedule_base(connector)}-{task}"


def idle_schedule_name(connector: str) -> str:
    """The idle-tick schedule beside a mapping sink's function (``runtime/idle_tick.py``)."""
    return f"{schedule_base(connector)}-idle"


def task_of_schedule(connector: str, name: str) -> int | None:
    """The task number when ``name`` is one of this connector's schedules, else None (another connector's)."""
    match = re.fullmatch(re.escape(schedule_base(connector)) + r"-(\d+)", name)
    return int(match.group(1)) if match else None


def function_name(prefix: str, connector: str) -> str:
    """The sink function of a connector."""
    return _fit(prefix + connector, _FUNCTION_INVALID, NAME_MAX, "-")

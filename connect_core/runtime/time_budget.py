"""How long an invocation may keep polling: the Lambda context's remaining time minus a safety margin."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from connect_core.runtime import env

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["remaining_ms"]


def remaining_ms(context: Any) -> Callable[[], float]:
    """A clock of milliseconds left; without a Lambda context (plain calls), a fixed local budget."""
    margin = env.resolve_int(env.SAFETY_MARGIN_MS, env.DEFAULT_SAFETY_MARGIN_MS)
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        return lambda: context.get_remaining_time_in_millis() - margin
    deadline = time.monotonic() * 1000 + env.resolve_int(env.LOCAL_TIME_BUDGET_MS, env.DEFAULT_LOCAL_TIME_BUDGET_MS)
    return lambda: deadline - time.monotonic() * 1000

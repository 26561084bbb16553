"""A function for the warm-process tests of local/function_host.py: it answers with its process id (or dies)."""

from __future__ import annotations

import os
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The process id; ``{"die": true}`` ends the process with code 3 instead."""
    if event.get("die"):
        os._exit(3)
    return {"pid": os.getpid()}

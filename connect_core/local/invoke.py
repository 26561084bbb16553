"""``lambda-connect invoke``: one function, one event, in this process (``sam local invoke`` without Docker)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from connect_core.local.lambda_context import LocalLambdaContext

FUNCTIONS = ("coordinator", "source_task", "sink_task")


def load_handler(function: str) -> Any:
    """``functions/<function>/app.py:handler``; the repository root must be importable."""
    if function not in FUNCTIONS:
        raise SystemExit(f"unknown function {function!r}; choose one of {', '.join(FUNCTIONS)}")
    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"functions.{function}.app").handler


def read_event(source: str) -> Any:
    """An event from a file path, ``-`` for standard input, or inline JSON."""
    if source == "-":
        return json.load(sys.stdin)
    path = Path(source)
    if path.exists():
        return json.loads(path.read_text())
    try:
        return json.loads(source)
    except ValueError as error:
        raise SystemExit(f"event {source!r} is neither a file nor JSON: {error}") from error


def invoke(function: str, event: Any, timeout_s: float = 60.0) -> Any:
    """Call the handler once with a context whose remaining time counts down from ``timeout_s``."""
    handler = load_handler(function)
    return handler(event, LocalLambdaContext(function_name=f"lambda-connect-{function}", timeout_s=timeout_s))

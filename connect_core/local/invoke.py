"""``lambda-connect invoke``: one function of template.yaml, one event, in a child process — what
``sam local invoke`` does, without a container runtime.

The function's Handler, Timeout, MemorySize and Environment (Globals merged) come from template.yaml; the layer is
this checkout's ``connect_core``. Logs go to stderr, the response JSON to stdout; a function error or a timeout
exits non-zero.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["SHORT_NAMES", "invoke_function", "load_handler", "read_event"]

ROOT = Path(__file__).resolve().parents[2]
# The handlers by their folder names, for `up` and for convenience on the command line.
SHORT_NAMES = {
    "coordinator": "CoordinatorFunction", "source_task": "SourceTaskFunction", "sink_task": "SinkTaskFunction",
}


def load_handler(function: str) -> Any:
    """A handler by short name (``functions/<name>/app.py:handler``) or dotted ref (``functions.x.app.handler``)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if function in SHORT_NAMES:
        return importlib.import_module(f"functions.{function}.app").handler
    module, _, attribute = function.rpartition(".")
    if not module:
        raise SystemExit(f"unknown function {function!r}; use a template logical id or one of {', '.join(SHORT_NAMES)}")
    return getattr(importlib.import_module(module), attribute)


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


def invoke_function(
    target: str, event: Any, *, env_vars: dict[str, dict[str, str]] | None = None,
    parameter_overrides: dict[str, str] | None = None, timeout_s: float | None = None,
) -> Any:
    """Invoke ``target`` (a logical id of template.yaml, or a short name) once; FunctionError on failure."""
    from connect_core.local.function_host import FunctionHost
    from connect_core.local.sam_template import function_spec, load_template

    spec = function_spec(SHORT_NAMES.get(target, target), load_template(), parameter_overrides, env_vars)
    env = {**spec.environment, "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id}
    host = FunctionHost(f"{spec.module}.{spec.attribute}", env, log=None, memory_mb=spec.memory_mb)
    try:
        return host.invoke(event, timeout_s if timeout_s is not None else spec.timeout_s)
    finally:
        host.close()

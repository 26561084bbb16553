"""docs/operations.md's metrics table is what the functions emit: names, units, namespace and dimensions."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from connect_core.runtime.run_metrics import METRIC_NAMES, add_run_metrics, emit_lag_metrics
from connect_core.storage.run_state import RunRecord

if TYPE_CHECKING:
    import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "operations.md"


class _Recorder:
    """What a Powertools ``Metrics`` is given."""

    def __init__(self) -> None:
        self.units: dict[str, str] = {}
        self.dimensions: dict[str, str] = {}

    def add_dimension(self, name: str, value: str) -> None:
        self.dimensions[name] = value

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.units[name] = unit


def _table() -> dict[str, str]:
    section = PAGE.read_text().split("## Metrics", 1)[1]
    return dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", section, re.MULTILINE))


def _function_metrics(app: str) -> tuple[str, str]:
    """(namespace, service) of the ``Metrics(...)`` a task function's handler module builds."""
    for node in ast.walk(ast.parse((ROOT / "functions" / app / "app.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Metrics":
            keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            return keywords["namespace"], keywords["service"]
    raise AssertionError(f"functions/{app}/app.py builds no Metrics")


def test_the_table_names_every_metric_with_its_unit(capsys: pytest.CaptureFixture[str]) -> None:
    recorder = _Recorder()
    run = RunRecord(connector="orders", task=2, at_ms=0, kind="sink", ok=False, records=3, dlq=1, duration_ms=5.0)
    add_run_metrics(recorder, run, restarted=True)
    emit_lag_metrics({"orders": 7})
    emitted = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    lag = emitted["_aws"]["CloudWatchMetrics"][0]
    units = {**recorder.units, **{m["Name"]: m["Unit"] for m in lag["Metrics"]}}
    assert _table() == units
    assert set(units) == set(METRIC_NAMES)
    assert recorder.dimensions == {"connector": "orders", "task": "2"}
    assert lag["Namespace"] == "LambdaConnect" and emitted["service"] == "coordinator"


def test_the_task_functions_use_the_namespace_and_services_the_page_names() -> None:
    text = PAGE.read_text()
    assert _function_metrics("source_task") == ("LambdaConnect", "source_task")
    assert _function_metrics("sink_task") == ("LambdaConnect", "sink_task")
    assert "namespace\n`LambdaConnect`, dimensions `service` (`source_task` / `sink_task`)" in text

"""template.yaml as CloudFormation reads it (short-form intrinsics such as ``!Ref`` in their long forms)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"


def load_template() -> dict[str, Any]:
    """A fresh dict of template.yaml (callers may mutate it)."""
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(TEMPLATE.read_text())

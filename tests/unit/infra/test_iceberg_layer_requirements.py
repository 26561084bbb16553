"""The IcebergLayer installs what pyproject.toml's ``iceberg`` extra names (the sink's dependencies, one source)."""

from __future__ import annotations

import tomllib

from tests.unit.infra._template import ROOT


def test_the_iceberg_layer_requirements_are_the_iceberg_extra() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["iceberg"]
    lines = (ROOT / "infra" / "sam" / "iceberg" / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if line.strip() and not line.startswith("#")] == extra

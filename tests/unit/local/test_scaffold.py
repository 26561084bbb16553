"""`lambda-connect new connector`: names, and what the package holds (tests/integration/local/test_scaffold.py runs
the generated tests)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

import pytest

from connect_core.local.cli import main
from connect_core.local.scaffold import ScaffoldError, names, new_connector

if TYPE_CHECKING:
    from pathlib import Path


def test_names_follow_the_package_name() -> None:
    assert names("acme-crm", "sink") == {"dist": "acme-crm", "package": "acme_crm", "Base": "AcmeCrm", "kind": "sink",
                                         "Kind": "Sink", "class_name": "acme_crm.AcmeCrmSinkConnector"}
    assert names("Acme_Source", "source")["Base"] == "Acme"  # the kind is not repeated in class names
    assert names("acme", "source", "com.acme.AcmeSourceConnector")["class_name"] == "com.acme.AcmeSourceConnector"


@pytest.mark.parametrize(("name", "class_name"), [("1acme", None), ("acme crm", None), ("acme", "com..Acme")])
def test_a_name_that_cannot_make_a_package_is_refused(name: str, class_name: str | None) -> None:
    with pytest.raises(ScaffoldError):
        names(name, "sink", class_name)


@pytest.mark.parametrize("kind", ["source", "sink"])
def test_the_package_is_complete_and_every_module_parses(kind: str, tmp_path: Path) -> None:
    root = new_connector("acme", kind, tmp_path)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == ["README.md", "acme/__init__.py", "acme/config.py", "acme/connector.py", "acme/task.py",
                     "pyproject.toml", "tests/conftest.py", "tests/test_connector.py", "tests/test_kafka.py"]
    for path in root.rglob("*.py"):
        ast.parse(path.read_text(), str(path))
        assert "{{" not in path.read_text()
    assert f'"acme.Acme{kind.capitalize()}Connector" = "acme.connector:Acme{kind.capitalize()}Connector"' in \
        (root / "pyproject.toml").read_text()


def test_the_command_refuses_an_existing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "connector", "acme", "--sink", "--directory", str(tmp_path)]) == 0
    assert main(["new", "connector", "acme", "--source", "--directory", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err

"""LocalStack's start path without starting it: the Python 3.13 it needs and the extension version check."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from infra.local import localstack
from infra.local._process import ServiceError

if TYPE_CHECKING:
    from pathlib import Path


def _fake_python(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_the_newest_pyenv_313_is_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.delenv("LAMBDA_CONNECT_LOCALSTACK_PYTHON", raising=False)
    _fake_python(tmp_path / "versions/3.13.0/bin/python3.13")
    newest = _fake_python(tmp_path / "versions/3.13.10/bin/python3.13")
    _fake_python(tmp_path / "versions/3.12.9/bin/python3.12")
    assert localstack.python313() == newest


def test_a_missing_313_fails_naming_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("LAMBDA_CONNECT_LOCALSTACK_PYTHON", raising=False)
    with pytest.raises(ServiceError, match=r"needs Python 3\.13.*pyenv install 3\.13"):
        localstack.python313()


def test_an_explicit_interpreter_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = _fake_python(tmp_path / "elsewhere" / "python3.13")
    monkeypatch.setenv("LAMBDA_CONNECT_LOCALSTACK_PYTHON", chosen)
    assert localstack.python313() == chosen


def test_the_extension_version_comes_from_its_pyproject() -> None:
    version = localstack.extension_version()
    assert len(version) == 3 and all(isinstance(part, int) for part in version)
    assert localstack._parse_version("0.10.2") > localstack._parse_version("0.9.9")
    assert os.path.isfile(localstack.EXTENSION_DIR / "lambda_connect_localstack" / "runtime" / "bootstrap.py")

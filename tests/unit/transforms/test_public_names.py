"""Every transforms module says what it exports, and exports only what it defines."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import connect_core.transforms

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(connect_core.transforms.__path__, "connect_core.transforms.")
)


@pytest.mark.parametrize("name", ["connect_core.transforms", *MODULES])
def test_module_declares_all_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), list), f"{name} has no __all__"
    assert [attr for attr in module.__all__ if not hasattr(module, attr)] == []

"""connect_core/api/lazy_exports.py: a name loads from its module on first access and stays on the package."""

from __future__ import annotations

import sys
import types

import pytest

from connect_core.api.lazy_exports import lazy_exports


def test_a_name_is_imported_on_first_access_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    package = types.ModuleType("lazy_pkg")
    monkeypatch.setitem(sys.modules, "lazy_pkg", package)
    getter = lazy_exports("lazy_pkg", {"dumps": "json", "nothing": "json"})
    package.__getattr__ = getter  # type: ignore[attr-defined]
    import json

    assert package.dumps is json.dumps  # type: ignore[attr-defined]
    assert vars(package)["dumps"] is json.dumps  # kept: the next access is a plain attribute
    with pytest.raises(AttributeError, match="'lazy_pkg' has no attribute 'missing'"):
        getter("missing")
    with pytest.raises(AttributeError):  # exported but absent from its module
        getter("nothing")

"""Packages whose ``__init__`` re-exports lazily (PEP 562): every name resolves to its module's object, and
importing the package loads none of them (cold start)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("connect_core.api", "connect_core.errors", "connect_core.kafka", "connect_core.runtime.config_providers",
        "connect_core.storage", "connect_core.transforms")


@pytest.mark.parametrize("package", LAZY)
def test_every_exported_name_is_its_modules_object(package: str) -> None:
    module = importlib.import_module(package)
    exports: dict[str, str] = getattr(module, "_EXPORTS", {})
    for name in module.__all__:
        value = getattr(module, name)
        if name in exports:
            assert value is getattr(importlib.import_module(exports[name]), name)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_the_function_named_like_its_module_stays_the_function() -> None:
    import connect_core.kafka.read_to_end  # noqa: F401  (importing the module must not replace the function)
    from connect_core.kafka import read_to_end

    assert callable(read_to_end) and read_to_end.__module__ == "connect_core.kafka.read_to_end"


@pytest.mark.parametrize("package", LAZY)
def test_importing_a_package_loads_none_of_its_exports(package: str) -> None:
    script = (f"import json, sys\nimport {package} as p\n"
              "print(json.dumps([m for m in set(p._EXPORTS.values()) if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=60)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []

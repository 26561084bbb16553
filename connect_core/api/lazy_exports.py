"""``lazy_exports``: a package ``__getattr__`` (PEP 562) that imports a re-exported name's module on first use.

A package ``__init__`` that imports every module it re-exports makes importing any one submodule load them all;
a handler's cold start pays only for what its first request uses when the names load on access instead.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: a name of ``exports`` (name -> module) is imported from its module on
    first access and kept on the package; any other name raises ``AttributeError`` as a module does."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__

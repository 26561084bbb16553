"""Kafka Connect's built-in SMTs and the transformation chain.

Modules are imported lazily through ``_registry`` so a function loads only the SMTs its connector uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from connect_core.transforms.chain import TransformationChain, build_chain

__all__ = ["TransformationChain", "build_chain"]

# Each name's module, imported on first access (PEP 562): importing one submodule, or one name, no longer loads
# every module re-exported here (cold start: a handler pays only for what its first request uses).
_EXPORTS: dict[str, str] = {
    "TransformationChain": "connect_core.transforms.chain",
    "build_chain": "connect_core.transforms.chain",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)

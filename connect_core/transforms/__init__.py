"""Kafka Connect's built-in SMTs and the transformation chain.

Modules are imported lazily through ``_registry`` so a function loads only the SMTs its connector uses.
"""

from __future__ import annotations

from connect_core.transforms.chain import TransformationChain, build_chain

__all__ = ["TransformationChain", "build_chain"]

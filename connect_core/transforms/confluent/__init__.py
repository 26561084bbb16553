"""Confluent's ``connect-transforms`` SMTs (``io.confluent.connect.transforms``), from their published documentation
(the jar is on Confluent Hub only, not on Maven Central).

Modules are imported lazily through ``connect_core.transforms._registry``; this package re-exports nothing.
"""

from __future__ import annotations

__all__: list[str] = []

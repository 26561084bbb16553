"""Debezium's SMTs (``io.debezium.transforms``, Debezium 3.7): the envelope unwrap, routers and outbox router.

Modules are imported lazily through ``connect_core.transforms._registry``; this package re-exports nothing.
"""

from __future__ import annotations

__all__: list[str] = []

"""The cyclic garbage collector paused while one batch is processed.

A batch keeps thousands of container objects alive at once (decoded records, converted values, rows): the
collector's allocation thresholds fire many times per batch, each pass finds the batch alive,
promotes it, and the promotions trigger full collections over every long-lived object of the process (clients,
modules, caches), work that finds nothing to free.
Reference counting still frees every acyclic object at once, so pausing costs memory only for cyclic garbage made
during the batch (exceptions with their tracebacks, mostly); it is collected when the pause ends, from the
allocation counts the batch left.

A function's process lives for many batches of the same task; what its modules, clients and task hold is never
garbage, yet every full collection traverses it. ``freeze_when_warm`` collects once at the process's second batch
and freezes what is left (``gc.freeze``): later full collections skip it. Only in a function's process
(``LAMBDA_CONNECT_GC_FREEZE``): a test process runs many tasks in turn, and a frozen cycle is never collected.
"""

from __future__ import annotations

import contextlib
import gc
import os
from typing import TYPE_CHECKING

from connect_core.runtime import env

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["freeze_when_warm", "gc_paused"]

_batches = 0  # batches begun in this process, up to the one that froze
_freezes: bool | None = None  # LAMBDA_CONNECT_GC_FREEZE, read at the first batch


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic collection inside the block; the collector is enabled again after it unless it was off before
    (a caller that disabled it keeps it off; nested or concurrent pauses at worst let a collection run early)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def freeze_when_warm() -> None:
    """Called as each batch begins: at the process's second one (its modules loaded, its clients and task started),
    one full collection, then what survives is frozen; nothing at any other batch, nor where freezing is off."""
    global _batches, _freezes
    if _batches > 1:
        return
    if _freezes is None:
        _freezes = env.resolve_bool(env.GC_FREEZE, env.LAMBDA_FUNCTION_NAME in os.environ)
    _batches += 1
    if _batches == 2 and _freezes:
        gc.collect()
        gc.freeze()

"""The cyclic garbage collector paused while one batch is processed, and frozen once a function's process is warm.

A batch keeps thousands of container objects alive at once: the collector's thresholds fire many times per batch,
each pass promotes the batch, and the promotions trigger full collections over every long-lived object of the
process (clients, modules, caches) that find nothing to free. Reference counting still frees every acyclic object,
so a pause costs memory only for cyclic garbage made during the batch, collected when the pause ends.
``freeze_when_warm``: a function's process (``LAMBDA_CONNECT_GC_FREEZE``) collects once at its second batch and
freezes what survives, so later full collections skip it; a test process, which runs many tasks in turn, never does.
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

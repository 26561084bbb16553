"""The cyclic garbage collector paused while one batch is processed.

A batch keeps thousands of container objects alive at once (decoded records, converted values, rows): the
collector's allocation thresholds fire many times per batch, each pass finds the batch alive,
promotes it, and the promotions trigger full collections over every long-lived object of the process (clients,
modules, caches), work that finds nothing to free.
Reference counting still frees every acyclic object at once, so pausing costs memory only for cyclic garbage made
during the batch (exceptions with their tracebacks, mostly); it is collected when the pause ends, from the
allocation counts the batch left.
"""

from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["gc_paused"]


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

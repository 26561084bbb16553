"""The cyclic garbage collector paused while one batch is processed, and a task's long-lived state frozen.

A batch keeps thousands of container objects alive at once (decoded records, converted values, rows): the
collector's allocation thresholds fire many times per batch, each pass finds the batch alive, promotes it, and the
promotions trigger full collections over every long-lived object of the process (clients, modules, caches), work
that finds nothing to free. Reference counting still frees every acyclic object at once, so pausing costs memory
only for cyclic garbage made during the batch; it is collected when the pause ends. ``freeze_long_lived`` (a task
started) takes what is alive then out of the generations the full collections traverse; ``thaw`` (it stops) hands
it back, so a stopped task's cycles are collected.
"""
from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["freeze_long_lived", "gc_paused", "thaw"]


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


def freeze_long_lived() -> None:
    """``gc.freeze()``: every object alive now leaves the collector's generations (reference counting still frees
    each as ever; only a cycle among them waits for ``thaw``)."""
    gc.freeze()


def thaw() -> None:
    """``gc.unfreeze()``: what ``freeze_long_lived`` moved is collected again (a stopped task's cycles)."""
    gc.unfreeze()

"""glibc's malloc told to keep the memory a batch frees for the next batch: the task functions' ``GLIBC_TUNABLES``.

A task handles a batch at a time: its records, structs, lines and bodies (megabytes) are allocated, then freed
together. By default glibc gives the top of its heap back to the kernel whenever more than 128 KiB is free there
(``trim_threshold``), and serves blocks above a threshold that starts at 128 KiB (a Lambda event's text, a file's
body) with an ``mmap`` of their own, unmapped when freed; either way the next batch faults the same pages in again,
zeroed by the kernel. With these values they stay and are reused: the process keeps its peak, which a function's
memory setting reserves anyway. glibc reads the variable when a process starts, so it is set in the functions'
environment (``template.yaml``'s ``Globals``, which ``lambda-connect up`` applies too) and in the bench's case
processes, which run ours as a function's process does; elsewhere (musl, macOS) it means nothing.
"""

from __future__ import annotations

__all__ = ["TUNABLES"]

# env.GLIBC_TUNABLES' value. trim_threshold 256 MiB: free memory at the heap's top is kept up to that;
# mmap_threshold 32 MiB (glibc's largest): smaller blocks come from the heap
TUNABLES = "glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432"

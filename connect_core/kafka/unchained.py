"""Client calls made while an exception is handled (an abort, a purge after a failed transaction), without leaking it.

confluent-kafka's ``KafkaError`` type is flagged as an exception (``Py_TPFLAGS_BASE_EXC_SUBCLASS``) without being
one, and a failed call raises ``KafkaException`` from a ``KafkaError`` it never releases. A call that fails inside an
``except`` clause so makes CPython chain the handled exception as that ``KafkaError``'s context: a reference nothing
frees and the garbage collector cannot see. The handled exception's traceback keeps its frames, and the frames the
clients they held: a warm container fenced again and again kept a producer (a librdkafka handle, its threads and one
of the process's 1,024 thread-local storage keys) per fencing. ``unchained`` makes the call with a fresh exception
handled instead, one that holds nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["unchained"]

T = TypeVar("T")


class _Unchained(Exception):
    """The exception handled while ``unchained`` calls: what a failed call chains instead of the real one."""


def unchained(call: Callable[[], T]) -> T:
    """``call()``, with a bare exception as the one being handled (never the caller's, nor its frames): inside it,
    ``sys.exc_info()`` and ``log.exception`` outside an ``except`` clause of its own see that bare one."""
    try:
        raise _Unchained
    except _Unchained as handled:
        handled.__context__ = None  # the caller's handled exception, chained when this one was raised
        handled.__traceback__ = None  # this frame, with ``call`` and what it closes over
        del handled
        return call()

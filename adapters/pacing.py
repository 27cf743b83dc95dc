"""Pacing each request an adapter sends, when one hub call sends several.

The hub paces a call to an adapter (a listing, a batch of writes) before making it
(:mod:`hub.round.calls`). An adapter whose call may send more than one request (Google
Calendar: a listing's pages, the reads a batch of patches depends on and then the batch)
sets :attr:`adapters.contract.RequestBudget.per_request` and wraps each request in
:func:`paced`: while the hub runs the call, :data:`PACER` holds the hub's pacing for that
endpoint, which waits for room in the budget for that request's calls (a hold, the request
budget, a shutdown) and counts them from its answer. Outside the hub (tests, ``synchub
check``) nothing is set and nothing waits. A context variable, so each thread (a daemon's
flows) sees only its own round's pacing. Depends on nothing else in synchub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: the hub's pacing for the adapter call running now: given one request's calls, it waits
#: their turn and returns what to call once the request is answered
PACER: ContextVar[Callable[[int], Callable[[], None]] | None] = ContextVar(
    "synchub_pacer", default=None)


@contextmanager
def paced(calls: int = 1) -> Iterator[None]:
    """Around one request of ``calls`` calls (a batch's parts, else 1)."""
    pacer = PACER.get()
    if pacer is None:
        yield
        return
    answered = pacer(calls)
    try:
        yield
    finally:
        answered()

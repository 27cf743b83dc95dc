"""How a sync round ended: one vocabulary for the engine, the daemon and the CLI.

A leaf module (it imports nothing of synchub), so everything can import it without cycles.
A :class:`RoundStatus` is a ``str``: it compares equal to its value, stored run rows keep
their text, and callers comparing with strings keep working.
"""

from __future__ import annotations

from enum import StrEnum


class RoundStatus(StrEnum):
    OK = "ok"  # every write done, every endpoint listed
    PARTIAL = "partial"  # applied, but some listing or write failed, or an item was set aside
    FAILED = "failed"  # nothing planned: a first sync needs every endpoint to answer
    REFUSED = "refused"  # the mass-change guard refused the plan (--force overrides)
    DRY_RUN = "dry-run"  # planned only (``synchub plan``)
    INTERRUPTED = "interrupted"  # a shutdown stopped it between links; cursors not committed
    CRASHED = "crashed"  # a bug escaped; the run row is closed before it propagates
    BUSY = "busy"  # daemon: skipped, another process was writing the flow
    LEASED_ELSEWHERE = "leased elsewhere"  # daemon: another replica holds the flow

    @property
    def applied(self) -> bool:
        """Whether the round's plan was applied in full."""
        return self in (RoundStatus.OK, RoundStatus.PARTIAL)

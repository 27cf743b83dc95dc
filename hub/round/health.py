"""Each endpoint's health after a round: what failed, since when, and what happens next.

A round's report says what went wrong *this* round; people ask "since when, and will it fix
itself?". So after every round (not a dry run) each endpoint of the flow gets a
:class:`~hub.store.base.HealthRecord` in the state store: ``synchub status`` (another
process), the daemon's status page, ``/status.json`` and ``/metrics`` read it, and
:mod:`hub.notify` tells people when a failure lasts. Only failures of the *service* count
here (it did not answer, refused our credentials, kept asking us to slow down); an item the
service refuses for good is the quarantine's (P14) and is shown per item, with its title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from hub.errors import AuthError, RateLimited, SyncHubError, Transient
from hub.store.base import HealthRecord, QuarantineKind, QuarantineRecord, Store

#: failures that say the service itself is in trouble, not one item
SERVICE_FAILURES = (Transient, RateLimited, AuthError)


def failures(errors: Iterable[tuple[str, SyncHubError]], unreachable: Iterable[str],
             endpoints: Iterable[str]) -> dict[str, str]:
    """Endpoint -> the service's own message of its latest failure this round."""
    names = set(endpoints)
    out: dict[str, str] = {}
    down = set(unreachable)
    for svc, err in errors:
        if svc in names and (svc in down or isinstance(err, SERVICE_FAILURES)):
            out[svc] = err.message
    for svc in down & names:
        out.setdefault(svc, "did not answer")
    return out


def next_health(prev: HealthRecord | None, flow: str, endpoint: str, failure: str | None,
                now: dt.datetime, next_round: dt.datetime) -> HealthRecord:
    """The record after a round in which ``endpoint`` failed with ``failure`` (None: it
    answered). A failure keeps the streak's start; a success ends the streak but keeps the
    last error and its time, so the status still says when and why it last failed."""
    prev = prev or HealthRecord(flow, endpoint, ok=True)
    if failure is None:
        return replace(prev, ok=True, since=None, failures=0, last_success=now,
                       next_try=None)
    since = prev.since if not prev.ok and prev.since is not None else now
    return replace(prev, ok=False, error=failure, since=since, last_failure=now,
                   failures=prev.failures + 1, next_try=next_round)


def record(store: Store, flow: str, endpoints: Iterable[str], found: Mapping[str, str],
           now: dt.datetime, interval: dt.timedelta) -> list[HealthRecord]:
    """Store every endpoint's record after a round; returns them."""
    prev = {h.endpoint: h for h in store.health(flow)}
    names = list(endpoints)
    out = [next_health(prev.get(ep), flow, ep, found.get(ep), now, now + interval)
           for ep in names]
    # an endpoint no longer in the flow (removed, renamed) fails no more: its incident ends
    # and its last success is now, so no alert on it stays on for ever
    gone = [next_health(h, flow, ep, None, now, now) for ep, h in prev.items()
            if ep not in names and not h.ok]
    with store.transaction() as tx:
        for h in (*out, *gone):
            tx.put_health(h)
    return out


# -- what people are shown ------------------------------------------------------------------


def _clock(when: dt.datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else "?"


def service_next(h: HealthRecord) -> str:
    """What synchub does next about a failing endpoint."""
    if h.ok:
        return "nothing: it answers"
    return f"retries next round (about {_clock(h.next_try)})"


def item_next(q: QuarantineRecord) -> str:
    """What synchub does next about an item set aside."""
    if q.kind is QuarantineKind.AMBIGUOUS:
        return "held back until its match key is unique (rename one of the items)"
    return f"item set aside, next try at {_clock(q.next_try)} (at once when it changes)"


def health_json(h: HealthRecord) -> dict[str, Any]:
    """One endpoint's record as ``synchub status --json`` and ``/status.json`` show it."""
    return {"service": h.endpoint, "state": "ok" if h.ok else "failing",
            "last_error": h.error,
            "last_failure": h.last_failure.isoformat() if h.last_failure else None,
            "failing_since": h.since.isoformat() if h.since else None,
            "failed_rounds": h.failures,
            "last_success": h.last_success.isoformat() if h.last_success else None,
            "next": service_next(h)}


def conflicts_next(open_conflicts: int) -> str:
    return ("" if not open_conflicts else
            f"{open_conflicts} waiting for manual conflict resolution (synchub conflicts)")


def last_error(records: Iterable[HealthRecord]) -> str:
    """The failing services of a flow in one line (the status page's "Last error")."""
    return "; ".join(f"{h.endpoint}: {h.error} (failing since {_clock(h.since)}; "
                     f"{service_next(h)})" for h in records if not h.ok)

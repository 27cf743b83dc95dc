"""What is wrong in a flow right now, read from the state store after a round.

Each :class:`Condition` is one thing a person may need to hear about, keyed so the same
trouble has the same key round after round (that is what makes one message per incident,
not one per round): a failing endpoint, the manual conflict queue, a mass-change refusal,
each item set aside. Everything comes from the store, not from the round's report, so
``synchub sync`` from cron sees what the daemon saw and the other way round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.config.notify import NotifyEvent
from hub.round.health import item_next, service_next
from hub.status import RoundStatus
from hub.store.base import QuarantineKind, Store


@dataclass(frozen=True)
class Condition:
    key: str  # ``kind:flow:subject``: the same trouble, the same key
    flow: str
    kind: NotifyEvent
    subject: str
    text: str  # what a message says about it
    since: dt.datetime


def _clock(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def failing(flow: str, store: Store) -> list[Condition]:
    return [Condition(f"failing:{flow}:{h.endpoint}", flow, NotifyEvent.FAILING, h.endpoint,
                      f"{h.endpoint} is failing in flow {flow} since {_clock(h.since)} "
                      f"({h.failures} rounds): {h.error}. synchub {service_next(h)}.",
                      h.since)
            for h in store.health(flow) if not h.ok and h.since is not None]


def conflicts(flow: str, store: Store, now: dt.datetime) -> list[Condition]:
    waiting = store.conflicts(flow)
    if not waiting:
        return []
    since = min((c.created_at for c in waiting if c.created_at), default=now)
    return [Condition(f"conflicts:{flow}:", flow, NotifyEvent.CONFLICTS, "",
                      f"{len(waiting)} conflicting edits in flow {flow} wait for manual "
                      "conflict resolution: run `synchub conflicts`.", since)]


def poison(flow: str, store: Store, now: dt.datetime) -> list[Condition]:
    return [Condition(f"poison:{flow}:{q.endpoint}:{q.ref}", flow, NotifyEvent.POISON,
                      f"{q.endpoint}:{q.ref}",
                      f"{q.title!r} ({q.endpoint} {q.ref}) in flow {flow}: {q.reason}; "
                      f"{item_next(q)}.", q.first_seen or now)
            for q in store.quarantined(flow) if q.kind is not QuarantineKind.AMBIGUOUS]


def mass_change(flow: str, status: str, error: str | None, now: dt.datetime
                ) -> list[Condition]:
    if status != RoundStatus.REFUSED:
        return []
    return [Condition(f"mass_change:{flow}:", flow, NotifyEvent.MASS_CHANGE, "",
                      f"flow {flow} is stopped by the mass-change guard: {error or ''} "
                      "Check with `synchub plan`, then run `synchub sync --force`.", now)]


def current(flow: str, store: Store, status: str, error: str | None, now: dt.datetime
            ) -> tuple[list[Condition], set[NotifyEvent]]:
    """The conditions of ``flow`` after a round that ended with ``status``, and the kinds
    this round cannot judge (a round that failed or was interrupted before its plan says
    nothing about the mass-change guard: its incident stays as it was)."""
    found = failing(flow, store) + conflicts(flow, store, now) + poison(flow, store, now) \
        + mass_change(flow, status, error, now)
    judged = status in (RoundStatus.OK, RoundStatus.PARTIAL, RoundStatus.REFUSED)
    return found, set() if judged else {NotifyEvent.MASS_CHANGE}

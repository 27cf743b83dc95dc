"""Deciding who is told what (pure: no I/O, no clock): one message when an incident starts,
one when it is over, never one per round.

An incident starts when its condition appears (a failing service only once it has failed
for ``after``: a blip the next round gets past is not worth a message) and is over when the
condition is gone. Each target is told of a start once (``announced``) and, if it was told
of the start, of the end once (``closed``). A target is sent at most one message per its
``min_interval``; what happens meanwhile waits for the next decision after it and goes in
one message. All of this is state in the store, so the process that decides next (the
daemon, or the next ``synchub sync`` from cron) carries on where the last one stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hub.config.notify import NotifyConfig, NotifyEvent
from hub.notify.events import Condition
from hub.store.base import Incident


@dataclass(frozen=True)
class Outgoing:
    """One message to one target: the incidents that started and those that are over."""

    target: str
    started: tuple[Incident, ...]
    recovered: tuple[Incident, ...]


@dataclass
class Decision:
    put: dict[str, Incident] = field(default_factory=dict)  # incidents to store
    drop: list[str] = field(default_factory=list)  # incidents over and told to everyone
    send: list[Outgoing] = field(default_factory=list)


def _opened(c: Condition, row: Incident | None) -> Incident:
    """The incident of a present condition: new, reopened (it was over, and some target
    may not have heard yet) or as it was, with the condition's latest text."""
    if row is None:
        return Incident(c.key, c.flow, c.kind.value, c.subject, c.text, c.since)
    if row.recovered_at is not None:
        return replace(row, text=c.text, recovered_at=None, announced=row.announced - row.closed,
                       closed=frozenset())
    return replace(row, text=c.text)


def track(flow: str, found: Iterable[Condition], unjudged: set[NotifyEvent],
          rows: Iterable[Incident], now: dt.datetime) -> dict[str, Incident]:
    """The flow's incidents after this round: present conditions open, absent ones over."""
    mine = {r.key: r for r in rows if r.flow == flow}
    out = {c.key: _opened(c, mine.get(c.key)) for c in found}
    for key, row in mine.items():
        if key not in out:
            gone = row.recovered_at is None and NotifyEvent(row.kind) not in unjudged
            out[key] = replace(row, recovered_at=now) if gone else row
    return out


def _due(row: Incident, cfg: NotifyConfig, now: dt.datetime) -> bool:
    if row.kind == NotifyEvent.FAILING:
        return now - row.opened_at >= cfg.after
    return True


def _wants(target: object, row: Incident) -> bool:
    flows = getattr(target, "flows", None)
    return flows is None or row.flow in flows


def _starts(name: str, target: Any, rows: Mapping[str, Incident], cfg: NotifyConfig,
            now: dt.datetime) -> list[Incident]:
    """Incidents under way that ``target`` wants and has not been told of yet."""
    return [r for r in rows.values() if r.recovered_at is None and _wants(target, r)
            and NotifyEvent(r.kind) in target.events and name not in r.announced
            and _due(r, cfg, now)]


def _ends(name: str, rows: Mapping[str, Incident]) -> list[Incident]:
    """Incidents over that ``target`` was told of and not yet told are over."""
    return [r for r in rows.values() if r.recovered_at is not None
            and name in r.announced and name not in r.closed]


def _mark(rows: dict[str, Incident], done: Iterable[Incident], name: str, *,
          closed: bool) -> None:
    for r in done:
        rows[r.key] = replace(r, closed=r.closed | {name}) if closed else \
            replace(r, announced=r.announced | {name})


def decide(rows: Mapping[str, Incident], cfg: NotifyConfig, notified: Mapping[str, dt.datetime],
           now: dt.datetime) -> Decision:
    """What to send and store, given the flow's incidents (from :func:`track`)."""
    rows = dict(rows)
    d = Decision()
    for name, target in sorted(cfg.targets.items()):
        last = notified.get(name)
        if last is not None and now - last < target.min_interval:
            continue  # told recently: what is new waits for the next decision
        starts, ends = _starts(name, target, rows, cfg, now), _ends(name, rows)
        if NotifyEvent.RECOVERED not in target.events:  # over without a word to this one
            _mark(rows, ends, name, closed=True)
            ends = []
        if starts or ends:
            d.send.append(Outgoing(name, tuple(starts), tuple(ends)))
            _mark(rows, starts, name, closed=False)
            _mark(rows, ends, name, closed=True)
    for key, row in rows.items():
        told = row.announced & set(cfg.targets)
        if row.recovered_at is not None and told <= row.closed:
            d.drop.append(key)
        else:
            d.put[key] = row
    return d

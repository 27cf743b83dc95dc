"""What ``synchub undo RUN`` writes: pure, from the run's history and the copies as they are.

Per write of the run (:class:`hub.store.base.WriteRecord`), compared with the copy as its
service holds it now (read through the adapter just before):

==========  =============================================================================
the run     the undo
==========  =============================================================================
updated     writes back each field's old value, where the copy still holds what the run
            wrote (as the service represents it); a field edited since is left as is
created     deletes the copy (closes it, status cancelled, where the service cannot
            delete), unless a person edited it since; the link keeps no copy there
deleted     re-creates the copy from its last observed content, where the link has none
            there again and the endpoint can be written
==========  =============================================================================

An update is also put back on the copy *it came from*: a copy the run did not write that
holds the value the run wrote (the edit a person made there, which the run copied). Left
alone, that copy would make the next sync copy the change out again, and the undo would
last one round. So after an undo every copy holds the value from before the run, the link
agrees on it, and the next sync is quiet. A created item's original is kept: the copies'
endpoints are marked *detached* on the link instead, so they are not created again.

The plan is data (:class:`UndoPlan`); :func:`link_plans` turns it into the executor's
:class:`hub.planner.types.LinkPlan` for a given undo run, so the undo's writes are journalled,
recorded and committed like a round's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from adapters.base import WriteKind
from hub.history.record import dump
from hub.history.values import canonical, item_of, show
from hub.model import Item, Status, StatusKind
from hub.planner.types import LinkPlan, Write
from hub.store.base import IntentState, LinkState, Provenance, WriteRecord


@dataclass(frozen=True)
class Target:
    """What the undo needs to know of an endpoint of the flow."""

    name: str
    fields: frozenset[str]
    writable: bool = True
    can_delete: bool = True
    represent: Callable[[str, Any], Any] = lambda _f, v: v


@dataclass(frozen=True)
class Now:
    """A copy as read just before the undo: ``item`` None when it is gone; ``error`` when it
    could not be read (then nothing is written to it)."""

    item: Item | None
    version: str | None = None
    error: str | None = None
    #: comments people wrote on it (not copies synchub made): a created copy that has
    #: some is not deleted by an undo, or they would be lost (found in review)
    people_comments: int = 0


@dataclass(frozen=True)
class Change:
    field: str
    now: Any  # JSON: what the copy holds now
    back: Any  # JSON: what the undo writes


@dataclass(frozen=True)
class Skip:
    field: str  # "" for the whole copy
    reason: str


@dataclass(frozen=True)
class Step:
    """What the undo does to one copy (``action`` empty: nothing, see ``skipped``)."""

    link_id: str
    endpoint: str
    ref: str | None
    title: str
    action: str  # "update" | "delete" | "close" | "create" | ""
    key: str  # what the undo's idempotency key is made from
    changes: tuple[Change, ...] = ()
    skipped: tuple[Skip, ...] = ()
    note: str = ""
    current: Item | None = None
    version: str | None = None

    @property
    def writes(self) -> bool:
        return bool(self.action) and (self.action != "update" or bool(self.changes))


@dataclass(frozen=True)
class UndoPlan:
    flow: str
    run_id: int
    steps: tuple[Step, ...]
    links: Mapping[str, LinkState] = field(default_factory=dict)  # the affected ones now

    @property
    def writes(self) -> list[Step]:
        return [s for s in self.steps if s.writes]

    @property
    def skipped(self) -> list[tuple[Step, Skip]]:
        return [(s, k) for s in self.steps for k in s.skipped]


def plan_undo(flow: str, run_id: int, records: Collection[WriteRecord],
              links: Mapping[str, LinkState], reads: Mapping[tuple[str, str], Now],
              targets: Mapping[str, Target]) -> UndoPlan:
    """The undo of run ``run_id``'s writes that landed (see the module docstring)."""
    landed = [r for r in records if r.state is IntentState.DONE and (r.before or r.after)]
    steps: list[Step] = []
    for lid in dict.fromkeys(r.link_id for r in landed):
        steps.extend(_link_steps([r for r in landed if r.link_id == lid], links.get(lid),
                                 reads, targets))
    affected = {s.link_id: links[s.link_id] for s in steps if s.link_id in links}
    return UndoPlan(flow=flow, run_id=run_id, steps=tuple(steps), links=affected)


def _link_steps(mine: list[WriteRecord], link: LinkState | None,
                reads: Mapping[tuple[str, str], Now], targets: Mapping[str, Target]
                ) -> list[Step]:
    """The steps undoing one link's writes."""
    updates = _agreeing([_update(r, reads, targets) for r in mine
                         if r.kind == WriteKind.UPDATE])
    steps = list(_with_sources(updates, mine, link, reads, targets))
    steps.extend(_create(r, reads, targets) for r in mine if r.kind == WriteKind.CREATE)
    steps.extend(_delete(r, link, targets) for r in mine if r.kind == WriteKind.DELETE)
    return steps


def _unusable(r: WriteRecord, reads: Mapping[tuple[str, str], Now],
              targets: Mapping[str, Target]) -> str | None:
    """Why the copy ``r`` wrote cannot be undone at all, or None."""
    t = targets.get(r.endpoint)
    if t is None:
        return f"{r.endpoint} is no longer an endpoint of the flow"
    now = reads.get((r.endpoint, r.ref or ""))
    if now is None or now.error:
        return f"cannot be read now ({now.error if now else 'never created'})"
    if now.item is None:
        return "the copy no longer exists"
    if not t.writable:
        return f"{r.endpoint} is read-only"
    return None


def _holds(t: Target, now: Item, name: str, value: Any) -> bool:
    """Whether ``now`` still holds the recorded ``value`` of ``name`` as the service keeps it."""
    return bool(getattr(now, name) == t.represent(name, canonical(name, value)))


def _edited(name: str, now: Item, wrote: Any) -> Skip:
    return Skip(name, f"edited since: it now holds {show(name, dump(now, [name])[name])!r}, "
                      f"the run wrote {show(name, wrote)!r}")


def _update(r: WriteRecord, reads: Mapping[tuple[str, str], Now],
            targets: Mapping[str, Target]) -> Step:
    step = Step(r.link_id, r.endpoint, r.ref, r.title, "", r.key)
    why = _unusable(r, reads, targets)
    if why is not None:
        return replace(step, skipped=tuple(Skip(f, why) for f in r.after))
    now = reads[(r.endpoint, r.ref or "")]
    assert now.item is not None
    t = targets[r.endpoint]
    changes, skipped = [], []
    for name, wrote in r.after.items():
        if _holds(t, now.item, name, wrote):
            changes.append(Change(name, dump(now.item, [name])[name], r.before.get(name)))
        else:
            skipped.append(_edited(name, now.item, wrote))
    return replace(step, action="update", changes=tuple(changes), skipped=tuple(skipped),
                   current=now.item, version=now.version)


#: why a field is not put back when the copies held different values before the run
SETTLED_NOTE = ("the copies held different values before the run (it settled a conflict): "
                "left as the run made it, the same everywhere; set it by hand if need be")


def _agreeing(updates: list[Step]) -> list[Step]:
    """The updates without the fields whose values before the run differed between copies:
    putting each copy's own back would leave the link split, and the next sync would pick
    one of them over a person's edit (found in review)."""
    backs: dict[str, set[str]] = {}
    for st in updates:
        for c in st.changes:
            backs.setdefault(c.field, set()).add(json.dumps(c.back, sort_keys=True))
    split = {f for f, values in backs.items() if len(values) > 1}
    if not split:
        return updates
    return [replace(st, changes=tuple(c for c in st.changes if c.field not in split),
                    skipped=st.skipped + tuple(Skip(c.field, SETTLED_NOTE)
                                               for c in st.changes if c.field in split))
            for st in updates]


#: why a copy the run did not write is put back too (see the module docstring)
SOURCE_NOTE = "where the change came from: left as is, the next sync would copy it again"


def _with_sources(updates: list[Step], records: list[WriteRecord], link: LinkState | None,
                  reads: Mapping[tuple[str, str], Now], targets: Mapping[str, Target]
                  ) -> Iterator[Step]:
    """The update steps, each copy's extended with the fields whose change came from it."""
    undone = {c.field: c.back for s in updates for c in s.changes}
    if link is None or not undone:
        yield from updates
        return
    wrote = _written(records, undone)
    run_id = records[0].run_id if records else None
    by_endpoint = {s.endpoint: s for s in updates}
    for ep, copy in link.copies.items():
        t, now = targets.get(ep), reads.get((ep, copy.ref))
        if t is None or not t.writable or now is None or now.item is None:
            continue
        own = by_endpoint.get(ep)
        extra = _source_changes(t, now.item, own, _came_from(link, ep, wrote, run_id),
                                undone)
        if extra:
            by_endpoint[ep] = (replace(own, changes=own.changes + extra) if own else Step(
                link.link_id, ep, copy.ref, copy.snapshot.title or link.base.title, "update",
                f"{link.link_id}:{ep}:source", changes=extra, note=SOURCE_NOTE,
                current=now.item, version=now.version))
    yield from by_endpoint.values()


def _came_from(link: LinkState, ep: str, wrote: Mapping[str, Any], run_id: int | None
               ) -> dict[str, Any]:
    """The fields of ``wrote`` whose value this run took from ``ep`` (the link's provenance):
    a copy merely holding the same value (a roll's reopened copy, a conflict's other side)
    is no source and is not put back (found in review)."""
    out = {}
    for name, value in wrote.items():
        prov = link.provenance.get(name)
        if prov is not None and prov.run_id == run_id and prov.endpoint == ep:
            out[name] = value
    return out


def _written(records: list[WriteRecord], undone: Mapping[str, Any]) -> dict[str, Any]:
    """field -> the value the run's updates wrote, for the fields being put back."""
    return {name: value for r in records if r.kind == WriteKind.UPDATE
            for name, value in r.after.items() if name in undone}


def _source_changes(t: Target, now: Item, own: Step | None, wrote: Mapping[str, Any],
                    undone: Mapping[str, Any]) -> tuple[Change, ...]:
    """The fields a copy holds as the run wrote them elsewhere without the run writing them
    there (its own edit, copied out): put back to ``undone``'s values."""
    done = {c.field for c in own.changes} | {k.field for k in own.skipped} if own else set()
    return tuple(Change(name, dump(now, [name])[name], undone[name])
                 for name, value in wrote.items()
                 if name in t.fields and name not in done and _holds(t, now, name, value))


def _create(r: WriteRecord, reads: Mapping[tuple[str, str], Now],
            targets: Mapping[str, Target]) -> Step:
    step = Step(r.link_id, r.endpoint, r.ref, r.title, "", r.key)
    why = _unusable(r, reads, targets)
    if why is not None:
        return replace(step, skipped=(Skip("", why),))
    now = reads[(r.endpoint, r.ref or "")]
    assert now.item is not None
    t = targets[r.endpoint]
    edited = tuple(_edited(name, now.item, value) for name, value in r.after.items()
                   if name in t.fields and not _holds(t, now.item, name, value))
    if edited:
        return replace(step, skipped=(*edited, Skip("", "edited since the run: not deleted")))
    if now.people_comments:
        return replace(step, skipped=(Skip("", f"{now.people_comments} comment(s) written on "
                                           "it since the run: not deleted, so they are not "
                                           "lost (delete it by hand if you mean to)"),))
    step = replace(step, current=now.item, version=now.version)
    if t.can_delete:
        return replace(step, action="delete")
    if "status" in t.fields:
        return replace(step, action="close", note=f"{r.endpoint} cannot delete: closed instead",
                       changes=(Change("status", dump(now.item, ["status"])["status"],
                                       {"kind": StatusKind.CANCELLED.value}),))
    return replace(step, skipped=(Skip("", f"{r.endpoint} can neither delete nor close it"),))


def _delete(r: WriteRecord, link: LinkState | None, targets: Mapping[str, Target]) -> Step:
    step = Step(r.link_id, r.endpoint, None, r.title, "", r.key)
    t = targets.get(r.endpoint)
    if t is None or not t.writable:
        return replace(step, skipped=(Skip("", f"{r.endpoint} cannot be written now"),))
    if link is not None and r.endpoint in link.copies:
        return replace(step, skipped=(Skip("", "the item has a copy there again"),))
    values = {k: v for k, v in r.before.items() if k in t.fields}
    return replace(step, action="create", current=item_of(values),
                   changes=tuple(Change(k, None, v) for k, v in values.items()
                                 if show(k, v) != "—"))


# -- what the executor carries out ------------------------------------------------------------

def _restored(steps: list[Step]) -> dict[str, Any]:
    """field -> canonical value the undo puts back on the link (its updates)."""
    return {c.field: canonical(c.field, c.back) for s in steps if s.action == "update"
            for c in s.changes}


def _write(s: Step, key: str, origin: str) -> Write:
    if s.action == "delete":
        return Write(WriteKind.DELETE, s.endpoint, key, ref=s.ref, expected_version=s.version)
    assert s.current is not None
    if s.action == "create":
        return Write(WriteKind.CREATE, s.endpoint, key, item=s.current, origin=origin)
    values = {c.field: canonical(c.field, c.back) for c in s.changes}
    if s.action == "close":
        values = {"status": Status(kind=StatusKind.CANCELLED)}
    return Write(WriteKind.UPDATE, s.endpoint, key, ref=s.ref, item=s.current.evolve(**values),
                 fields=frozenset(values), expected_version=s.version)


def _interim(lid: str, flow: str, link: LinkState | None, steps: list[Step],
             endpoints: Collection[str], prov: Provenance) -> LinkState:
    """The link as the undo starts writing it: copies as read now, the restored values
    agreed. Endpoints it re-creates copies on stay *detached* until the undo has finished
    (:func:`attached`): should it die midway, the next sync neither re-creates them itself
    nor takes the link for one still to complete; running the undo again finishes it."""
    if link is None:
        first = next(s.current for s in steps if s.current is not None)
        assert first is not None
        return LinkState(flow, lid, first, {}, {}, frozenset(endpoints))
    copies = {ep: replace(c, snapshot=s.current, version=s.version)
              for ep, c in link.copies.items()
              for s in steps if s.endpoint == ep and s.current is not None}
    restored = _restored(steps)
    recreates = any(s.action == "create" for s in steps)
    return replace(link, base=link.base.evolve(**restored) if restored else link.base,
                   copies={**link.copies, **copies}, deleting=link.deleting and not recreates,
                   provenance={**link.provenance, **{f: prov for f in restored}})


def attached(link: LinkState) -> LinkState:
    """``link`` once an undo is done: no endpoint holding a copy is detached any more."""
    return replace(link, detached=link.detached - set(link.copies))


def link_plans(plan: UndoPlan, undo_run: int, endpoints: Collection[str],
               now: dt.datetime) -> list[LinkPlan]:
    """The executor's plans for carrying ``plan`` out as run ``undo_run`` (``endpoints``:
    the flow's, for a link the undo forms again)."""
    prov = Provenance(endpoint="", run_id=undo_run, rule=f"undo of run {plan.run_id}", at=now)
    out = []
    for lid in dict.fromkeys(s.link_id for s in plan.writes):
        steps = [s for s in plan.writes if s.link_id == lid]
        link = plan.links.get(lid)
        interim = _interim(lid, plan.flow, link, steps, endpoints, prov)
        writes = tuple(_write(s, f"undo{undo_run}:{s.key}", lid) for s in steps)
        out.append(LinkPlan(link_id=lid, before=link, interim=interim, writes=writes,
                            reasons=(f"undo of run {plan.run_id}",)))
    return out

"""Recurring items: one occurrence completed on a copy. Pure.

A link whose agreed item recurs (a rule and a current occurrence, its ``due`` or its span's
start) and was open, and whose merge made it ``done`` this round, had *one occurrence*
completed. Left to the plain merge, "done" would flow everywhere and the next round would
bring back whatever a recurring service made of it (Todoist moves the task on, open again),
reopening the copy that was completed. Instead, by the flow's ``recurring.on_complete``:

- ``roll`` (default): the item moves to the rule's next occurrence (:func:`hub.recurrence.roll`)
  and stays open everywhere, the completed copy included (reopened with the next date: its
  history shows the occurrence done). A copy in a service that recurs itself (Todoist) is
  told "one occurrence done" (``Write.occurrence_done``: Todoist's ``item_close``);
- ``spawn``: as ``roll``, except that a done copy in a service that cannot hold the rule
  (Jira, Notion) stays done and leaves the link, and the next occurrence is created there as
  a new copy of the same link.

No occurrence left (``COUNT`` used up, ``UNTIL`` passed): the item is done for good, as the
plain merge says (Todoist's ``item_complete``).

A *series* endpoint (a calendar: the event is the whole series from its ``DTSTART``) is never
moved by a roll: it holds the item while its series still describes it
(:func:`hub.recurrence.continues`), so past occurrences stay on the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub import recurrence
from hub.config.models import FlowConfig, OccurrenceDone
from hub.model import Item, StatusKind
from hub.planner.types import EndpointView

#: the fields a roll moves
ROLLED = ("status", "due", "span", "recurrence")
SERIES_FIELDS = frozenset({"due", "span", "recurrence"})


def anchor(item: Item) -> recurrence.Moment | None:
    """The item's current occurrence: its due, else its span's start."""
    if item.due is not None:
        return item.due
    return item.span.start if item.span is not None else None


def series_form(view: EndpointView, item: Item) -> Item:
    """The item as a series endpoint is to hold it: a recurring item closed for good (done,
    cancelled) with occurrences still ahead is a series that ends at its current
    occurrence (:func:`hub.recurrence.ended`), so the calendar stops showing occurrences of
    work that is over and keeps its past ones. The link keeps the rule itself: reopened,
    the series goes on. Any other item, or endpoint, as it is."""
    if not view.series or item.recurrence is None or not item.status.kind.closed:
        return item
    at = anchor(item)
    if at is None:
        return item
    try:
        if recurrence.roll(item.recurrence, at) is None:
            return item  # no occurrence left anyway: COUNT used up, UNTIL passed
        return item.evolve(recurrence=recurrence.ended(item.recurrence, at))
    except (ValueError, TypeError, OverflowError):
        return item


def series_holds(view: EndpointView, held: Item, wanted: Item) -> bool:
    """Whether a series endpoint's copy (``held``) still describes the recurring ``wanted``
    item (as :func:`series_form` has it there): then its start, end and rule are left as
    they are, and differences in how it spells them (past exclusions, the series' first
    start) are no edit."""
    if not view.series or wanted.recurrence is None:
        return False
    return _holds_from(view, held.recurrence, anchor(held), series_form(view, wanted))


def rule_alone_holds(view: EndpointView, held: Item, wanted: Item) -> bool:
    """Whether writing only the rule to a series copy leaves it holding ``wanted`` (the
    series from the copy's start, with the new rule, still has the current occurrence and
    goes on as the item does): else the start is written too, and the series begins at the
    current occurrence. A series ending at it holds; a daily rule made weekly does not
    (from the old start, its occurrences would fall on other days)."""
    form = series_form(view, wanted)
    return form.recurrence is not None and _holds_from(view, form.recurrence, anchor(held),
                                                       form)


def _holds_from(view: EndpointView, rule: str | None, start: recurrence.Moment | None,
                form: Item) -> bool:
    """Whether a series of ``rule`` from ``start`` holds ``form`` (a :func:`series_form`)."""
    return recurrence.continues(rule, start, form.recurrence, _as_held(view, form))


def _as_held(view: EndpointView, item: Item) -> recurrence.Moment | None:
    """The item's current occurrence as the endpoint holds it (a calendar places a floating
    time in the user's zone), so it compares with what the copy holds."""
    at: recurrence.Moment | None = None
    if item.due is not None:
        at = view.target("due", item.due)
    elif item.span is not None:
        span = view.target("span", item.span)
        at = span.start if span is not None else None
    return at


@dataclass(frozen=True)
class Roll:
    """What one completed occurrence does to a link."""

    base: Item  # the link's new agreed value
    wanted: Mapping[str, frozenset[str]]  # endpoint -> fields to write (all of them)
    agreed: Mapping[str, Item]  # endpoint -> the copy's base, where it holds the value
    occurrence: frozenset[str]  # endpoints told "one occurrence done"
    released: frozenset[str]  # ``spawn``: endpoints whose done copy leaves the link
    reason: str


def completed_occurrence(before: Item, merged: Item) -> bool:
    """Whether the merge closed one occurrence of a recurring item (see the docstring)."""
    return (before.recurrence is not None and merged.recurrence is not None
            and not before.status.kind.closed and merged.status.kind is StatusKind.DONE
            and anchor(merged) is not None)


def rolled_item(before: Item, merged: Item) -> Item | None:
    """The item at its next occurrence, open as it was; None when no occurrence is left."""
    assert merged.recurrence is not None
    # from the occurrence that was current (the base's): a copy that rolled itself on (a
    # Todoist close) or was moved in the same round must not make it skip one
    at = anchor(before) or anchor(merged)
    assert at is not None
    try:
        nxt = recurrence.roll(merged.recurrence, at)
    except (ValueError, TypeError, OverflowError):
        return None  # a rule dateutil cannot read: the plain merge (done) stands
    if nxt is None:
        return None
    values: dict[str, Any] = {"status": before.status, "recurrence": nxt.rule}
    if merged.due is not None:
        values["due"] = nxt.at
    elif merged.span is not None:
        values["span"] = recurrence.shift_span(merged.span, nxt.at)
    return merged.evolve(**values)


def _fields_for(view: EndpointView, current: Item, base: Item) -> frozenset[str]:
    """The rolled fields this copy needs written."""
    names = [f for f in ROLLED if f in view.fields]
    if series_holds(view, current, base):
        names = [f for f in names if f not in SERIES_FIELDS]
    return frozenset(f for f in names if getattr(current, f) != view.target(f, getattr(base, f)))


def recurs_on(view: EndpointView, rule: str | None) -> bool:
    """Whether the endpoint holds the rule itself (Todoist's subset, a calendar's series)."""
    return "recurrence" in view.fields and view.target("recurrence", rule) is not None


def _kept(view: EndpointView, current: Item, need: frozenset[str]) -> dict[str, Any]:
    """The rolled fields a copy holds already (or keeps, a series): its new base's."""
    return {f: getattr(current, f) for f in ROLLED if f in view.fields and f not in need}


@dataclass(frozen=True)
class CopyRoll:
    """One copy's part in a roll."""

    released: bool = False  # ``spawn``: the done copy leaves the link
    write: frozenset[str] | None = None  # fields to write (None: no write)
    agreed: Item | None = None  # its base, with what it already holds
    occurrence: bool = False  # told "one occurrence done"


def roll_copy(view: EndpointView, current: Item, copy_base: Item, base: Item,
              merged_wanted: frozenset[str], spawn: bool) -> CopyRoll:
    """What a roll to ``base`` does to one copy (see the module docstring)."""
    recurs = recurs_on(view, base.recurrence)
    done_here = current.status.kind is StatusKind.DONE
    has_status = "status" in view.fields
    if spawn and done_here and not recurs and has_status:
        return CopyRoll(released=True)
    need = _fields_for(view, current, base)
    fields = need | (merged_wanted - set(ROLLED))
    keep = _kept(view, current, need)
    can = view.writable and view.observed
    # told "one occurrence done" unless it rolled itself on already (a Todoist close in the
    # same round): a second close would skip the next occurrence too; and only while it
    # recurs itself: a copy holding the current occurrence alone (its rule was one it could
    # not hold, say with an exclusion the roll has now passed) would be closed for good by
    # its service's close, so it gets the rule and the next date written instead
    occurrence = (can and recurs and current.recurrence is not None and not done_here
                  and not view.series and has_status and anchor(current) != anchor(base))
    return CopyRoll(write=fields if can and (fields or occurrence) else None,
                    agreed=copy_base.evolve(**keep), occurrence=occurrence)


def plan_roll(cfg: FlowConfig, before: Item, merged: Item, currents: Mapping[str, Item],
              copy_bases: Mapping[str, Item], wanted: Mapping[str, frozenset[str]],
              views: Mapping[str, EndpointView]) -> Roll | None:
    """The roll of a link whose merge closed one occurrence, or None (not a recurring item's
    occurrence, or none left: the plain merge stands)."""
    if not completed_occurrence(before, merged):
        return None
    base = rolled_item(before, merged)
    if base is None:
        return None
    spawn = cfg.recurring.on_complete is OccurrenceDone.SPAWN
    parts = {ep: roll_copy(views[ep], current, copy_bases[ep], base,
                           wanted.get(ep, frozenset()), spawn)
             for ep, current in currents.items()}
    released = frozenset(ep for ep, p in parts.items() if p.released)
    at = anchor(before) or anchor(merged)
    reason = (f"one occurrence ({at}) done; {'spawned' if spawn else 'rolled'} to the next, "
              f"{anchor(base)} (recurring.on_complete: {cfg.recurring.on_complete.value})")
    if released:
        reason += f"; done copies on {', '.join(sorted(released))} stay done, new ones follow"
    return Roll(base, {ep: p.write for ep, p in parts.items() if p.write is not None},
                {ep: p.agreed for ep, p in parts.items() if p.agreed is not None},
                frozenset(ep for ep, p in parts.items() if p.occurrence), released, reason)


def completed_for_good(before: Item, merged: Item, currents: Mapping[str, Item],
                       views: Mapping[str, EndpointView]) -> list[str]:
    """The endpoints where the open recurring item (``before``) was completed for good this
    round: done in a service that moves its own recurring items on when one occurrence is
    completed (``rolls_occurrences``: Todoist, whose checkbox never leaves a recurring task
    done), while its copy still holds the rule. That is Todoist's "complete forever", not
    one occurrence: the plain merge (done everywhere) stands and the calendar series ends
    (:func:`series_to_end`)."""
    if not completed_occurrence(before, merged):
        return []
    return sorted(ep for ep, cur in currents.items()
                  if views[ep].rolls_occurrences and cur.recurrence is not None
                  and cur.status.kind is StatusKind.DONE)


def series_to_end(before: Item, after: Item, currents: Mapping[str, Item],
                  views: Mapping[str, EndpointView]) -> tuple[str, ...]:
    """The series endpoints whose series must end this round: the recurring item was open
    and is closed now (cancelled, completed for good, deleted under ``delete: complete``)
    and the copy does not hold its :func:`series_form` yet. Only the series is written; the
    link, Todoist's task and the others keep the rule."""
    if before.recurrence is None or before.status.kind.closed or not after.status.kind.closed:
        return ()
    return tuple(ep for ep, cur in currents.items()
                 if views[ep].series and "recurrence" in views[ep].fields
                 and views[ep].writable and views[ep].observed
                 and series_form(views[ep], after) is not after
                 and not series_holds(views[ep], cur, after))


def unheld_note(base: Item, views: Mapping[str, EndpointView], endpoints: Iterable[str]
                ) -> str | None:
    """A line for ``synchub plan``/``explain`` naming the endpoints that cannot hold the
    item's rule (Jira and Notion hold none, Todoist a subset): they hold the current
    occurrence, the rule is kept by synchub (the link's agreed value) and by the endpoints
    that can, and a completed occurrence rolls them on. Never a silent one-off item."""
    if base.recurrence is None:
        return None
    names = list(endpoints)
    unheld = [ep for ep in names if not recurs_on(views[ep], base.recurrence)]
    if not unheld:
        return None
    held = [ep for ep in names if ep not in unheld]
    return (f"recurrence {base.recurrence}: {', '.join(unheld)} cannot hold this rule and "
            f"keep the current occurrence; the rule is kept by synchub"
            + (f" and {', '.join(held)}" if held else ""))

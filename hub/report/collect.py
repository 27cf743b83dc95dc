"""A progress report's facts, read from the state store only: no service is asked, so a
report costs no requests and never gets in the way of a writer (readers take no lock).

What synchub holds is the link's agreed value (``base``) and, per field, its provenance: the
endpoint whose value won, when and by which rule. So:

- **done**: closed (done or cancelled) now, the status changed in the period
  (:func:`changed_at`);
- **started**: in progress now, the status taken in the period;
- **overdue**: open, due (else the deadline) before the report's day;
- **due next week**: open, due in the 7 days from the report's day;
- **changes**: every field whose value was taken in the period, and from which service;
- **rounds**: the runs started in the period, with the writes they made.

Provenance keeps the *latest* decision per field, so a field changed twice in a week shows
its last change; an item deleted everywhere (its link dropped) is no longer in the store.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from hub.model import DateOnly, FloatingDateTime, Item, StatusKind, ZonedDateTime
from hub.report.facts import Activity, Change, Period, Report, ReportItem
from hub.store.base import LinkState, Provenance, RunRecord, Store

#: how many runs of a flow are read back (a round every minute for a week is 10 080)
RUNS_READ = 20_000
WEEK = dt.timedelta(days=7)


def period_of(*, now: dt.datetime, timezone: str, since: dt.date | None = None,
              until: dt.date | None = None, days: int | None = None) -> Period:
    """The report's period from the CLI's options: ``since``/``until`` are days in the
    configured zone (``until`` included), ``days`` counts back from ``until`` (default: the
    last 7 days up to ``now``)."""
    zone = ZoneInfo(timezone)

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)

    try:
        end = now if until is None else midnight(until + dt.timedelta(days=1))
        if since is not None:
            start = midnight(since)
        else:  # counted back in wall-clock days: a week is 09:00 to 09:00 across DST too
            back = end.astimezone(zone) - dt.timedelta(days=7 if days is None else days)
            start = back.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError("the period lies outside the dates a report can cover") from None
    if start >= end:
        raise ValueError("the period is empty: --since must be before --until")
    return Period(since=start, until=end, timezone=timezone)


def due_date(item: Item, timezone: str) -> dt.date | None:
    """The day an item is due, in the configured zone (its deadline when it has no due)."""
    due = item.due
    if isinstance(due, DateOnly):
        return due.date
    if isinstance(due, FloatingDateTime):
        return due.at.date()
    if isinstance(due, ZonedDateTime):
        return due.at.astimezone(ZoneInfo(timezone)).date()
    return item.deadline.date if item.deadline else None


def changed_at(p: Provenance) -> dt.datetime:
    """When a field was changed: the service's own time of the edit where it is known and
    earlier (Jira's changelog, an item's last-modified time), else when synchub took it.
    So the first round over an old project does not report every item closed months ago
    as done this week: their services say when they were closed."""
    return min(p.at, p.edited_at) if p.edited_at is not None else p.at


def report_item(flow: str, link: LinkState, period: Period) -> ReportItem:
    base = link.base
    status = link.provenance.get("status")
    changes = sorted((Change(field=f, service=p.endpoint or "manual", at=changed_at(p),
                             rule=p.rule)
                      for f, p in link.provenance.items() if period.holds(changed_at(p))),
                     key=lambda c: (c.at, c.field))
    return ReportItem(
        flow=flow, link_id=link.link_id, title=base.title, status=base.status.kind.value,
        assignee=base.assignee, labels=base.labels, due=due_date(base, period.timezone),
        services=tuple(sorted(link.copies)),
        status_at=changed_at(status) if status else None,
        status_in=(status.endpoint or "manual") if status else None, changes=tuple(changes))


def section_of(item: ReportItem, period: Period) -> str | None:
    """The section an item belongs to (at most one: a closed item is never overdue)."""
    kind = StatusKind(item.status)
    if kind.closed:
        return "done" if period.holds(item.status_at) else None
    if kind is StatusKind.IN_PROGRESS and period.holds(item.status_at):
        return "started"
    if item.due is not None and item.due < period.today:
        return "overdue"
    if item.due is not None and item.due < period.today + WEEK:
        return "due_next_week"
    return None


def activity(runs: Iterable[RunRecord], items: Iterable[ReportItem]) -> Activity:
    ran = list(runs)
    fields: Counter[str] = Counter()
    touched: Counter[str] = Counter()
    for item in items:
        services = [c.service for c in item.changes]
        fields.update(services)
        touched.update(set(services))
    return Activity(rounds=len(ran), writes=sum(r.counts.get("writes", 0) for r in ran),
                    rounds_by_status=dict(sorted(Counter(r.status for r in ran).items())),
                    fields_from=dict(sorted(fields.items())),
                    items_from=dict(sorted(touched.items())))


def _order(item: ReportItem) -> tuple[dt.date, str]:
    return (item.due or dt.date.max, item.title.casefold())


def collect(store: Store, flows: Iterable[str], period: Period) -> Report:
    """The report of ``flows`` for ``period``, from ``store`` alone."""
    names = tuple(flows)
    sections: dict[str, list[ReportItem]] = {"done": [], "started": [], "overdue": [],
                                             "due_next_week": []}
    everything: list[ReportItem] = []
    runs: list[RunRecord] = []
    for flow in names:
        for link in store.load_links(flow).values():
            item = report_item(flow, link, period)
            everything.append(item)
            section = section_of(item, period)
            if section is not None:
                sections[section].append(item)
        runs += [r for r in store.runs(flow, limit=RUNS_READ) if period.holds(r.started_at)]
    changed = sorted((i for i in everything if i.changes),
                     key=lambda i: (-i.changes[-1].at.timestamp(), i.title.casefold()))
    ordered: Mapping[str, tuple[ReportItem, ...]] = {
        key: tuple(sorted(found, key=_order)) for key, found in sections.items()}
    return Report(period=period, flows=names, sections=ordered,
                  activity=activity(runs, everything), changed=tuple(changed))

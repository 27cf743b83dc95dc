"""A report as a short list of plain blocks (headings, paragraphs, list items): the one
place that words the facts. Markdown, HTML and a Notion page are each a formatting of this
list (:mod:`hub.report.render`, :mod:`adapters.publishing`), so they cannot say different
things; the texts are plain (never markup), each renderer escapes them its own way.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from adapters.publishing import Block
from hub.report.facts import DIMENSIONS, SECTIONS, Report, ReportItem

LABELS = dict(SECTIONS)


def title_of(report: Report) -> str:
    zone = ZoneInfo(report.period.timezone)
    last = (report.period.until - dt.timedelta(seconds=1)).astimezone(zone).date()
    return f"Progress report {last.isoformat()} ({', '.join(report.flows) or 'no flows'})"


def _local(at: dt.datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{LABELS[k].lower()} {n}" for k, n in counts.items())


def item_line(item: ReportItem, section: str, timezone: str) -> str:
    """One item: its title, then what the section is about first (when and where it was
    closed or started, or when it is due), then who, labels and where it lives."""
    parts = [item.title or "(untitled)"]
    if section in ("done", "started") and item.status_at is not None:
        verb = item.status.replace("_", " ")
        parts.append(f"{verb} in {item.status_in} at {_local(item.status_at, timezone)}")
    elif item.due is not None:
        parts.append(f"due {item.due.isoformat()}")
    parts.append(item.assignee or "unassigned")
    if item.labels:
        parts.append("labels " + ", ".join(item.labels))
    parts.append("in " + ", ".join(item.services))
    return " · ".join(parts)


def _changes_line(item: ReportItem, timezone: str) -> str:
    """The item's changes, those taken from one service in one round together: "title,
    due from jira at ...; status from todoist at ..."."""
    runs: dict[tuple[str, dt.datetime], list[str]] = {}
    for c in item.changes:
        runs.setdefault((c.service, c.at), []).append(c.field)
    said = "; ".join(f"{', '.join(fields)} from {service} at {_local(at, timezone)}"
                     for (service, at), fields in runs.items())
    return f"{item.title or '(untitled)'}: {said}"


def _sections(report: Report) -> list[Block]:
    blocks: list[Block] = []
    for key, heading in SECTIONS:
        found = report.sections[key]
        blocks.append(Block("h2", f"{heading} ({len(found)})"))
        blocks += [Block("li", item_line(i, key, report.period.timezone)) for i in found]
        if not found:
            blocks.append(Block("p", "Nothing."))
    return blocks


def _groups(report: Report) -> list[Block]:
    blocks: list[Block] = []
    for dimension, heading in DIMENSIONS:
        groups = report.groups(dimension)
        blocks.append(Block("h2", heading))
        blocks += [Block("li", f"{name}: {_counts(counts)}") for name, counts in groups.items()]
        if not groups:
            blocks.append(Block("p", "Nothing."))
    return blocks


def _activity(report: Report) -> list[Block]:
    act, tz = report.activity, report.period.timezone
    blocks = [Block("h2", "What changed and where")]
    blocks += [Block("li", f"{svc}: {n} field(s) on {act.items_from[svc]} item(s)")
               for svc, n in act.fields_from.items()]
    blocks += [Block("li", _changes_line(i, tz)) for i in report.changed]
    if not report.changed:
        blocks.append(Block("p", "No field changed."))
    statuses = ", ".join(f"{s} {n}" for s, n in act.rounds_by_status.items())
    blocks.append(Block("p", f"Rounds: {act.rounds}" + (f" ({statuses})" if statuses else "")
                        + f", writes: {act.writes}."))
    return blocks


def outline(report: Report) -> list[Block]:
    p, tz = report.period, report.period.timezone
    totals = report.totals()
    return [
        Block("h1", title_of(report)),
        Block("p", f"From {_local(p.since, tz)} to {_local(p.until, tz)} ({tz}); overdue and "
                   f"due dates are as of {p.today.isoformat()}."),
        Block("h2", "Summary"),
        *(Block("li", f"{LABELS[k]}: {n}") for k, n in totals.items()),
        *_sections(report), *_groups(report), *_activity(report),
        Block("p", "From synchub's state store: what synchub last saw in each service."),
    ]

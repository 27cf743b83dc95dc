"""What a progress report says, as plain frozen values: the period, the items in each
section, the groupings and the activity. :mod:`hub.report.collect` builds it from the state
store, :mod:`hub.report.render` writes it out; keeping the facts apart from both is what
makes Markdown, HTML and JSON say the same thing (each renderer only formats these values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Format(StrEnum):
    """How a report is written: ``md`` (Markdown), ``html`` (one self-contained page),
    ``json`` (the facts, for scripts)."""

    MD = "md"
    HTML = "html"
    JSON = "json"


#: the report's sections, in the order they are shown, with their headings
SECTIONS: tuple[tuple[str, str], ...] = (
    ("done", "Done"),
    ("started", "Started"),
    ("overdue", "Overdue"),
    ("due_next_week", "Due next week"),
)
#: the groupings, with their headings; an item counts once under each of its values
DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("service", "By service"),
    ("assignee", "By assignee"),
    ("label", "By label"),
)
NO_ASSIGNEE = "(unassigned)"
NO_LABEL = "(no label)"


@dataclass(frozen=True)
class Period:
    """``[since, until)`` (aware, UTC) and the zone whose calendar says what "today" is."""

    since: dt.datetime
    until: dt.datetime
    timezone: str

    @property
    def today(self) -> dt.date:
        """The day the report is for (the end of the period, in the configured zone): items
        due before it are overdue, those due in the 7 days from it are due next week."""
        from zoneinfo import ZoneInfo

        return self.until.astimezone(ZoneInfo(self.timezone)).date()

    def holds(self, at: dt.datetime | None) -> bool:
        return at is not None and self.since <= at < self.until


@dataclass(frozen=True)
class Change:
    """A field whose value synchub took from one service in the period (the state store's
    provenance: which endpoint's value won, when, by which rule)."""

    field: str
    service: str  # the endpoint whose value won; "manual" for a resolved conflict
    at: dt.datetime
    rule: str


@dataclass(frozen=True)
class ReportItem:
    """One linked item as synchub holds it (the link's agreed base)."""

    flow: str
    link_id: str
    title: str
    status: str
    assignee: str | None
    labels: tuple[str, ...]
    due: dt.date | None
    services: tuple[str, ...]  # the endpoints holding a copy
    status_at: dt.datetime | None  # when synchub took the current status, and from where
    status_in: str | None
    changes: tuple[Change, ...] = ()

    def keys(self, dimension: str) -> tuple[str, ...]:
        """The group keys of this item under ``dimension`` (see :data:`DIMENSIONS`)."""
        if dimension == "service":
            return self.services
        if dimension == "assignee":
            return (self.assignee or NO_ASSIGNEE,)
        return self.labels or (NO_LABEL,)


@dataclass(frozen=True)
class Activity:
    """What synchub did in the period: rounds run, writes made, fields taken from each
    service (provenance), by service."""

    rounds: int = 0
    writes: int = 0
    rounds_by_status: Mapping[str, int] = field(default_factory=dict)
    fields_from: Mapping[str, int] = field(default_factory=dict)  # service -> fields taken
    items_from: Mapping[str, int] = field(default_factory=dict)  # service -> items touched


@dataclass(frozen=True)
class Report:
    period: Period
    flows: tuple[str, ...]
    sections: Mapping[str, tuple[ReportItem, ...]]
    activity: Activity
    changed: tuple[ReportItem, ...]  # items with a change in the period, newest first

    def totals(self) -> dict[str, int]:
        return {key: len(self.sections[key]) for key, _ in SECTIONS}

    def groups(self, dimension: str) -> dict[str, dict[str, int]]:
        """``{group: {section: count}}``, groups sorted by name (the "no value" group last)."""
        out: dict[str, dict[str, int]] = {}
        for key, _ in SECTIONS:
            for item in self.sections[key]:
                for group in item.keys(dimension):
                    counts = out.setdefault(group, {k: 0 for k, _ in SECTIONS})
                    counts[key] += 1
        return dict(sorted(out.items(), key=lambda kv: (kv[0].startswith("("), kv[0])))


def when(at: dt.datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def item_json(item: ReportItem) -> dict[str, Any]:
    return {"title": item.title, "flow": item.flow, "link_id": item.link_id,
            "status": item.status, "assignee": item.assignee, "labels": list(item.labels),
            "due": item.due.isoformat() if item.due else None,
            "services": list(item.services), "status_at": when(item.status_at),
            "status_in": item.status_in,
            "changes": [{"field": c.field, "service": c.service, "at": when(c.at),
                         "rule": c.rule} for c in item.changes]}

"""``python -m hub.report.example [PATH]``: a week of activity over the four sandbox
emulators, synced by real rounds, and its weekly report in Markdown (docs/examples/
weekly-report.md is made by it). The rounds run with their clock set to the day of each
edit, so the state store's provenance dates the changes across the week as a daemon would
have; the tests use the same week (:func:`seed_week`) and check the report's numbers.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.model import DateOnly, Item, Status, StatusKind

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Week:
    """The week :func:`seed_week` made: its end (``now``) and the sandbox config."""

    now: dt.datetime
    config: Path


def _ref(box: Any, title: str) -> str:
    items: dict[str, Item] = box.items()
    return next(r for r, i in items.items() if i.title == title)


def _status(kind: StatusKind) -> Status:
    return Status(kind=kind)


def seed_week(boxes: dict[str, Any], directory: Path, now: dt.datetime) -> Week:
    """Edits in Jira, Todoist, Notion and Google Calendar over the six days before ``now``,
    each followed by a round whose clock says that day (``run_flow(now=...)``)."""
    from hub.cli import sandbox
    from hub.round.engine import run_flow
    from hub.runtime import open_runtime

    today = now.date()
    sandbox.seed(boxes)
    jira, todoist, notion, gcal = (boxes[n] for n in sandbox.SERVICES)
    jira.user_create(Item(title="Migrate billing database", due=DateOnly(date=today - 2 * DAY),
                          assignee="u2@example.com", labels=["backend"]))
    todoist.user_create(Item(title="Order conference badges", labels=["events"],
                             due=DateOnly(date=today - DAY)))
    notion.user_create(Item(title="Write release notes", labels=["release"],
                            due=DateOnly(date=today + 6 * DAY)))
    path = sandbox.config(boxes, directory)
    rt = open_runtime(str(path))
    try:
        def round_on(days_ago: int, edit: Callable[[], None] | None = None) -> None:
            if edit is not None:
                edit()
            at = now - days_ago * DAY - dt.timedelta(hours=1)  # inside the week
            for _ in range(2):  # the second round settles what the first one wrote
                run_flow("sandbox", rt.config.flows["sandbox"], rt.adapters("sandbox"),
                         rt.store, now=lambda: at)

        round_on(6)
        round_on(4, lambda: jira.user_edit(_ref(jira, "Fix login timeout"),
                                           status=_status(StatusKind.IN_PROGRESS),
                                           assignee="u1@example.com"))
        round_on(3, lambda: todoist.user_edit(_ref(todoist, "Book team offsite"),
                                              status=_status(StatusKind.DONE)))
        round_on(2, lambda: notion.user_edit(_ref(notion, "Draft Q3 roadmap"),
                                             status=_status(StatusKind.IN_PROGRESS),
                                             labels=["planning"]))
        round_on(1, lambda: jira.user_edit(_ref(jira, "Prepare sprint review"),
                                           status=_status(StatusKind.DONE)))
        round_on(0, lambda: gcal.user_edit(_ref(gcal, "Release go-live"),
                                           due=DateOnly(date=today + 4 * DAY)))
    finally:
        rt.close()
    return Week(now=now, config=path)


def main(argv: list[str]) -> int:
    from hub.cli import sandbox
    from hub.report.collect import period_of
    from hub.report.facts import Format
    from hub.report.job import document
    from hub.runtime import open_runtime

    out = Path(argv[0]) if argv else Path("docs/examples/weekly-report.md")
    boxes = sandbox.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            week = seed_week(boxes, Path(tmp), dt.datetime.now(dt.UTC))
            rt = open_runtime(str(week.config))
            try:
                # up to now: the run rows are dated by the store's own clock
                period = period_of(now=dt.datetime.now(dt.UTC), timezone=rt.config.timezone)
                doc = document(rt, ["sandbox"], period, Format.MD)
            finally:
                rt.close()
    finally:
        for box in boxes.values():
            box.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("<!-- Made by `python -m hub.report.example` over the sandbox emulators "
                   "(docs/reporting.md). -->\n\n" + doc.text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

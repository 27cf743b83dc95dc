"""Rich renderings for the CLI: plans, round summaries, status, conflicts, explanations.

Everything shown passes through the runtime's redactor first, so no secret reaches a terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapters.base import Capabilities, WriteKind
from hub.model import SYNC_FIELDS, DateOnly, FloatingDateTime, Item, Status, ZonedDateTime
from hub.planner.merge import json_value
from hub.planner.types import LinkPlan
from hub.round.engine import RoundReport
from hub.store.base import (
    ConflictRecord,
    HealthRecord,
    LinkState,
    QuarantineRecord,
    RunRecord,
)

Redact = Callable[[str], str]

_KIND_STYLE = {WriteKind.CREATE: "green", WriteKind.UPDATE: "yellow", WriteKind.DELETE: "red"}


def _short(value: Any, width: int = 40) -> str:
    text = "—" if value in (None, "", [], ()) else str(value)
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _safe(redact: Redact, text: str) -> str:
    """Redacted, then with rich markup escaped: a title like "[draft] plan" (or anything in
    brackets starting in lower case) would otherwise be read as a style tag and vanish.
    Escaping comes last so it cannot hide a secret from the redactor."""
    return escape(redact(text))


def plan_table(report: RoundReport, redact: Redact) -> Table:
    """Each write as the change it makes: per service and item, every field's value now and
    the value it would get (:mod:`hub.planner.changes`); then the conflicts it would queue."""
    from hub.planner.changes import changes, label

    t = Table(title=escape(f"Plan for flow {report.flow!r}"), show_lines=False)
    t.add_column("service")
    t.add_column("action")
    t.add_column("item")
    t.add_column("change")
    plan = report.plan
    rows = 0
    if plan is not None:
        for c in changes(plan):
            t.add_row(escape(c.endpoint), f"[{_KIND_STYLE[WriteKind(c.action)]}]{c.action}[/]",
                      _safe(redact, _short(c.item)), _change_text(c, redact))
            rows += 1
        for lp in plan.links:
            for fc in lp.conflicts:
                t.add_row(escape(", ".join(fc.values)), "[magenta]conflict[/]",
                          _safe(redact, _short(label(lp))),
                          _safe(redact, f"{fc.field}: " + _short(dict(fc.values), 60)))
                rows += 1
    if rows == 0:
        t.add_row("—", "nothing to do", "", "")
    return t


def plan_json(report: RoundReport) -> dict[str, Any]:
    """A dry round for scripts (``plan --json``): its changes (old and new per field, as
    JSON values), the conflicts it would queue, its errors and notes. Redacted by the caller,
    as text, like everything shown."""
    from hub.planner.changes import changes, label

    plan = report.plan
    links = plan.links if plan is not None else ()
    return {
        "flow": report.flow, "status": str(report.status),
        "counts": {k: report.counts.get(k, 0) for k in ("create", "update", "delete",
                                                         "conflict")},
        "changes": [c.as_json() for c in changes(plan)] if plan is not None else [],
        "conflicts": [{"link": lp.link_id, "item": label(lp), "field": fc.field,
                       "values": dict(fc.values)} for lp in links for fc in lp.conflicts],
        "reasons": {lp.link_id: list(lp.reasons) for lp in links if lp.reasons},
        "errors": [{"service": ep, "error": str(err)} for ep, err in report.errors],
        "notes": list(report.notes),
    }


def _change_text(c: Any, redact: Redact) -> str:
    """``field: old → new`` per line; a created copy's values; a deleted copy's id."""
    if c.action == "delete":
        return _safe(redact, c.ref or "")
    lines = [f"{escape(f.field)}: " + (
        _safe(redact, value_text(f.new, 60)) if c.action == "create"
        else f"{_safe(redact, value_text(f.old))} → {_safe(redact, value_text(f.new))}")
        for f in c.fields]
    if c.occurrence_done:
        lines.append("[dim](one occurrence done: the service's own close)[/]")
    return "\n".join(lines) or "[dim]no field (marker or bookkeeping)[/]"


def per_service_counts(report: RoundReport) -> Table:
    t = Table(title="Per service")
    for col in ("service", "create", "update", "delete"):
        t.add_column(col, justify="right" if col != "service" else "left")
    counts: dict[str, dict[str, int]] = {}
    for w in report.plan.writes if report.plan else []:
        counts.setdefault(w.endpoint, {"create": 0, "update": 0, "delete": 0})[w.kind.value] += 1
    for ep in sorted(counts):
        c = counts[ep]
        t.add_row(ep, str(c["create"]), str(c["update"]), str(c["delete"]))
    return t


def round_summary(console: Console, report: RoundReport, redact: Redact) -> None:
    c, settled = report.counts, settled_by_policy(report)
    style = {"ok": "green", "partial": "yellow", "failed": "red", "refused": "red",
             "dry-run": "cyan"}.get(report.status, "white")
    console.print(
        f"[bold]{report.flow}[/]: [{style}]{report.status}[/]  "
        f"created {c.get('create', 0)}, updated {c.get('update', 0)}, "
        f"deleted {c.get('delete', 0)}, conflicts {c.get('conflict', 0)}"
        + (f" (and {settled} settled by policy)" if settled else "") + ", "
        f"writes {c['writes']}, failed {c['failed']}"
        + (f", comment writes {c['comments']}" if c.get("comments") else ""))
    for ep, err in report.errors:
        text = str(err) if not ep or str(err).startswith(ep) else f"{ep}: {err}"
        console.print(f"  [red]✗[/] {_safe(redact, text)}")
    old = len(report.quarantined) - len(report.quarantined_new)
    if old > 0:
        console.print(f"  [yellow]![/] {old} item{'s' if old != 1 else ''} still set aside "
                      "(`synchub status` lists them)")
    if report.held:
        console.print(f"  [dim]•[/] {report.held} write{'s' if report.held != 1 else ''} held "
                      "back: refused before, unchanged since")
    for note in report.notes:
        console.print(f"  [dim]•[/] {_safe(redact, note)}")


def settled_by_policy(report: RoundReport) -> int:
    """Conflicting edits this round's policy decided (``newest``, ``prefer``): not queued,
    yet conflicts all the same, and the summary says so instead of "conflicts 0"."""
    plan = report.plan
    if plan is None:
        return 0
    return sum(1 for lp in plan.links for f, prov in lp.interim.provenance.items()
               if prov.rule.startswith("conflict: ") and prov.rule != "conflict: manual"
               and (lp.before is None or lp.before.provenance.get(f) != prov))


def quarantine_table(records: Sequence[QuarantineRecord], redact: Redact) -> Table:
    """Items set aside (P14): what, where, why, and when synchub tries again."""
    t = Table(title="Set aside (not synced until fixed)")
    for col in ("flow", "service", "id", "title", "problem", "since", "tries", "next try"):
        t.add_column(col)
    for q in records:
        what = {"read": "reading", "write": "writing"}.get(q.kind.value, "matching")
        retry = "next round" if q.kind.value == "ambiguous" else when(q.next_try)
        t.add_row(escape(q.flow), escape(q.endpoint), escape(q.ref),
                  _safe(redact, _short(q.title)), _safe(redact, f"{what}: {q.reason}"),
                  when(q.first_seen), str(q.attempts), retry)
    return t


def services_table(records: Sequence[HealthRecord], redact: Redact) -> Table:
    """Each service of each flow that failed lately: the service's own message, since when it
    persists, the last time it answered, and what synchub does next."""
    from hub.round.health import service_next

    t = Table(title="Services")
    for col in ("flow", "service", "state", "last error", "failing since", "last success",
                "next"):
        t.add_column(col)
    for h in records:
        t.add_row(escape(h.flow), escape(h.endpoint), "ok" if h.ok else "[red]failing[/]",
                  _safe(redact, _short(h.error or "", 80)) + (
                      f" ({when(h.last_failure)})" if h.ok and h.last_failure else ""),
                  when(h.since) if h.since else "—", when(h.last_success), service_next(h))
    return t


def status_table(rows: Sequence[dict[str, Any]]) -> Table:
    t = Table(title="synchub status")
    for col in ("flow", "endpoints", "links", "last run", "result", "writes", "open conflicts",
                "interval"):
        t.add_column(col)
    for r in rows:
        t.add_row(*(escape(str(r[k])) for k in ("flow", "endpoints", "links", "last_run",
                                                 "result", "writes", "conflicts", "interval")))
    return t


def when(ts: dt.datetime | None) -> str:
    if ts is None:
        return "never"
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def last_run_cells(run: RunRecord | None) -> tuple[str, str, str]:
    if run is None:
        return "never", "—", "—"
    return when(run.started_at), run.status, str(run.counts.get("writes", "—"))


def conflicts_table(conflicts: Sequence[ConflictRecord], titles: dict[str, str],
                    redact: Redact) -> Table:
    t = Table(title="Open conflicts")
    for col in ("id", "flow", "item", "field", "values (per service)", "since"):
        t.add_column(col)
    for c in conflicts:
        values = "; ".join(f"{ep}: {_short(v, 30)}" for ep, v in c.values.items())
        t.add_row(str(c.id), escape(c.flow), _safe(redact, _short(titles.get(c.link_id,
                                                                             c.link_id))),
                  c.field, _safe(redact, values), when(c.created_at))
    return t


def explain_table(link: LinkState, redact: Redact) -> Table:
    t = Table(title=_safe(redact, f"{link.base.title!r}  (link {link.link_id}, flow "
                                  f"{link.flow})"))
    for col in ("field", "agreed value", "last decided by", "run", "rule", "when"):
        t.add_column(col)
    for f in SYNC_FIELDS:
        value = json_value(link.base, f)
        prov = link.provenance.get(f)
        if value in (None, "", [], ()) and prov is None:
            continue
        t.add_row(f, _safe(redact, _short(value, 40)), prov.endpoint if prov else "—",
                  str(prov.run_id) if prov and prov.run_id is not None else "—",
                  prov.rule if prov else "—", when(prov.at) if prov else "—")
    return t


def copies_table(link: LinkState, redact: Redact) -> Table:
    t = Table(title="Copies")
    for col in ("service", "remote id", "version", "differs from agreed value in"):
        t.add_column(col)
    for ep, c in sorted(link.copies.items()):
        differs = [f for f in SYNC_FIELDS if getattr(c.snapshot, f) != getattr(link.base, f)
                   and getattr(c.snapshot, f) != getattr(Item(), f)]
        t.add_row(ep, _safe(redact, c.ref), escape(c.version or "—"), ", ".join(differs) or "—")
    for ep in sorted(link.detached):
        t.add_row(ep, "[dim]detached (deleted or out of scope there)[/]", "", "")
    return t


# -- items as people see them (the demo) ------------------------------------------------------

ITEM_COLUMNS = ("title", "status", "due", "priority", "assignee", "labels")


def value_text(value: Any, width: int = 40) -> str:
    """A canonical value the way a person reads it (dates with their weekday), as text."""
    if isinstance(value, DateOnly):
        return f"{value.date:%a %d %b}"
    if isinstance(value, FloatingDateTime):
        return f"{value.at:%a %d %b %H:%M}"
    if isinstance(value, ZonedDateTime):
        return f"{value.local():%a %d %b %H:%M} {value.tz}"
    if isinstance(value, Status):
        return value.kind.value.replace("_", " ")
    if isinstance(value, list | tuple):
        value = ", ".join(map(str, value))
    return _short(value, width)


def show_value(value: Any) -> str:
    """:func:`value_text`, escaped for rich."""
    return escape(value_text(value))


def items_table(holdings: Mapping[str, Mapping[str, Item]],
                fields: Mapping[str, frozenset[str]]) -> Table:
    """One row per copy, grouped by service. A field the service cannot hold shows ``n/a``,
    an empty one ``—``: a calendar event has no priority, which is not "no priority".
    Built to stay readable in 80 columns: dates and statuses never wrap, e-mails and labels
    are shortened before titles are."""
    t = Table(show_header=True, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False,
              collapse_padding=True)
    t.add_column("service", no_wrap=True)
    t.add_column("title", min_width=16)
    t.add_column("status", no_wrap=True)
    t.add_column("due", no_wrap=True)
    t.add_column("prio", justify="right", no_wrap=True)
    t.add_column("assignee", min_width=8, no_wrap=True, overflow="ellipsis")
    t.add_column("labels", min_width=6, no_wrap=True, overflow="ellipsis")
    for ep, items in holdings.items():
        rows = sorted(items.values(), key=lambda i: i.title.casefold())
        for n, item in enumerate(rows):
            t.add_row(escape(ep), *(
                show_value(getattr(item, f)) if f in fields[ep] else "[dim]n/a[/]"
                for f in ITEM_COLUMNS), end_section=n == len(rows) - 1)
    return t


_WORDS = {"due": "due date", "span": "start and end"}


def _write_line(w: Any) -> str:
    style = _KIND_STYLE[w.kind]
    if w.kind is WriteKind.UPDATE and w.item is not None:
        what = ", ".join(f"{f} → {show_value(getattr(w.item, f))}" for f in sorted(w.fields))
        return f"  [{style}]→ {escape(w.endpoint)}: update[/] {what}"
    return f"  [{style}]→ {escape(w.endpoint)}: {w.kind.value}[/]"


def round_story(report: RoundReport, capabilities: Mapping[str, Capabilities]) -> list[str]:
    """A round told item by item: where it came from (new, or matched on first sync), each
    write with its new values, where it does not belong and why, then the planner's reasons.
    ``capabilities`` is per endpoint, in the flow's order."""
    links = report.plan.links if report.plan else ()
    lines = [line for lp in links for line in _item_story(lp, capabilities)]
    if not lines:
        lines.append("nothing to do: every copy agrees with the others")
    return [*lines, "", *_round_total(report)]


def _item_story(lp: LinkPlan, capabilities: Mapping[str, Capabilities]) -> list[str]:
    """One item's part of the story; none for mere bookkeeping (copies now agree)."""
    if lp.before is not None and not (lp.writes or lp.conflicts or lp.reasons):
        return []
    new = lp.before is None
    return [
        f"[bold]{escape(lp.title)}[/]",
        *(_came_from(lp, capabilities) if new else ()),
        *(_write_line(w) for w in lp.writes),
        *(_no_copy(lp, capabilities) if new else ()),
        *(f"  [magenta]conflict on {fc.field}[/]: "
          + escape("; ".join(f"{ep}: {v}" for ep, v in fc.values.items()))
          for fc in lp.conflicts),
        *(f"  [dim]why: {escape(r)}[/]" for r in lp.reasons),
    ]


def _came_from(lp: LinkPlan, capabilities: Mapping[str, Capabilities]) -> list[str]:
    """Where a new item was found: in one service, or in several (matched on first sync)."""
    have = [ep for ep in capabilities if ep in lp.interim.copies]
    if len(have) > 1:
        return [f"  already in {escape(' and '.join(have))} with the same title: "
                "linked, not copied"]
    return [f"  new in {escape(have[0])}"] if have else []


def _no_copy(lp: LinkPlan, capabilities: Mapping[str, Capabilities]) -> list[str]:
    """The services a new item is not copied to, as it lacks what they need (a date)."""
    written = {w.endpoint for w in lp.writes}
    lines = []
    for ep, caps in capabilities.items():
        if caps.create_requires_any and ep not in lp.interim.copies and ep not in written:
            need = " or ".join(_WORDS.get(f, f) for f in sorted(caps.create_requires_any))
            lines.append(f"  [dim]{escape(ep)}: no copy, as it has no {need}[/]")
    return lines


def _per_service(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} in {ep}" for ep, n in sorted(counts.items()))


def _round_total(report: RoundReport) -> list[str]:
    """The round's counts, then its errors and notes."""
    c, settled = report.counts, settled_by_policy(report)
    return [
        f"round {report.status}: {c.get('create', 0)} created, {c.get('update', 0)} "
        f"updated, {c.get('delete', 0)} deleted, {c.get('conflict', 0)} conflicts "
        f"queued" + (f", {settled} settled by policy" if settled else "")
        + f"; {c['writes']} writes, {sum(report.requests.values())} requests "
        "over HTTP",
        *([f"comments written: {escape(_per_service(report.comments))}"]
          if report.comments else []),
        *(f"  [red]✗[/] {escape(ep)}: {escape(str(err))}" for ep, err in report.errors),
        *(f"  [dim]•[/] {escape(n)}" for n in report.notes),
    ]

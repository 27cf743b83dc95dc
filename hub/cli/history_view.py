"""Rich tables and JSON for ``synchub history`` and ``synchub undo``: runs, one run's writes
(per field, the value replaced and the value written), and an undo's plan.

Everything shown passes through the runtime's redactor first (titles and values can hold
anything a person typed), then rich markup is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table

from hub.history.plan import UndoPlan
from hub.history.values import show, shown_fields
from hub.store.base import IntentState, RunRecord, WriteRecord

Redact = Callable[[str], str]

_ACTION_STYLE = {"create": "green", "update": "yellow", "delete": "red", "close": "red"}
_STATE_NOTE = {IntentState.PENDING: " (not confirmed)", IntentState.ABANDONED: " (failed)"}


def _when(run: RunRecord) -> str:
    return run.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _status(run: RunRecord) -> str:
    return run.status + (f" (undo of run {run.undoes})" if run.undoes is not None else "")


def _counts(run: RunRecord) -> str:
    c = run.counts
    parts = [f"{c.get(k, 0)} {k}" for k in ("create", "update", "delete") if c.get(k)]
    return f"{c.get('writes', 0)}" + (f" ({', '.join(parts)})" if parts else "")


def runs_table(runs: Sequence[RunRecord], redact: Redact) -> Table:
    t = Table(title="synchub history (newest first)")
    for col in ("run", "when", "flow", "status", "writes", "failed", "conflicts", "error"):
        t.add_column(col, overflow="fold")
    for r in runs:
        t.add_row(str(r.id), _when(r), escape(r.flow), escape(_status(r)), _counts(r),
                  str(r.counts.get("failed", 0)), str(r.counts.get("conflict", 0)),
                  escape(redact(r.error or "")))
    return t


def run_json(r: RunRecord) -> dict[str, Any]:
    return {"run": r.id, "flow": r.flow, "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "status": r.status, "counts": dict(r.counts), "error": r.error,
            "undoes": r.undoes}


def _field_pairs(w: WriteRecord) -> list[tuple[str, Any, Any]]:
    if w.kind == "create":
        return [(k, None, v) for k, v in shown_fields(w.after).items()]
    if w.kind == "delete":
        return [(k, v, None) for k, v in shown_fields(w.before).items()]
    return [(k, w.before.get(k), v) for k, v in w.after.items()]


def writes_table(run: RunRecord, writes: Sequence[WriteRecord], redact: Redact) -> Table:
    t = Table(title=escape(f"Run {run.id} of flow {run.flow!r}, {_when(run)}: "
                           f"{_status(run)}"))
    for col in ("service", "item", "action", "field", "old → new"):
        t.add_column(col, overflow="fold")
    for w in writes:
        action = f"[{_ACTION_STYLE.get(w.kind, 'white')}]{w.kind}[/]" + _STATE_NOTE.get(
            w.state, "")
        item = escape(redact(w.title)) + (f" [dim]({escape(w.ref)})[/]" if w.ref else "")
        pairs = _field_pairs(w) or [("", None, None)]
        for i, (name, old, new) in enumerate(pairs):
            change = f"{show(name, old)} → {show(name, new)}" if name else "origin marker"
            t.add_row(escape(w.endpoint) if i == 0 else "", item if i == 0 else "",
                      action if i == 0 else "", name, escape(redact(change)))
    return t


def write_json(w: WriteRecord) -> dict[str, Any]:
    return {"service": w.endpoint, "ref": w.ref, "link": w.link_id, "title": w.title,
            "action": w.kind, "state": w.state.value,
            "fields": {k: {"old": old, "new": new} for k, old, new in _field_pairs(w)}}


def undo_table(plan: UndoPlan, redact: Redact) -> Table:
    t = Table(title=escape(f"Undo of run {plan.run_id} (flow {plan.flow!r})"))
    for col in ("service", "item", "action", "field", "now → back to"):
        t.add_column(col, overflow="fold")
    for s in plan.writes:
        action = f"[{_ACTION_STYLE.get(s.action, 'white')}]{s.action}[/]"
        item = escape(redact(s.title)) + (f" [dim]({escape(s.ref)})[/]" if s.ref else "")
        rows = [(c.field, f"{show(c.field, c.now)} → {show(c.field, c.back)}")
                for c in s.changes] or [("", "")]
        if s.note:
            rows.append(("", f"[dim]{escape(s.note)}[/]"))
        for i, (name, change) in enumerate(rows):
            text = change if change.startswith("[dim]") else escape(redact(change))
            t.add_row(escape(s.endpoint) if i == 0 else "", item if i == 0 else "",
                      action if i == 0 else "", name, text)
    return t


def skipped_lines(plan: UndoPlan, redact: Redact) -> list[str]:
    """One line per field (or copy) the undo leaves as it is, and why."""
    return [escape(redact(f"skipped: {s.endpoint} {s.title!r}"
                          + (f" {k.field}" if k.field else "") + f": {k.reason}"))
            for s, k in plan.skipped]

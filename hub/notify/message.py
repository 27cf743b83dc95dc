"""One message for one target: its text (Discord, Slack, e-mail) and its data (the generic
webhook), with every secret masked before it leaves the process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hub.store.base import Incident

#: Discord refuses a message whose ``content`` is longer than this
DISCORD_LIMIT = 2000


def _lasted(row: Incident) -> str:
    end = row.recovered_at or dt.datetime.now(dt.UTC)
    minutes = int((end - row.opened_at).total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def _over(row: Incident) -> str:
    what = {"failing": f"{row.subject} answers again in flow {row.flow}",
            "conflicts": f"no conflict waits any more in flow {row.flow}",
            "mass_change": f"flow {row.flow} syncs again (the mass-change guard let it pass)",
            "poison": f"{row.subject} in flow {row.flow} syncs again"}.get(row.kind, row.key)
    return f"{what} (after {_lasted(row)})"


class Sendable(Protocol):
    """What a target sends (:mod:`hub.notify.targets`): an incident's :class:`Message`, or a
    :class:`Note` (a report)."""

    @property
    def subject(self) -> str: ...

    def text(self, limit: int | None = None) -> str: ...

    def data(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Note:
    """A text of its own sent to a target: the progress report (``report.to: {notify:
    NAME}``). A chat target takes what fits (Discord: 2,000 characters), saying so."""

    subject: str
    body: str

    def text(self, limit: int | None = None) -> str:
        text = self.body  # it has its title (the subject) at its top already
        if limit is not None and len(text) > limit:
            tail = "\n… (cut: the whole report goes to e-mail, webhook or file targets)"
            text = text[:max(0, limit - len(tail))] + tail
        return text

    def data(self) -> dict[str, Any]:
        return {"subject": self.subject, "text": self.body}


@dataclass(frozen=True)
class Message:
    started: tuple[Incident, ...]
    recovered: tuple[Incident, ...]
    redact: Callable[[str], str] = lambda s: s

    @property
    def subject(self) -> str:
        parts = []
        if self.started:
            parts.append(f"{len(self.started)} problem{'s' * (len(self.started) > 1)}")
        if self.recovered:
            parts.append(f"{len(self.recovered)} resolved")
        return self.redact("synchub: " + ", ".join(parts))

    def text(self, limit: int | None = None) -> str:
        lines = [self.subject]
        lines += [f"- {r.text}" for r in self.started]
        lines += [f"- resolved: {_over(r)}" for r in self.recovered]
        text = self.redact("\n".join(lines))
        if limit is not None and len(text) > limit:
            text = text[:limit - 1] + "…"
        return text

    def data(self) -> dict[str, Any]:
        """The generic webhook's JSON body."""
        def event(r: Incident, state: str) -> dict[str, Any]:
            return {"state": state, "kind": r.kind, "flow": r.flow, "subject": r.subject,
                    "since": r.opened_at.isoformat(),
                    "over_at": r.recovered_at.isoformat() if r.recovered_at else None,
                    "text": self.redact(r.text if state == "started" else _over(r))}

        return {"subject": self.subject, "text": self.text(),
                "events": [event(r, "started") for r in self.started]
                + [event(r, "recovered") for r in self.recovered]}

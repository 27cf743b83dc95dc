"""The windowed cursor with reconcile, for services that list "edited since" and never
report a delete (Jira's JQL ``updated >=``, Notion's ``last_edited_time``).

Such a listing starts a little before the last one ended (the service's clock has minute
precision and its index lags), so it returns some items again: :attr:`WindowCursor.seen`
keeps their versions and they are dropped unless they changed. Deletions never show up in
it, so every few rounds the ids in scope are listed and compared with
:attr:`WindowCursor.known` (the reconcile, :meth:`WindowCursor.reconciles`).

Stored as JSON. Each service names its start key as it always has (Jira ``since``, in its
own ``YYYY/MM/DD HH:MM`` UTC; Notion ``from``, an ISO minute), so cursors stored before this
type existed read the same; a service whose start key changed reads the old one through
``legacy`` (Notion's ``since``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class WindowCursor:
    #: where the next listing starts, in the service's own text (None: list everything)
    start: str | None = None
    #: id -> version of the items the next listing will return again (its overlap)
    seen: Mapping[str, str] = field(default_factory=dict)
    #: the ids in scope as far as known, for the reconcile
    known: frozenset[str] = frozenset()
    #: rounds listed so far (the reconcile runs every ``n``-th)
    round: int = 0
    #: the JSON key of :attr:`start` (the service's, unchanged since it was first stored)
    key: str = field(default="since", compare=False)

    @classmethod
    def from_json(cls, text: str | None, *, key: str = "since",
                  legacy: Mapping[str, Callable[[str], str | None]] | None = None
                  ) -> WindowCursor:
        """The cursor stored as ``text`` (None or empty: a first listing). Without ``key`` in
        it, the first ``legacy`` key present (old key -> its value as a start) is read."""
        return cls.from_state(json.loads(text) if text else {}, key=key, legacy=legacy)

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, key: str = "since",
                   legacy: Mapping[str, Callable[[str], str | None]] | None = None
                   ) -> WindowCursor:
        """:meth:`from_json` of the decoded JSON."""
        if key in state:
            start = str(state[key]) if state[key] else None
        else:
            start = next((conv(str(state[old])) for old, conv in (legacy or {}).items()
                          if state.get(old)), None)
        return cls(start=start, seen=dict(state.get("seen", {})),
                   known=frozenset(state.get("known", [])), round=int(state.get("round", 0)),
                   key=key)

    def to_json(self) -> str:
        return json.dumps({self.key: self.start, "seen": dict(self.seen),
                           "known": sorted(self.known), "round": self.round})

    def unseen(self, ref: str, version: str | None) -> bool:
        """Whether a listed item is news: not in the overlap at this version."""
        return self.seen.get(ref) != version

    def reconciles(self, every: int) -> bool:
        """Whether this round lists the ids in scope to find deletions: every ``every``-th
        round after the first (a first listing knows nothing that could be gone)."""
        return bool(self.start) and (self.round + 1) % every == 0

    def advance(self, start: str | None, seen: Mapping[str, str], known: Iterable[str]
                ) -> WindowCursor:
        """The cursor after this round's listing."""
        return replace(self, start=start, seen=dict(seen), known=frozenset(known),
                       round=self.round + 1)

    def learn(self, refs: Iterable[str]) -> WindowCursor:
        """The same cursor knowing ``refs`` too (copies the hub created this round, see
        :class:`adapters.contract.LearnsCreated`)."""
        return replace(self, known=self.known | frozenset(refs))

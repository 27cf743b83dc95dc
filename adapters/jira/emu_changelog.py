"""Issue changelogs for the Jira emulator: what ``expand=changelog`` returns.

Jira records one history per edit (who, when, and each field's old and new value) for edits
made after the issue was created, whoever made them: a person in the UI or an API client.
``expand=changelog`` on an issue or a search returns the most recent histories only, newest
first, with ``total`` counting them all; a search is cut shorter than a single issue (Atlassian
lowered it from 100 to 40), and the rest is only on the paged ``/changelog`` endpoint. The
emulator keeps those limits, so the adapter is tested against a cut-off history.
"""

from __future__ import annotations

import itertools
from typing import Any

ISSUE_HISTORIES = 100  # GET issue?expand=changelog
SEARCH_HISTORIES = 40  # search/jql with expand=changelog, per issue
#: how a history item names a field (Jira names the parent link ``IssueParentAssociation``
#: and gives it no ``fieldId``)
NAMES = {"summary": "summary", "description": "description", "status": "status",
         "priority": "priority", "labels": "labels", "duedate": "duedate",
         "assignee": "assignee", "parent": "IssueParentAssociation",
         "resolution": "resolution"}
#: the person who edits in the emulated Jira's UI (not the API user synchub runs as)
PERSON = {"accountId": "557058:0f1e2d3c-ui-person", "displayName": "A person",
          "active": True, "accountType": "atlassian"}


def _text(name: str, value: Any) -> str | None:
    """The ``fromString``/``toString`` of a value, roughly as Jira spells it."""
    if value is None:
        return None
    if name == "labels":
        return " ".join(value)
    if isinstance(value, dict):
        return str(value.get("name") or value.get("displayName") or value.get("key") or "")
    return str(value)


class Changelogs:
    """Histories by issue id, oldest first."""

    def __init__(self) -> None:
        self.histories: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(100001)

    def record(self, issue_id: str, author: dict[str, Any], created: str,
               changes: list[tuple[str, Any, Any]], custom: dict[str, str] | None = None
               ) -> None:
        """One history for the fields an edit changed: (field, old value, new value).
        ``custom``: the site's custom fields the history names (id -> name), recorded as
        Jira records them (``fieldtype: custom``, the id in ``fieldId``)."""
        from adapters.jira.emu_planning import history_text

        items: list[dict[str, Any]] = []
        for name, old, new in changes:
            if name in (custom or {}) and old != new:
                (was, was_text), (now, now_text) = history_text(name, old), history_text(name, new)
                ids = {k: v for k, v in (("from", was), ("to", now)) if v is not None}
                items.append({"field": (custom or {})[name], "fieldtype": "custom",
                              "fieldId": name, "fromString": was_text, "toString": now_text}
                             | ids)
                continue
            if name not in NAMES or old == new:
                continue
            item = {"field": NAMES[name], "fieldtype": "jira", "fromString": _text(name, old),
                    "toString": _text(name, new)}
            if NAMES[name] == name:
                item["fieldId"] = name
            items.append(item)
        if items:
            self.histories.setdefault(issue_id, []).append({
                "id": str(next(self._ids)), "author": dict(author), "created": created,
                "items": items})

    def expanded(self, issue_id: str, limit: int) -> dict[str, Any]:
        every = self.histories.get(issue_id, [])
        recent = list(reversed(every))[:limit]
        return {"startAt": 0, "maxResults": limit, "total": len(every), "histories": recent}

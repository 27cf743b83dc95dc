"""What a Google account reaches (:class:`adapters.registry.Discovering`): its calendar list
(``calendarList.list``, 250 entries a page, the API's maximum), with each calendar's access
role; ``propose`` names the chosen calendar in the scope (``primary`` for the account's own,
which is what Google's own samples write and survives an address change)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from adapters.gcal.client import GcalClient
from adapters.registry import Discovery, Target
from adapters.toolkit.discovery import plain

PAGE = 250  # calendarList.list maxResults maximum
WRITABLE = {"owner", "writer"}


def discover(client: GcalClient) -> Discovery:
    entries: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"maxResults": PAGE}
        if token:
            kwargs["pageToken"] = token
        page = client.call(functools.partial(client.service.calendarList().list, **kwargs))
        entries += page.get("items") or []
        token = page.get("nextPageToken")
        if not token:
            break
    primary = next((e for e in entries if e.get("primary")), None)
    targets = tuple(Target(
        "primary" if e.get("primary") else str(e["id"]),
        str(e.get("summaryOverride") or e.get("summary") or e["id"]),
        ", ".join(x for x in ("primary" if e.get("primary") else "",
                              "read-only" if e.get("accessRole") not in WRITABLE else "",
                              str(e.get("timeZone") or "")) if x))
        for e in entries)
    who = str(primary["id"]) if primary else "account without a primary calendar"
    return Discovery(who=who, kind="calendar", targets=targets)


def describe(connection: Any, target: Target) -> Target:
    """Nothing to read: the list carried what the scope needs."""
    return target


def propose(target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    out = plain(endpoint)
    out.setdefault("scope", {})["calendar_id"] = target.id
    if "read-only" in target.detail:
        out["read_only"] = True
    return out

"""What a Google account reaches (:class:`adapters.registry.Discovering`): its calendar list
(``calendarList.list``, 250 entries a page, the API's maximum), with each calendar's access
role; ``propose`` names the chosen calendar in the scope (``primary`` for the account's own,
which is what Google's own samples write and survives an address change)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from adapters.gcal.client import GcalClient
from adapters.registry import Discovery, Target
from adapters.toolkit.discovery import plain

PAGE = 250  # calendarList.list maxResults maximum
WRITABLE = {"owner", "writer"}


def _entry(e: dict[str, Any], *, own: bool) -> Target:
    return Target(
        "primary" if own else str(e["id"]),
        str(e.get("summaryOverride") or e.get("summary") or e["id"]),
        ", ".join(x for x in ("primary" if own else "",
                              "read-only" if e.get("accessRole") not in WRITABLE else "",
                              str(e.get("timeZone") or "")) if x), {"listed": True})


def discover(client: GcalClient, service_account: str | None = None) -> Discovery:
    """``service_account``: its e-mail, when the connection signs in with one. Calendars
    shared with a service account are not in its list until added to it, and its own
    ``primary`` is nobody's calendar; so for one, its own calendar is left out and any
    calendar id may be given (``Discovery.open``), checked by :func:`describe`."""
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
    if service_account:
        return Discovery(who=f"service account {service_account}", kind="calendar",
                         targets=tuple(_entry(e, own=False) for e in entries
                                       if not e.get("primary")), open=True)
    who = str(primary["id"]) if primary else "account without a primary calendar"
    return Discovery(who=who, kind="calendar",
                     targets=tuple(_entry(e, own=bool(e.get("primary"))) for e in entries))


def describe(client: GcalClient, target: Target) -> Target:
    """A calendar from the list: nothing to read. One given by id (a service account's
    shared calendar): ``calendars.get``, which says whether the account may see it."""
    if target.facts.get("listed"):
        return target
    cal = client.call(functools.partial(client.service.calendars().get,
                                        calendarId=target.id))
    return replace(target, name=str(cal.get("summary") or target.id),
                   detail=str(cal.get("timeZone") or ""), facts={"listed": True})


def propose(target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    out = plain(endpoint)
    out.setdefault("scope", {})["calendar_id"] = target.id
    if "read-only" in target.detail:
        out["read_only"] = True
    return out

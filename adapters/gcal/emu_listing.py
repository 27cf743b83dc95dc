"""Listings of the Calendar emulator (``events.list``, ``events.instances``): which events a
listing holds (a sync token's changes, or the stored events with the query's filters from
:mod:`.emu_filters`, series expanded with ``singleEvents`` by :mod:`.recurrence`) and its
pages. The first page takes a snapshot (the rows in order, and the sequence number the sync
token will carry); later pages read the snapshot by their page token, so an edit between
pages neither skips nor repeats an event, and an event edited after the snapshot comes again
with the next sync token."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapters.gcal import emu_filters, recurrence
from adapters.gcal.emu_wire import GError

if TYPE_CHECKING:
    from adapters.gcal.emulator import GcalEmulator

Rows = list[dict[str, Any]]
#: what Google refuses next to a ``syncToken``
FORBIDDEN_WITH_SYNC = ("timeMin", "timeMax", "updatedMin", "q", "orderBy", "iCalUID",
                       "privateExtendedProperty", "sharedExtendedProperty")
MAX_TOKENS = 1000  # old listings' page tokens expire beyond this many


def _size(q: dict[str, str]) -> int:
    try:
        size = min(int(q.get("maxResults") or 250), 2500)
    except ValueError:
        size = 0
    if size < 1:
        raise GError(400, f"Invalid value '{q.get('maxResults')}'. Values must be within "
                     "the range: [1, 2500]", "invalid", "maxResults")
    return size


def page(emu: GcalEmulator, q: dict[str, str], rows_of: Callable[[], Rows],
         head: dict[str, Any], sync: bool = True) -> dict[str, Any]:
    """One page of the listing ``rows_of`` makes (taken when the first page is asked);
    the last one carries a sync token when ``sync``."""
    size = _size(q)
    token = q.get("pageToken")
    if token:
        if token not in emu._pages:
            raise GError(400, "Invalid page token value.", "invalid", "pageToken")
        rows, mark, start = emu._pages[token]
    else:
        rows, mark, start = rows_of(), emu._last_seq, 0
    out = head | {"items": [emu._public(e) for e in rows[start:start + size]]}
    if start + size < len(rows):
        token = "p" + uuid.uuid4().hex
        emu._pages[token] = (rows, mark, start + size)
        while len(emu._pages) > MAX_TOKENS:
            del emu._pages[next(iter(emu._pages))]
        out["nextPageToken"] = token
    elif sync:
        out["nextSyncToken"] = f"st{mark}"
    return out


def check(q: dict[str, str]) -> None:
    """What Google refuses before listing anything (:func:`.emu_filters.check`)."""
    try:
        emu_filters.check(q)
    except emu_filters.ListError as exc:
        raise GError(400, exc.message, exc.reason, exc.location) from None


def rows(emu: GcalEmulator, cal: str, q: dict[str, str]) -> Rows:
    """``events.list``'s events, in their order."""
    events = emu._events(cal)
    check(q)
    token = q.get("syncToken")
    found = _changed_since(emu, events, token, q) if token else _stored(events, q)
    found.sort(key=lambda e: e["_seq"])
    if q.get("singleEvents") == "true":
        found = recurrence.expand_rows(events, found, emu_filters.window(q))
    if token:
        return found
    return _filtered(found, q, emu, cal)


def _filtered(found: Rows, q: dict[str, str], emu: GcalEmulator, cal: str,
              inclusive_min: bool = False) -> Rows:
    try:
        return emu_filters.apply(found, q, emu._zone(cal), inclusive_min)
    except emu_filters.ListError as exc:
        raise GError(400, exc.message, exc.reason, exc.location) from None


def _changed_since(emu: GcalEmulator, events: dict[str, dict[str, Any]], token: str,
                   q: dict[str, str]) -> Rows:
    """What a sync token brings: every event changed since, deleted ones included."""
    bad = [p for p in FORBIDDEN_WITH_SYNC if p in q]
    if bad:
        raise GError(400, f"The parameter {bad[0]} cannot be combined with syncToken.",
                     "invalid", bad[0])
    m = re.fullmatch(r"st(\d+)", token)
    if m is None or int(m.group(1)) < emu.min_valid_token or \
            int(m.group(1)) > emu._last_seq:  # not one of ours, or too old
        raise GError(410, "Sync token is no longer valid, a full sync is required.",
                     "fullSyncRequired")
    return [e for e in events.values() if e["_seq"] > int(m.group(1))]


def _stored(events: dict[str, dict[str, Any]], q: dict[str, str]) -> Rows:
    """A full listing's events; the deleted ones are left to emu_filters (updatedMin brings
    them too)."""
    show_deleted = q.get("showDeleted") == "true" or bool(q.get("updatedMin"))
    found = [e for e in events.values() if show_deleted or e["status"] != "cancelled"]
    prop = q.get("privateExtendedProperty")
    if prop:
        key, _, value = prop.partition("=")
        found = [e for e in found if e.get("extendedProperties", {}).get(
            "private", {}).get(key) == value]
    return found


def instance_rows(emu: GcalEmulator, cal: str, series: dict[str, Any], q: dict[str, str]
                  ) -> Rows:
    """``events.instances``' rows: the series' instances that overlap the window (its end
    at ``timeMin`` counts, as the method's reference says); the series as stored when its
    stored data does not expand."""
    try:
        found = recurrence.instances(series, emu._exceptions(cal, series["id"]),
                                     emu_filters.window(q))
    except (ValueError, TypeError, KeyError, OverflowError):
        found = [series]
    if q.get("originalStart"):
        wanted = recurrence.instant(q["originalStart"])
        found = [r for r in found if wanted is not None and recurrence.instant(
            (r.get("originalStartTime") or {}).get("dateTime")) == wanted]
    return _filtered(found, q, emu, cal, inclusive_min=True)

"""Finding a synced item from what a person has at hand (``synchub explain``): a link id, an
endpoint and remote id (``jira:10042``), the service's own key (Jira's ``OPS-3``, as
``OPS-3`` or ``jira:OPS-3``), a link copied from the service (a Jira issue, Todoist task or
Notion page URL, a calendar event's link), or a title, an exact one preferred over those
that merely contain it (issue 16: ``explain jira:OPS-3`` found nothing, and "Plan" matched
"Plan the offsite" as well as "Plan").

Each copy is known by the names its service gives it: its id (and a Notion id without its
dashes), its URL, the URL's last path segment and the id that segment ends with (Notion's
``Title-<id>``, Todoist's ``title-slug-<id>``), Jira's issue key from ``/browse/KEY``, and a
calendar link's event id (the ``eid`` parameter is the base64 of "event-id calendar-id").
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

from hub.store.base import CopyState, LinkState

_TRAILING_ID = re.compile(r"(?:^|-)([0-9A-Za-z]{6,})$")


def names_in(text: str) -> set[str]:
    """The names a reference can carry: itself, and for a URL its parts (module docstring);
    each also without dashes and in lower case."""
    text = text.strip()
    out = {text}
    if "://" in text:
        parts = urlsplit(text)
        segment = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if any(ch.isdigit() for ch in segment):  # an id or key, not a word like "event"
            out.add(f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/"))
            out.add(segment)
            if m := _TRAILING_ID.search(segment):
                out.add(m.group(1))
        for eid in parse_qs(parts.query).get("eid", []):
            out |= _event_ids(eid)
    return {n for name in out if name for n in (name, name.replace("-", ""), name.lower())}


def _event_ids(eid: str) -> set[str]:
    """A calendar link's ``eid``: base64 (URL-safe, unpadded) of "event-id calendar-id"."""
    try:
        decoded = base64.urlsafe_b64decode(eid + "=" * (-len(eid) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return {eid}
    return {decoded.split(" ", 1)[0]} if " " in decoded else {eid}


def copy_names(c: CopyState) -> set[str]:
    """Everything a copy is known by (see the module docstring)."""
    names = names_in(c.ref)
    if c.snapshot.url:
        names |= names_in(c.snapshot.url)
    return names


def find(links: Mapping[str, LinkState], query: str, endpoints: Iterable[str]) -> list[LinkState]:
    """The links ``query`` names, best first: a link id (or its start), a copy's name
    (optionally after ``ENDPOINT:``), else titles: exact ones (any case) if there are any,
    otherwise those containing the query."""
    q = query.strip()
    return _by_id(links, q) or _by_name(links, q, set(endpoints)) or _by_title(links, q)


def _by_id(links: Mapping[str, LinkState], q: str) -> list[LinkState]:
    return [link for lid, link in links.items()
            if lid == q or (len(q) >= 6 and lid.startswith(q))]


def _by_name(links: Mapping[str, LinkState], q: str, endpoints: set[str]) -> list[LinkState]:
    endpoint, _, rest = q.partition(":")
    scoped = bool(rest) and endpoint in endpoints and not q.startswith(("http://", "https://"))
    wanted = names_in(rest if scoped else q)

    def named(ep: str, c: CopyState) -> bool:
        return (not scoped or ep == endpoint) and bool(wanted & copy_names(c))

    return [link for link in links.values()
            if any(named(ep, c) for ep, c in link.copies.items())]


def _by_title(links: Mapping[str, LinkState], q: str) -> list[LinkState]:
    folded = q.casefold()
    exact = [link for link in links.values() if link.base.title.casefold() == folded]
    return exact or [link for link in links.values() if folded in link.base.title.casefold()]


__all__ = ["copy_names", "find", "names_in"]

"""Reading item by item (P14): one odd item is reported, never raised out of a listing.

Every adapter converts what a listing returned through :func:`convert_each`, and what
``get`` (or ``find_by_origin``) read through :func:`convert_one`, so the rule is written once:
an item no converter accepts becomes an :class:`adapters.base.Unreadable` in the listing and a
:class:`hub.errors.ValidationRejected` (with the same reason) from ``get``. Zone names from
service data go through :func:`zone_name`, so a zone this host does not know falls back
instead of making the item unreadable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from adapters.base import RemoteItem, Unreadable
from hub.errors import SyncHubError, ValidationRejected
from hub.model import Item

log = logging.getLogger("synchub.adapters")

Raw = TypeVar("Raw")


def unreadable_reason(exc: BaseException) -> str:
    """One line a person can act on for a conversion that failed: what is wrong and, where
    the exception says, which value (never a traceback; the type names a bug as such)."""
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        where = ".".join(str(p) for p in err.get("loc", ()) if not isinstance(p, int))
        text = f"{where}: {msg}" if where and where not in msg else msg
    elif isinstance(exc, ZoneInfoNotFoundError):
        text = f"unknown time zone ({exc})"
    elif isinstance(exc, KeyError):
        text = f"unexpected shape: no {exc.args[0]!r} in it" if exc.args else "unexpected shape"
    elif isinstance(exc, OverflowError):
        text = f"a date or time out of range ({exc})"
    elif isinstance(exc, ValueError) and str(exc):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(text.split())


def _title_of(raw: Any, title: Callable[[Any], str]) -> str:
    try:
        return str(title(raw) or "").strip()
    except Exception:  # the title is a courtesy for the message: an odd shape has none
        return ""


def convert_each(raws: Iterable[Raw], convert: Callable[[Raw], RemoteItem], *,
                 ref: Callable[[Raw], str], title: Callable[[Raw], str],
                 service: str = "") -> tuple[list[RemoteItem], list[Unreadable]]:
    """Convert listed items one by one: an item whose conversion fails is reported as
    :class:`Unreadable` (its ref, what title can be read, a one-line reason) and the others
    go on, so one odd item never stops the round or its cursor (P14).

    Any exception from ``convert`` counts (a zone no database knows, a date out of range, a
    shape the converter does not expect), except a :class:`hub.errors.SyncHubError`: a
    request made while converting (a user lookup, a page body) that failed is the endpoint's
    trouble, not the item's, and fails the listing as any failed request does."""
    items: list[RemoteItem] = []
    bad: list[Unreadable] = []
    for raw in raws:
        try:
            items.append(convert(raw))
        except SyncHubError:
            raise
        except Exception as exc:
            odd = Unreadable(ref=str(ref(raw)), title=_title_of(raw, title),
                             reason=unreadable_reason(exc))
            log.warning("%s: item %s (%r) cannot be read and is left out: %s", service or
                        "adapter", odd.ref, odd.title, odd.reason)
            bad.append(odd)
    return items, bad


def convert_one(raw: Raw, convert: Callable[[Raw], RemoteItem], *, service: str,
                what: str = "item") -> RemoteItem:
    """``convert(raw)`` for :meth:`Adapter.get` and the like: a conversion that fails raises
    :class:`hub.errors.ValidationRejected` with the reason :func:`convert_each` reports, so
    the hub can tell a quarantined item that is still unreadable from one that was fixed."""
    try:
        return convert(raw)
    except SyncHubError:
        raise
    except Exception as exc:
        raise ValidationRejected(f"{what} cannot be read: {unreadable_reason(exc)}",
                                 service=service) from exc


def zone_name(name: str | None, *fallbacks: str | None, what: str) -> str:
    """A zone name ``ZoneInfo`` can load: ``name``, else the first loadable fallback (the
    calendar's zone, the user's), else UTC.

    ``zoneinfo`` reads the system database and, for names it lacks, the ``tzdata`` package (a
    dependency), so legacy links ("US/Pacific", "Asia/Calcutta") resolve. A name neither
    knows (newer than both, or a service's own) is logged once per read at WARNING with
    ``what`` (which event, which task) and read in the fallback zone: the item stays
    readable, at the time the fallback zone gives it."""
    for i, candidate in enumerate((name, *fallbacks, "UTC")):
        if not candidate:
            continue
        try:
            ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, TypeError):  # TypeError: not a string
            continue
        if i and name:
            log.warning("%s: unknown time zone %r; read in %s instead", what, name, candidate)
        return candidate
    return "UTC"


def readable_items(raws: Iterable[tuple[str, Raw]], convert: Callable[[Raw], Item]
                   ) -> dict[str, Item]:
    """The items of ``raws`` that convert, by id: a sandbox's view of what its user sees, as
    synchub items. One that no converter accepts (a date out of range) is left out, as the
    listing leaves it out of its items (it is reported as unreadable there)."""
    out: dict[str, Item] = {}
    for key, raw in raws:
        try:
            out[key] = convert(raw)
        except (ValueError, OverflowError, KeyError, ZoneInfoNotFoundError):
            continue
    return out

"""Dates in the Notion emulator: a date value (of a property or a mention) as Notion takes and
answers it, and the instants stored dates and filters compare as."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.notion.emu_errors import invalid, obj


def _datetime(name: str, text: Any, zone: str | None) -> str:
    """A date value's ``start``/``end`` as Notion answers it: a date stays a date; a time is
    rendered with its UTC offset (a wall-clock time in ``zone``, or UTC without one)."""
    if not isinstance(text, str):
        raise invalid(f"{name}.date.start should be a string.")
    try:
        if len(text) == 10:
            if zone:
                raise invalid("Dates with a time_zone must include a time.")
            return dt.date.fromisoformat(text).isoformat()
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{text!r} is not a valid ISO 8601 date.") from None
    if value.tzinfo is not None and zone:
        raise invalid("Dates with a time_zone cannot also have a UTC offset in start or end.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone) if zone else dt.UTC)
    return value.isoformat(timespec="milliseconds")


def date(name: str, raw: Any, where: str | None = None) -> dict[str, Any]:
    """Notion's rules for a date value: ``time_zone`` (an IANA name) only with wall-clock times
    and never with an offset; answered with offsets and ``time_zone: null``. ``where``: what
    the request calls it (a property's ``body.properties.{name}.date``), for its 400."""
    raw = obj(raw, where or f"body.properties.{name}.date", optional=False)
    zone = raw.get("time_zone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise invalid(f"{zone!r} is not a valid time zone.") from None
    start = _datetime(name, raw.get("start"), zone)
    end = _datetime(name, raw["end"], zone) if raw.get("end") else None
    return {"start": start, "end": end, "time_zone": None}


def moment(text: str) -> dt.datetime:
    """A stored ``start``/``end`` (or a filter's date) as an aware instant; a bare date is
    its midnight UTC, as Notion compares dates without a zone."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

"""Notion property values <-> canonical fields.

Which property holds which canonical field is decided by the mapping rules (``target``) and
checked against the data source's schema (:mod:`adapters.notion.schema`); this module only
converts values for a given property type.

Rich text (Markdown <-> annotated elements) lives in :mod:`adapters.notion.richtext`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from adapters.base import ValueMap
from adapters.reading import zone_name
from hub.model import (
    MAX_DATE,
    DateOnly,
    FloatingDateTime,
    Span,
    Status,
    StatusKind,
    ZonedDateTime,
    check_date,
)

# -- dates --------------------------------------------------------------------------------------
#
# Notion takes a time either with a UTC offset or as a wall-clock time plus ``time_zone`` (never
# both), and always answers with the offset and ``time_zone: null``. synchub writes every time
# with its UTC offset: a wall-clock time cannot say which of the two 02:30s of an autumn DST
# change it means (Europe/Berlin, 2026-10-25), and Notion took the first, an hour early. The
# zone's name does not come back, so a time reads as that instant in the user's zone
# (``EndpointContext.timezone``, where Notion shows it); a floating time is written in that zone.


def _parse(text: str, tz: str | None, user_tz: str) -> Any:
    if len(text) == 10:
        return DateOnly(date=dt.date.fromisoformat(text))
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:  # wall-clock time: in its time_zone, else (as Notion) UTC
        value = value.replace(tzinfo=ZoneInfo(tz) if tz else dt.UTC)
    return ZonedDateTime(at=value, tz=tz or user_tz)


def read_date(value: Mapping[str, Any] | None, user_tz: str = "UTC", what: str = "page"
              ) -> tuple[Any, Span | None]:
    """(due, span): the start as a moment; a span only when there is an end. A
    ``time_zone`` this host does not know (Notion answers null today, but the field is
    there) is read as the user's zone, logged, naming ``what``."""
    if not value or not value.get("start"):
        return None, None
    raw_tz = value.get("time_zone")
    tz = zone_name(raw_tz, user_tz, what=what) if raw_tz else None
    start = _parse(value["start"], tz, user_tz)
    if not value.get("end"):
        return start, None
    end = _parse(value["end"], tz, user_tz)
    if isinstance(start, DateOnly) and isinstance(end, DateOnly):
        # Notion's end is inclusive; the canonical one is exclusive, a day later, so the
        # last day of a range must leave room for it (a clear reason, not "9999-01-01")
        check_date(end.date, high=MAX_DATE - dt.timedelta(days=1), what="the last day of a range")
        end = DateOnly(date=end.date + dt.timedelta(days=1))
    try:
        return start, Span(start=start, end=end)
    except ValueError:
        return start, None


def _moment(m: Any, user_tz: str) -> str:
    if isinstance(m, DateOnly):
        return m.date.isoformat()
    if isinstance(m, FloatingDateTime):  # Notion has no floating time: the user's zone
        return m.at.replace(tzinfo=ZoneInfo(user_tz)).isoformat(timespec="seconds")
    assert isinstance(m, ZonedDateTime)
    return m.local().isoformat(timespec="seconds")  # the offset says which 02:30 it is


def write_date(due: Any, span: Span | None, user_tz: str) -> dict[str, Any] | None:
    if span is not None:
        end_m: Any = span.end
        if isinstance(end_m, DateOnly):
            end_m = DateOnly(date=end_m.date - dt.timedelta(days=1))
        start, end = represent_moment(span.start, user_tz), represent_moment(end_m, user_tz)
        return {"start": _moment(span.start, user_tz),
                "end": _moment(end_m, user_tz) if end != start else None, "time_zone": None}
    if due is None:
        return None
    return {"start": _moment(due, user_tz), "end": None, "time_zone": None}


def represent_span(span: Span, user_tz: str) -> Span | None:
    """What a span reads back as: none when it has no length in Notion (a single all-day
    date, or a time that ends when it starts), else its moments as they read back."""
    if isinstance(span.start, DateOnly) and isinstance(span.end, DateOnly) and \
            span.end.date - span.start.date == dt.timedelta(days=1):
        return None
    start, end = represent_moment(span.start, user_tz), represent_moment(span.end, user_tz)
    return None if start == end else Span(start=start, end=end)


def represent_moment(m: Any, user_tz: str) -> Any:
    """A time reads back as the same instant in the user's zone (Notion does not return the
    zone's name); a floating time is stored in the user's zone."""
    if isinstance(m, FloatingDateTime):
        return ZonedDateTime(at=m.at.replace(tzinfo=ZoneInfo(user_tz)), tz=user_tz)
    if isinstance(m, ZonedDateTime):
        return ZonedDateTime(at=m.at, tz=user_tz)
    return m


# -- status and priority ------------------------------------------------------------------------


def read_status(kind: str, value: Any, status_map: ValueMap | None) -> Status:
    if kind == "checkbox":
        return Status(kind=StatusKind.DONE if value else StatusKind.OPEN)
    name = value.get("name") if isinstance(value, dict) else None
    if name is not None and status_map is not None and name in status_map.to_canonical:
        return Status(kind=StatusKind(status_map.to_canonical[name]), raw=name)
    return Status(kind=StatusKind.OPEN, raw=name)


def write_status(kind: str, status: Status, status_map: ValueMap | None) -> Any:
    if kind == "checkbox":
        return status.kind.closed
    name = status_map.to_remote.get(status.kind.value) if status_map else None
    return {"name": name} if name else None


def read_priority(kind: str, value: Any, priority_map: ValueMap | None) -> int | None:
    if kind == "number":
        return int(value) if value in (1, 2, 3, 4) else None
    name = value.get("name") if isinstance(value, dict) else None
    if name is None:
        return None
    if priority_map is not None and name in priority_map.to_canonical:
        return int(priority_map.to_canonical[name])
    return int(name) if name in ("1", "2", "3", "4") else None


def write_priority(kind: str, priority: int | None, priority_map: ValueMap | None) -> Any:
    if kind == "number":
        return priority
    if priority is None:
        return None
    name = priority_map.to_remote.get(str(priority)) if priority_map else str(priority)
    return {"name": name} if name else None


# -- duration -----------------------------------------------------------------------------------


def read_minutes(value: Any) -> int | None:
    """A number property as whole minutes: rounded; none, zero or negative is no duration."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    minutes = round(value)
    return minutes if minutes > 0 else None


# -- sprint and points --------------------------------------------------------------------------


def read_sprint(kind: str, value: Any) -> str | None:
    """A select's option, a text's plain text, or a multi-select's first option (a sprint
    is one value; a second one is not synced and is replaced when the sprint is written)."""
    if kind == "select":
        return value.get("name") if isinstance(value, dict) else None
    if kind == "multi_select":
        return next((o.get("name") for o in value or [] if isinstance(o, dict)), None)
    return "".join(str(t.get("plain_text") or (t.get("text") or {}).get("content") or "")
                   for t in value or [] if isinstance(t, dict)).strip() or None


def write_sprint(kind: str, sprint: str | None) -> Any:
    """A select option Notion adds if the data source lacks it, as the app does."""
    if kind == "select":
        return {"name": sprint} if sprint else None
    if kind == "multi_select":
        return [{"name": sprint}] if sprint else []
    return [{"type": "text", "text": {"content": sprint}}] if sprint else []


def read_points(value: Any) -> float | None:
    """A number property as story points; none or a negative number is no points."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value) if value >= 0 else None


def write_points(points: float | None) -> int | float | None:
    return None if points is None else int(points) if points == int(points) else points

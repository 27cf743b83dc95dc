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
from hub.model import DateOnly, FloatingDateTime, Span, Status, StatusKind, ZonedDateTime

# -- dates --------------------------------------------------------------------------------------


def _parse(text: str, tz: str | None) -> Any:
    if len(text) == 10:
        return DateOnly(date=dt.date.fromisoformat(text))
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if tz:
        local = value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(
            ZoneInfo(tz)).replace(tzinfo=None)
        return ZonedDateTime(at=local.replace(tzinfo=ZoneInfo(tz)), tz=tz)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return ZonedDateTime(at=value, tz="UTC")


def read_date(value: Mapping[str, Any] | None) -> tuple[Any, Span | None]:
    """(due, span): the start as a moment; a span only when there is an end."""
    if not value or not value.get("start"):
        return None, None
    tz = value.get("time_zone")
    start = _parse(value["start"], tz)
    if not value.get("end"):
        return start, None
    end = _parse(value["end"], tz)
    if isinstance(start, DateOnly) and isinstance(end, DateOnly):
        end = DateOnly(date=end.date + dt.timedelta(days=1))  # Notion's end is inclusive
    try:
        return start, Span(start=start, end=end)
    except ValueError:
        return start, None


def _moment(m: Any, user_tz: str) -> tuple[str, str | None]:
    if isinstance(m, DateOnly):
        return m.date.isoformat(), None
    if isinstance(m, FloatingDateTime):  # Notion has no floating time: the user's zone
        return m.at.isoformat(timespec="seconds"), user_tz
    assert isinstance(m, ZonedDateTime)
    return m.local().replace(tzinfo=None).isoformat(timespec="seconds"), m.tz


def write_date(due: Any, span: Span | None, user_tz: str) -> dict[str, Any] | None:
    if span is not None:
        start, tz = _moment(span.start, user_tz)
        end_m: Any = span.end
        if isinstance(end_m, DateOnly):
            end_m = DateOnly(date=end_m.date - dt.timedelta(days=1))
        end, _ = _moment(end_m, user_tz)
        return {"start": start, "end": end if end != start else None, "time_zone": tz}
    if due is None:
        return None
    start, tz = _moment(due, user_tz)
    return {"start": start, "end": None, "time_zone": tz}


def represent_span(span: Span, user_tz: str) -> Span | None:
    """What a span reads back as: none when it is a single all-day date (no end in Notion)."""
    if isinstance(span.start, DateOnly) and isinstance(span.end, DateOnly) and \
            span.end.date - span.start.date == dt.timedelta(days=1):
        return None
    start, end = represent_moment(span.start, user_tz), represent_moment(span.end, user_tz)
    return Span(start=start, end=end)


def represent_moment(m: Any, user_tz: str) -> Any:
    """A floating time is stored in the user's zone."""
    if isinstance(m, FloatingDateTime):
        return ZonedDateTime(at=m.at.replace(tzinfo=ZoneInfo(user_tz)), tz=user_tz)
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

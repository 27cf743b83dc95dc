"""The canonical model every adapter converts to and from.

Terminology (used across hub/ and adapters/):

- **item**: one unit of work in canonical form (:class:`Item`), whatever service it lives in.
- **copy**: an item as it lives in one service, named by that service's ``ref`` (its id).
- **link**: the set of copies of "the same" item across the endpoints of a flow.
- **base**: the last value of a field that synchub knows a copy agreed on; the planner merges
  three-way against it, so only real edits move.

Values are normalised when an :class:`Item` is built (labels sorted and de-duplicated, e-mails
lower-cased, line endings unified, RRULE parts ordered), so equality and hashing are on content:
the same content read twice, or read back after our own write, never looks like a change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

# --------------------------------------------------------------------------------------------
# Time: three kinds of "when", never mixed up.
# --------------------------------------------------------------------------------------------

#: The dates synchub syncs. Python's own range is 0001-01-01..9999-12-31, but converting a
#: value for a service does arithmetic on it: an all-day end is exclusive (date + 1 day),
#: Notion's end is inclusive (date - 1 day), a time moves by up to a day between zones. One day
#: inside Python's range at both ends, every such step stays representable, so a write can
#: never overflow half-way through a round; a value outside is refused where it is built (a
#: copy read from a service with one becomes unreadable, named to the user, instead of
#: stopping the round). A zoned time is checked on its UTC and its local date (a zone's date
#: is what an all-day copy of it holds).
MIN_DATE = dt.date(1, 1, 2)
MAX_DATE = dt.date(9998, 12, 31)
_DAY = dt.timedelta(days=1)


def check_date(d: dt.date, low: dt.date = MIN_DATE, high: dt.date = MAX_DATE,
               what: str = "dates") -> dt.date:
    """``d`` when synchub can sync it, else a ValueError a person can act on."""
    if not low <= d <= high:
        raise ValueError(f"date {d.isoformat()} is out of range: synchub syncs {what} from "
                         f"{low.isoformat()} to {high.isoformat()}")
    return d


class DateOnly(BaseModel):
    """A calendar date with no time: an all-day due date or an all-day event bound."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["date"] = "date"
    date: dt.date

    @field_validator("date")
    @classmethod
    def _in_range(cls, v: dt.date) -> dt.date:
        return check_date(v)

    def __str__(self) -> str:
        return self.date.isoformat()


class FloatingDateTime(BaseModel):
    """A wall-clock date-time with no zone ("9:00 wherever I am"), as Todoist's floating dues."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["floating"] = "floating"
    at: dt.datetime

    @field_validator("at")
    @classmethod
    def _naive(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is not None:
            raise ValueError("a floating date-time has no time zone")
        # a day further in than dates: placed in any zone (a calendar has no floating
        # times) it is still a zoned time in range
        check_date(v.date(), MIN_DATE + _DAY, MAX_DATE - _DAY, "floating times")
        return v.replace(microsecond=0)

    def __str__(self) -> str:
        return self.at.isoformat()


class ZonedDateTime(BaseModel):
    """An instant pinned to an IANA zone. Equality is on the instant *and* the zone name.

    The instant is stored in UTC so two readings of the same moment compare equal whatever offset
    the remote used to spell it; the zone is kept because a calendar event "at 9:00
    Europe/Berlin" must stay at 9:00 across a DST change, which a fixed offset would not.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["zoned"] = "zoned"
    at: dt.datetime
    tz: str = "UTC"

    @field_validator("at")
    @classmethod
    def _aware_utc(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("a zoned date-time needs a time zone")
        try:
            utc = v.astimezone(dt.UTC)
        except OverflowError:  # 9999-12-31T23:00-05:00 has no UTC reading; its own date is
            utc = v.replace(tzinfo=None)  # out of range as well, so it is refused below
        check_date(utc.date())
        return utc.replace(microsecond=0)

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        if v in ("Z", "UTC", "Etc/UTC"):
            return "UTC"
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @model_validator(mode="after")
    def _local_in_range(self) -> ZonedDateTime:
        check_date(self.local().date())
        return self

    def local(self) -> dt.datetime:
        """The wall-clock time in the item's own zone (aware)."""
        return self.at.astimezone(ZoneInfo(self.tz))

    def __str__(self) -> str:
        return f"{self.local().isoformat()} [{self.tz}]"


Moment = Annotated[DateOnly | FloatingDateTime | ZonedDateTime, Field(discriminator="kind")]


class Span(BaseModel):
    """A start and an end. For all-day spans (both ends :class:`DateOnly`) the end is exclusive,
    as in iCalendar and Google Calendar: a one-day event on the 5th is ``[5th, 6th)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    start: Moment
    end: Moment

    @model_validator(mode="after")
    def _same_kind_and_ordered(self) -> Span:
        if self.start.kind != self.end.kind:
            raise ValueError("a span's start and end must be of the same kind")
        if sort_key(self.end) < sort_key(self.start):
            raise ValueError("a span cannot end before it starts")
        if isinstance(self.start, DateOnly) and self.start == self.end:
            raise ValueError("an all-day span's end is exclusive, so it must be after its start")
        return self

    @property
    def all_day(self) -> bool:
        return isinstance(self.start, DateOnly)


def sort_key(m: DateOnly | FloatingDateTime | ZonedDateTime) -> dt.datetime:
    """A naive UTC-ish datetime for ordering moments of the same kind (not across kinds)."""
    if isinstance(m, DateOnly):
        return dt.datetime.combine(m.date, dt.time())
    if isinstance(m, FloatingDateTime):
        return m.at
    return m.at.replace(tzinfo=None)


# --------------------------------------------------------------------------------------------
# Status
# --------------------------------------------------------------------------------------------


class StatusKind(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def closed(self) -> bool:
        return self in (StatusKind.DONE, StatusKind.CANCELLED)


class Status(BaseModel):
    """A canonical status kind plus the remote's own value (``"In Review"``, a section name).

    Equality and hashing look at ``kind`` only: the raw value differs from service to service
    by nature, and comparing it would make every link look conflicted. ``raw`` is kept so an
    adapter can write back the precise remote status when the kind alone is ambiguous.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: StatusKind
    raw: str | None = None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Status):
            return self.kind == other.kind
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.kind)


# --------------------------------------------------------------------------------------------
# Item
# --------------------------------------------------------------------------------------------

#: Fields the planner merges. Metadata (``updated_at``, ``origin``) is never merged.
SYNC_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "status",
    "due",
    "deadline",
    "span",
    "duration",
    "sprint",
    "points",
    "priority",
    "labels",
    "assignee",
    "url",
    "recurrence",
    "parent",
)


def _norm_text(v: str | None) -> str | None:
    if v is None:
        return None
    v = v.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in v.split("\n")).strip("\n") or None


_EXDATE_VALUE = re.compile(r"^\d{8}(T\d{6})?$")


def _exdates(val: str) -> str:
    """An ``EXDATE`` part's values, sorted and each once; each a date or a wall-clock
    date-time in the item's own zone (``20261207``, ``20261207T090000``)."""
    values = sorted({x.strip() for x in val.split(",") if x.strip()})
    bad = [x for x in values if not _EXDATE_VALUE.match(x)]
    if bad:
        raise ValueError(f"EXDATE values are YYYYMMDD or YYYYMMDDTHHMMSS, not {bad[0]!r}")
    return ",".join(values)


def normalise_rrule(v: str) -> str:
    """``rrule:freq=weekly;byday=MO`` and ``RRULE:BYDAY=MO;FREQ=WEEKLY`` are the same rule.

    The canonical rule may carry one part RFC 5545 keeps on its own line: ``EXDATE=`` lists
    the occurrences taken out of the series (a calendar's deleted instances), in the item's
    wall-clock time, so one text says which occurrences exist (:mod:`hub.recurrence`)."""
    text = v.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts = [p for p in text.split(";") if p.strip()]
    pairs: list[tuple[str, str]] = []
    for p in parts:
        if "=" not in p:
            raise ValueError(f"malformed RRULE part {p!r}")
        k, val = p.split("=", 1)
        key, value = k.strip().upper(), val.strip().upper()
        if key == "EXDATE":
            value = _exdates(value)
            if not value:
                continue
        pairs.append((key, value))
    keys = [k for k, _ in pairs]
    if "FREQ" not in keys:
        raise ValueError("an RRULE needs FREQ")
    if len(set(keys)) != len(keys):
        raise ValueError("an RRULE part is repeated")
    pairs.sort(key=lambda kv: (kv[0] != "FREQ", kv[0]))
    return ";".join(f"{k}={val}" for k, val in pairs)


class Item(BaseModel):
    """One task/issue/event/row in canonical form. Immutable; build a new one with
    :meth:`evolve`. ``None`` means "no value" (cleared), never "unknown": an adapter that does
    not support a field simply does not list it in its capabilities, and the planner ignores it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = ""
    description: str | None = None  # Markdown
    status: Status = Status(kind=StatusKind.OPEN)
    due: Moment | None = None
    deadline: DateOnly | None = None
    span: Span | None = None  # calendar time block
    duration: int | None = Field(default=None, ge=1)  # planned length in minutes
    sprint: str | None = None  # the current (active, else next) sprint's name
    points: float | None = Field(default=None, ge=0, allow_inf_nan=False)  # story points
    priority: int | None = Field(default=None, ge=1, le=4)  # 4 = most urgent
    labels: tuple[str, ...] = ()
    assignee: str | None = None  # e-mail
    url: str | None = None
    recurrence: str | None = None  # RFC 5545 RRULE value, without "RRULE:"
    parent: str | None = None  # link id of the parent item (not a remote ref)
    updated_at: dt.datetime | None = None  # remote's last-modified time, UTC; metadata
    origin: str | None = None  # origin marker found on the remote copy (a link id); metadata

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> Any:
        return v.strip() if isinstance(v, str) else ("" if v is None else v)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, v: Any) -> Any:
        return _norm_text(v) if isinstance(v, str) else v

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, v: Any) -> Any:
        if v is None:
            return ()
        if isinstance(v, str):
            v = [v]
        return tuple(sorted({str(x).strip() for x in v if str(x).strip()}))

    @field_validator("assignee", "url", "sprint", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            return v or None
        return v

    @field_validator("assignee")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return v.lower() if v else v

    @field_validator("recurrence", mode="before")
    @classmethod
    def _rrule(cls, v: Any) -> Any:
        if isinstance(v, str):
            return normalise_rrule(v) if v.strip() else None
        return v

    @field_validator("duration", mode="before")
    @classmethod
    def _minutes(cls, v: Any) -> Any:
        """Whole minutes: a service's seconds or fractions are rounded, never refused."""
        if isinstance(v, float) and v == v and abs(v) != float("inf"):
            return round(v)
        return v

    @field_validator("points", mode="before")
    @classmethod
    def _points(cls, v: Any) -> Any:
        """To the hundredth, as a float: Jira's ``3.0``, Notion's ``3`` and a Todoist label's
        ``"3"`` are one value, and float noise (``0.1 + 0.2``) never reads as an edit. A
        boolean is not a number of points (pydantic would take ``True`` as 1)."""
        if isinstance(v, bool):
            raise ValueError("points are a number, not a boolean")
        if isinstance(v, str) and v.strip():
            try:
                v = float(v)
            except ValueError:
                return v  # refused as pydantic words it
        if isinstance(v, int | float) and v == v and abs(v) != float("inf"):
            return round(float(v), 2) + 0.0  # + 0.0: -0.0 is 0
        return v

    @field_validator("updated_at")
    @classmethod
    def _utc(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is None:
            return None
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.UTC)
        return v.astimezone(dt.UTC)

    # -- equality: on content, never on metadata ---------------------------------------------

    def content(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in SYNC_FIELDS)

    def __eq__(self, other: object) -> bool:
        """Two items are equal when their synced content is: ``updated_at`` and ``origin`` are
        metadata, so re-reading a copy (or reading back our own write) is never a change."""
        if isinstance(other, Item):
            return self is other or self.content() == other.content()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.content())

    # -- helpers ------------------------------------------------------------------------------

    def evolve(self, **changes: Any) -> Item:
        """A copy with ``changes`` applied and validated (``model_copy`` skips validation)."""
        data = self.model_dump()
        data.update(changes)
        return Item.model_validate(data)

    def value(self, field: str) -> Any:
        return getattr(self, field)

    def project(self, fields: frozenset[str] | set[str]) -> dict[str, Any]:
        """The sync fields in ``fields`` as a dict of (frozen) values, for comparisons."""
        return {f: getattr(self, f) for f in SYNC_FIELDS if f in fields}

    def content_hash(self, fields: frozenset[str] | set[str] | None = None) -> str:
        """A stable digest of the sync fields (all of them by default); metadata excluded."""
        wanted = set(SYNC_FIELDS) if fields is None else set(fields)
        dumped = self.model_dump(mode="json", include=wanted)
        if "status" in dumped:
            dumped["status"] = dumped["status"]["kind"]
        blob = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> Item:
        return cls.model_validate_json(text)


def fields_equal(a: Item, b: Item, field: str) -> bool:
    """Field equality on normalised values (``Status`` compares by kind)."""
    return bool(getattr(a, field) == getattr(b, field))


def diff_fields(a: Item, b: Item, fields: frozenset[str] | set[str] | None = None) -> set[str]:
    wanted = SYNC_FIELDS if fields is None else [f for f in SYNC_FIELDS if f in fields]
    return {f for f in wanted if not fields_equal(a, b, f)}

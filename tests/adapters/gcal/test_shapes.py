"""The emulator's answers fit the official discovery document: every property it sends is one
the schema defines, with the schema's JSON type (``int64`` values are strings), for events,
event lists, the calendar list and its entries, calendars and watch channels. The schemas
are copied from the document bundled in google-api-python-client
(``calendar_v3_schemas.json``, see its ``source``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hub.model import DateOnly, Item, ZonedDateTime
from tests.adapters.gcal.conftest import GcalHarness

SCHEMAS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "calendar_v3_schemas.json").read_text())["schemas"]
TYPES = {"string": str, "boolean": bool, "integer": int, "number": (int, float),
         "array": list, "object": dict}


def problems(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """What in ``value`` the schema does not allow (empty: it fits)."""
    if "$ref" in schema:
        return problems(value, SCHEMAS[schema["$ref"]], where)
    want = schema.get("type")
    wrong = want is not None and not isinstance(value, TYPES[want])
    if wrong or (want == "integer" and isinstance(value, bool)):
        return [f"{where}: {type(value).__name__}, schema says {want}"]
    out: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for k, v in value.items():
            if props is not None and k in props:
                out += problems(v, props[k], f"{where}.{k}")
            elif extra is not None:
                out += problems(v, extra, f"{where}.{k}")
            else:
                out.append(f"{where}.{k}: not in the schema")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            out += problems(v, schema["items"], f"{where}[{i}]")
    return out


def _fits(value: Any, name: str) -> None:
    assert problems(value, SCHEMAS[name], name) == []


def _call(h: GcalHarness, make: Any) -> Any:
    return h.adapter.client.call(make)


def test_events_and_event_lists(harness: GcalHarness) -> None:
    a = harness.adapter
    made = a.create(Item(title="x", description="d", recurrence="FREQ=WEEKLY;COUNT=3",
                         due=ZonedDateTime(at=dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC),
                                           tz="Europe/Berlin")), origin="L", idempotency_key="s")
    gone = a.create(Item(title="y", due=DateOnly(date=dt.date(2026, 1, 5))), origin="M",
                    idempotency_key="t")
    a.delete(gone.ref, expected_version=None)
    ev = a.events
    _fits(_call(harness, lambda: ev.get(calendarId="primary", eventId=made.ref)), "Event")
    _fits(_call(harness, lambda: ev.get(calendarId="primary", eventId=gone.ref)), "Event")
    for params in ({}, {"showDeleted": True}, {"singleEvents": True}, {"maxResults": 1}):
        listing = _call(harness, lambda p=params: ev.list(calendarId="primary", **p))
        _fits(listing, "Events")
        assert listing["items"], params


def test_calendar_list_and_calendars(harness: GcalHarness) -> None:
    harness.emu.add_calendar("team", "Team", tz="America/New_York", access_role="reader")
    service = harness.adapter.client.service
    listing = _call(harness, lambda: service.calendarList().list())
    _fits(listing, "CalendarList")
    assert {e["accessRole"] for e in listing["items"]} == {"owner", "reader"}
    for entry in listing["items"]:
        _fits(entry, "CalendarListEntry")
        _fits(_call(harness, lambda e=entry: service.calendars().get(calendarId=e["id"])),
              "Calendar")


def test_watch_channels(harness: GcalHarness) -> None:
    service = harness.adapter.client.service
    channel = _call(harness, lambda: service.events().watch(calendarId="primary", body={
        "id": "shape-1", "type": "web_hook", "address": "http://127.0.0.1:9/hook",
        "token": "t"}))
    _fits(channel, "Channel")
    bare = _call(harness, lambda: service.events().watch(calendarId="primary", body={
        "id": "shape-2", "type": "web_hook", "address": "http://127.0.0.1:9/hook"}))
    _fits(bare, "Channel")  # no token asked for: none sent back (not a null)


def test_the_checker_finds_what_does_not_fit() -> None:
    assert problems({"id": 1, "nonsense": True}, SCHEMAS["Channel"], "Channel") == [
        "Channel.id: int, schema says string", "Channel.nonsense: not in the schema"]
    assert problems({"start": {"date": "2026-01-01", "dateTim": "x"}}, SCHEMAS["Event"],
                    "Event") == ["Event.start.dateTim: not in the schema"]

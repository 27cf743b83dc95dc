"""``events.list``'s parameters through googleapiclient against the Calendar emulator, as a
user's other tools call it: a time window, free-text search, ordering by start (only with
singleEvents, as Google requires), edited-since with deletions, event types, the answer's
time zone; and Google's 400s where it refuses a combination."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from adapters.gcal.client import GcalClient
from adapters.gcal.sandbox import GcalSandbox


@pytest.fixture
def cal() -> Iterator[tuple[GcalSandbox, Any]]:
    sb = GcalSandbox()
    service = GcalClient(sb.emu.base_url).service
    events = [("Standup", "2026-12-07T09:00:00+01:00", "2026-12-07T09:15:00+01:00", {}),
              ("Retro", "2026-12-04T15:00:00+01:00", "2026-12-04T16:00:00+01:00",
               {"description": "what went well", "attendees": [
                   {"email": "ana@example.com", "displayName": "Ana Lima"}]}),
              ("Focus", "2026-12-05T10:00:00+01:00", "2026-12-05T12:00:00+01:00",
               {"eventType": "focusTime"})]
    for summary, start, end, extra in events:
        service.events().insert(calendarId="primary", body={
            "summary": summary, "start": {"dateTime": start}, "end": {"dateTime": end},
            **extra}).execute()
    service.events().insert(calendarId="primary", body={
        "summary": "Holiday", "start": {"date": "2026-12-08"},
        "end": {"date": "2026-12-09"}}).execute()
    try:
        yield sb, service
    finally:
        sb.emu.stop()


def _titles(answer: dict[str, Any]) -> list[str]:
    return [e.get("summary", e["status"]) for e in answer["items"]]


def test_a_time_window_returns_the_events_that_overlap_it(cal: tuple[Any, Any]) -> None:
    _, service = cal
    answer = service.events().list(calendarId="primary", timeMin="2026-12-05T11:00:00Z",
                                   timeMax="2026-12-08T00:30:00+01:00").execute()
    # Focus ends at 12:00+01:00 = 11:00Z: not after timeMin; the all-day Holiday starts at
    # midnight in the calendar's zone (Berlin), inside the window
    assert sorted(_titles(answer)) == ["Holiday", "Standup"]


def test_a_bound_without_an_offset_is_refused(cal: tuple[Any, Any]) -> None:
    _, service = cal
    with pytest.raises(HttpError) as refused:
        service.events().list(calendarId="primary", timeMin="2026-12-05T11:00:00").execute()
    assert refused.value.resp.status == 400


def test_search_and_event_types(cal: tuple[Any, Any]) -> None:
    _, service = cal
    found = service.events().list(calendarId="primary", q="went ana").execute()
    assert _titles(found) == ["Retro"]  # every word, in the description and an attendee
    focus = service.events().list(calendarId="primary", eventTypes="focusTime").execute()
    assert _titles(focus) == ["Focus"]


def test_order_by_start_needs_single_events(cal: tuple[Any, Any]) -> None:
    _, service = cal
    with pytest.raises(HttpError) as refused:
        service.events().list(calendarId="primary", orderBy="startTime").execute()
    assert refused.value.resp.status == 400
    ordered = service.events().list(calendarId="primary", orderBy="startTime",
                                    singleEvents=True).execute()
    assert _titles(ordered) == ["Retro", "Focus", "Standup", "Holiday"]


def test_updated_min_brings_deletions_and_sync_refuses_show_deleted_false(
        cal: tuple[GcalSandbox, Any]) -> None:
    _, service = cal
    first = service.events().list(calendarId="primary").execute()
    mark = max(e["updated"] for e in first["items"])
    retro = next(e for e in first["items"] if e["summary"] == "Retro")
    service.events().delete(calendarId="primary", eventId=retro["id"]).execute()
    since = service.events().list(calendarId="primary", updatedMin=mark).execute()
    assert [e["status"] for e in since["items"] if e["id"] == retro["id"]] == ["cancelled"]
    with pytest.raises(HttpError) as refused:
        service.events().list(calendarId="primary", syncToken=first["nextSyncToken"],
                              showDeleted=False).execute()
    assert refused.value.resp.status == 400


def test_the_answer_is_in_the_time_zone_asked_for(cal: tuple[Any, Any]) -> None:
    _, service = cal
    answer = service.events().list(calendarId="primary", timeZone="Asia/Tokyo").execute()
    assert answer["timeZone"] == "Asia/Tokyo"


@pytest.mark.parametrize(("wkst", "days"), [("MO", [5, 10, 19, 24]), ("SU", [5, 17, 19, 31])])
def test_recurrence_honours_the_week_start(wkst: str, days: list[int]) -> None:
    """RFC 5545's own example (section 3.3.10): changing only WKST changes the instances.
    The emulator expands rules with python-dateutil's rrule."""
    sb = GcalSandbox()
    try:
        service = GcalClient(sb.emu.base_url).service
        series = service.events().insert(calendarId="primary", body={
            "summary": "Biweekly", "recurrence": [
                f"RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST={wkst}"],
            "start": {"dateTime": "1997-08-05T09:00:00", "timeZone": "America/New_York"},
            "end": {"dateTime": "1997-08-05T10:00:00", "timeZone": "America/New_York"},
        }).execute()
        listed = service.events().list(calendarId="primary", singleEvents=True,
                                       orderBy="startTime").execute()
        starts = [e["start"]["dateTime"] for e in listed["items"]
                  if e.get("recurringEventId") == series["id"]]
        assert [int(s[8:10]) for s in starts] == days
        assert all(s.startswith("1997-08") and s.endswith("T09:00:00-04:00") for s in starts)
    finally:
        sb.emu.stop()


def test_instances_and_move(cal: tuple[GcalSandbox, Any]) -> None:
    """``events.instances`` lists a series' occurrences (in a window too); ``events.move``
    takes an event to another calendar under the same id, deleted where it was."""
    sb, service = cal
    series = service.events().insert(calendarId="primary", body={
        "summary": "Weekly sync", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
        "start": {"dateTime": "2026-12-01T10:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-12-01T10:30:00", "timeZone": "Europe/Berlin"}}).execute()
    listed = service.events().instances(calendarId="primary", eventId=series["id"]).execute()
    assert [i["start"]["dateTime"][:10] for i in listed["items"]] == [
        "2026-12-01", "2026-12-08", "2026-12-15"]
    assert {i["recurringEventId"] for i in listed["items"]} == {series["id"]}
    window = service.events().instances(calendarId="primary", eventId=series["id"],
                                        timeMin="2026-12-05T00:00:00Z").execute()
    assert len(window["items"]) == 2
    sb.emu.add_calendar("team@group.calendar.google.com", "Team")
    standup = next(e for e in service.events().list(calendarId="primary").execute()["items"]
                   if e["summary"] == "Standup")
    moved = service.events().move(calendarId="primary", eventId=standup["id"],
                                  destination="team@group.calendar.google.com").execute()
    assert moved["id"] == standup["id"]
    team = service.events().list(calendarId="team@group.calendar.google.com").execute()
    assert [e["summary"] for e in team["items"]] == ["Standup"]
    gone = service.events().get(calendarId="primary", eventId=standup["id"]).execute()
    assert gone["status"] == "cancelled"

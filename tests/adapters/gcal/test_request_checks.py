"""What the Calendar emulator refuses at the door, as Google does (a zone that is no zone,
recurrence lines that do not read, bodies that are not the Event schema, bad JSON: 400s,
never a 500), and that what a test plants (as Google may hold it) never breaks a listing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError

from adapters.gcal.sandbox import GcalSandbox

TIMED = {"start": {"dateTime": "2026-01-05T09:00:00+01:00", "timeZone": "Europe/Berlin"},
         "end": {"dateTime": "2026-01-05T10:00:00+01:00", "timeZone": "Europe/Berlin"}}


def _refused(request: Any) -> dict[str, Any]:
    with pytest.raises(HttpError) as exc:
        request.execute()
    assert exc.value.resp.status == 400
    return dict(exc.value.error_details[0])


def test_an_unknown_zone_is_refused_on_insert_patch_and_update(service: Any) -> None:
    mars = {"summary": "Bad zone",
            "start": {"dateTime": "2026-01-05T09:00:00", "timeZone": "Mars/Olympus"},
            "end": {"dateTime": "2026-01-05T10:00:00", "timeZone": "Mars/Olympus"}}
    err = _refused(service.events().insert(calendarId="primary", body=mars))
    assert err == {"domain": "global", "reason": "invalid",
                   "message": "Invalid time zone definition for start time."}
    ok = service.events().insert(calendarId="primary", body={"summary": "x", **TIMED}
                                 ).execute()
    err = _refused(service.events().patch(calendarId="primary", eventId=ok["id"], body={
        "end": {"timeZone": "Mars/Olympus"}}))
    assert err["message"] == "Invalid time zone definition for end time."
    _refused(service.events().update(calendarId="primary", eventId=ok["id"], body=mars))
    listed = service.events().list(calendarId="primary",
                                   timeMin="2026-01-01T00:00:00Z").execute()
    assert [e["summary"] for e in listed["items"]] == ["x"]


@pytest.mark.parametrize("line", ["EXDATE:2026", "RDATE:tomorrow", "EXDATE;TZID=Mars/X:"
                                  "20260105T090000", "RRULE:FREQ=SOMETIMES", "NOT A LINE"])
def test_recurrence_lines_that_do_not_read_are_400(service: Any, line: str) -> None:
    body = {"summary": "r", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3", line], **TIMED}
    err = _refused(service.events().insert(calendarId="primary", body=body))
    assert err["reason"] == "invalid"


@pytest.mark.parametrize(("body", "reason"), [
    (b"[1]", "parseError"), (b"{bad", "parseError"),
    (b'{"start": "x", "end": "y"}', "invalid"),
    (b'{"summary": "s", "start": {"date": "2026-13-40"}, "end": {"date": "2026-12-02"}}',
     "invalid"),
    (b'{"summary": "s", "colour": "7", "start": {"date": "2026-12-01"}, '
     b'"end": {"date": "2026-12-02"}}', "invalid")])
def test_malformed_bodies_are_googles_400(sandbox: GcalSandbox, body: bytes,
                                         reason: str) -> None:
    url = f"{sandbox.emu.base_url}/calendar/v3/calendars/primary/events"
    resp = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["error"]["errors"][0]["reason"] == reason


def test_a_patch_with_a_start_that_is_no_object_is_400(service: Any) -> None:
    ok = service.events().insert(calendarId="primary", body={"summary": "x", **TIMED}
                                 ).execute()
    for patch in ({"start": "2026-01-01"}, {"recurrence": "RRULE:FREQ=DAILY"},
                  {"attendees": [{"email": 7}]}):
        assert _refused(service.events().patch(calendarId="primary", eventId=ok["id"],
                                               body=patch))["reason"] == "invalid"
    assert service.events().get(calendarId="primary", eventId=ok["id"]).execute()[
        "summary"] == "x"


def test_a_recurring_event_in_a_zone_this_host_lacks_still_lists(
        sandbox: GcalSandbox, service: Any) -> None:
    """Planted as Google would answer it: with the offset. The series repeats at that
    offset, and every listing answers."""
    sandbox.emu.insert("primary", {
        "id": uuid.uuid4().hex, "summary": "Far away", "recurrence": [
            "RRULE:FREQ=WEEKLY;COUNT=2"],
        "start": {"dateTime": "2026-01-05T09:00:00+05:00", "timeZone": "Foo/Bar"},
        "end": {"dateTime": "2026-01-05T10:00:00+05:00", "timeZone": "Foo/Bar"}})
    listed = service.events().list(calendarId="primary", singleEvents=True,
                                   timeMin="2026-01-01T00:00:00Z").execute()
    assert [e["start"]["dateTime"] for e in listed["items"]] == [
        "2026-01-05T09:00:00+05:00", "2026-01-12T09:00:00+05:00"]


@pytest.mark.nonconforming("plants times Google would never answer (no offset, 'soon')")
def test_no_stored_event_makes_a_listing_fail(sandbox: GcalSandbox, service: Any) -> None:
    emu = sandbox.emu
    emu.insert("primary", {"id": uuid.uuid4().hex, "summary": "naive",
                           "start": {"dateTime": "2026-01-05T09:00:00", "timeZone": "Foo/Bar"},
                           "end": {"dateTime": "2026-01-05T10:00:00", "timeZone": "Foo/Bar"}})
    emu.insert("primary", {"id": uuid.uuid4().hex, "summary": "soon",
                           "start": {"dateTime": "soon"}, "end": {"dateTime": "later"}})
    junk = emu.insert("primary", {"id": uuid.uuid4().hex, "summary": "junk rule", **TIMED})
    junk["recurrence"] = ["RRULE:FREQ=NEVER"]  # as if stored before the checks existed
    for params in ({}, {"timeMin": "2026-01-01T00:00:00Z"},
                   {"singleEvents": True, "orderBy": "startTime"},
                   {"singleEvents": True, "timeMin": "2026-01-01T00:00:00Z",
                    "timeMax": "2027-01-01T00:00:00Z"}):
        listed = service.events().list(calendarId="primary", **params).execute()
        assert "junk rule" in [e["summary"] for e in listed["items"]], params


def test_instances_of_a_series_that_cannot_expand_is_the_series(sandbox: GcalSandbox,
                                                               service: Any) -> None:
    junk = sandbox.emu.insert("primary", {"id": uuid.uuid4().hex, "summary": "j", **TIMED})
    junk["recurrence"] = ["RRULE:FREQ=NEVER"]
    got = service.events().instances(calendarId="primary", eventId=junk["id"]).execute()
    assert [e["id"] for e in got["items"]] == [junk["id"]]

"""What a user's everyday Calendar tools call besides events.list/insert, through
googleapiclient against the emulator (every exchange also checked against the discovery
document by the conformance plugin): quickAdd, import, calendarList.get and watch,
calendars.insert, colors, settings, freebusy and acl."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from googleapiclient.errors import HttpError

from adapters.gcal.sandbox import GcalSandbox

BERLIN = ZoneInfo("Europe/Berlin")
ACCOUNT = "me@example.com"


def _status(request: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as exc:
        request.execute()
    return exc.value.resp.status, str(exc.value.error_details[0]["reason"])


def _today(sandbox: GcalSandbox) -> dt.date:
    return sandbox.emu.now().astimezone(BERLIN).date()


# -- events.quickAdd -----------------------------------------------------------------------


def test_quick_add_reads_a_day_and_a_time(sandbox: GcalSandbox, service: Any) -> None:
    made = service.events().quickAdd(calendarId="primary", text="Lunch tomorrow 12pm"
                                     ).execute()
    noon = dt.datetime.combine(_today(sandbox) + dt.timedelta(days=1), dt.time(12),
                               BERLIN)
    assert made["summary"] == "Lunch"
    assert made["start"] == {"dateTime": noon.isoformat(), "timeZone": "Europe/Berlin"}
    assert made["end"]["dateTime"] == (noon + dt.timedelta(hours=1)).isoformat()
    got = service.events().get(calendarId="primary", eventId=made["id"]).execute()
    assert got["summary"] == "Lunch"


def test_quick_add_reads_a_span_a_date_and_a_place(sandbox: GcalSandbox,
                                                   service: Any) -> None:
    made = service.events().quickAdd(
        calendarId="primary", text="Dentist at Dr Who Street 5 on 2026-06-03 10am-10:30am"
    ).execute()
    assert (made["summary"], made["location"]) == ("Dentist", "Dr Who Street 5")
    assert made["start"]["dateTime"] == "2026-06-03T10:00:00+02:00"
    assert made["end"]["dateTime"] == "2026-06-03T10:30:00+02:00"


def test_quick_add_without_a_time_is_all_day(sandbox: GcalSandbox, service: Any) -> None:
    made = service.events().quickAdd(calendarId="primary", text="Write the report"
                                     ).execute()
    today = _today(sandbox)
    assert made["summary"] == "Write the report"
    assert made["start"] == {"date": today.isoformat()}
    assert made["end"] == {"date": (today + dt.timedelta(days=1)).isoformat()}


def test_quick_add_without_text_is_400(sandbox: GcalSandbox) -> None:
    resp = httpx.post(f"{sandbox.emu.base_url}/calendar/v3/calendars/primary/events/quickAdd")
    assert resp.status_code == 400
    assert resp.json()["error"]["errors"][0]["reason"] == "required"


# -- events.import -------------------------------------------------------------------------


def test_import_keeps_the_ical_uid_and_is_idempotent(service: Any) -> None:
    body = {"iCalUID": "abc-123@example.org", "summary": "Imported",
            "start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}}
    first = service.events().import_(calendarId="primary", body=body).execute()
    assert first["iCalUID"] == "abc-123@example.org"
    again = service.events().import_(calendarId="primary",
                                     body=body | {"summary": "Imported again"}).execute()
    assert again["id"] == first["id"] and again["summary"] == "Imported again"
    found = service.events().list(calendarId="primary", iCalUID="abc-123@example.org"
                                  ).execute()
    assert [e["id"] for e in found["items"]] == [first["id"]]


def test_import_needs_an_ical_uid(service: Any) -> None:
    assert _status(service.events().import_(calendarId="primary", body={
        "summary": "x", "start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}})
    ) == (400, "required")


# -- calendarList, calendars ---------------------------------------------------------------


def test_the_primary_calendar_answers_the_accounts_address_as_its_id(service: Any) -> None:
    assert service.calendars().get(calendarId="primary").execute()["id"] == ACCOUNT


def test_calendar_list_get(service: Any) -> None:
    mine = service.calendarList().get(calendarId="primary").execute()
    assert (mine["id"], mine["primary"], mine["accessRole"]) == (ACCOUNT, True, "owner")
    assert mine["backgroundColor"].startswith("#")
    same = service.calendarList().get(calendarId=ACCOUNT).execute()
    assert same["id"] == ACCOUNT
    assert _status(service.calendarList().get(calendarId="nobody@example.com")) == (
        404, "notFound")


def test_calendars_insert_makes_a_secondary_calendar_the_account_owns(service: Any) -> None:
    made = service.calendars().insert(body={"summary": "Side project",
                                            "timeZone": "Europe/Lisbon"}).execute()
    assert made["id"].endswith("@group.calendar.google.com")
    assert (made["summary"], made["timeZone"], made["dataOwner"]) == (
        "Side project", "Europe/Lisbon", ACCOUNT)
    listed = {e["id"]: e for e in service.calendarList().list().execute()["items"]}
    assert listed[made["id"]]["accessRole"] == "owner"
    assert "primary" not in listed[made["id"]]
    service.events().insert(calendarId=made["id"], body={
        "summary": "There", "start": {"date": "2026-12-01"},
        "end": {"date": "2026-12-02"}}).execute()
    assert [e["summary"] for e in service.events().list(calendarId=made["id"]).execute()[
        "items"]] == ["There"]


def test_calendars_insert_needs_a_summary_and_a_real_zone(service: Any) -> None:
    assert _status(service.calendars().insert(body={"timeZone": "UTC"}))[0] == 400
    assert _status(service.calendars().insert(body={"summary": "x",
                                                    "timeZone": "Mars/Olympus"})) == (
        400, "invalid")


def test_calendar_list_watch_hears_of_a_new_calendar(sandbox: GcalSandbox,
                                                     service: Any) -> None:
    channel = service.calendarList().watch(body={
        "id": "list-1", "type": "web_hook", "address": "http://127.0.0.1:9/hook"}).execute()
    assert channel["resourceUri"].endswith("/users/me/calendarList?alt=json")
    service.calendars().insert(body={"summary": "New"}).execute()
    assert [(s, n) for c, s, n in sandbox.emu.push.sent if c == "list-1"] == [
        ("sync", 1), ("exists", 2)]
    service.channels().stop(body={"id": "list-1",
                                  "resourceId": channel["resourceId"]}).execute()


# -- colors, settings, acl -----------------------------------------------------------------


def test_colors_are_googles_palette(service: Any) -> None:
    got = service.colors().get().execute()
    assert sorted(got["event"], key=int) == [str(i) for i in range(1, 12)]
    assert sorted(got["calendar"], key=int) == [str(i) for i in range(1, 25)]
    assert got["event"]["1"] == {"background": "#a4bdfc", "foreground": "#1d1d1d"}
    assert got["event"]["11"]["background"] == "#dc2127"
    assert got["calendar"]["1"]["background"] == "#ac725e"
    assert got["calendar"]["24"]["background"] == "#a47ae2"


def test_settings_list_and_get(sandbox: GcalSandbox, service: Any) -> None:
    values = {s["id"]: s["value"] for s in service.settings().list().execute()["items"]}
    assert values["timezone"] == "Europe/Berlin"
    assert (values["format24HourTime"], values["weekStart"]) == ("false", "0")
    sandbox.emu.settings["format24HourTime"] = "true"
    got = service.settings().get(setting="format24HourTime").execute()
    assert (got["id"], got["value"]) == ("format24HourTime", "true")
    assert _status(service.settings().get(setting="noSuchSetting")) == (404, "notFound")


def test_acl_list_is_the_owners_rule(sandbox: GcalSandbox, service: Any) -> None:
    rules = service.acl().list(calendarId="primary").execute()["items"]
    assert [(r["id"], r["role"], r["scope"]) for r in rules] == [
        (f"user:{ACCOUNT}", "owner", {"type": "user", "value": ACCOUNT})]
    sandbox.emu.add_calendar("shared@example.com", "Shared", access_role="reader")
    assert _status(service.acl().list(calendarId="shared@example.com"))[0] == 403


# -- freebusy ------------------------------------------------------------------------------


def _timed(service: Any, summary: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return dict(service.events().insert(calendarId="primary", body={
        "summary": summary, "start": {"dateTime": start, "timeZone": "Europe/Berlin"},
        "end": {"dateTime": end, "timeZone": "Europe/Berlin"}, **extra}).execute())


def test_freebusy_lists_busy_time_of_timed_opaque_live_events(service: Any) -> None:
    _timed(service, "a", "2026-12-07T09:00:00", "2026-12-07T10:00:00")
    _timed(service, "overlaps a", "2026-12-07T09:30:00", "2026-12-07T11:00:00")
    _timed(service, "free", "2026-12-07T12:00:00", "2026-12-07T13:00:00",
           transparency="transparent")
    gone = _timed(service, "gone", "2026-12-07T14:00:00", "2026-12-07T15:00:00")
    service.events().delete(calendarId="primary", eventId=gone["id"]).execute()
    _timed(service, "daily", "2026-12-01T16:00:00", "2026-12-01T17:00:00",
           recurrence=["RRULE:FREQ=DAILY"])
    _timed(service, "late", "2026-12-07T23:30:00", "2026-12-08T01:00:00")
    service.events().insert(calendarId="primary", body={
        "summary": "all day", "start": {"date": "2026-12-07"},
        "end": {"date": "2026-12-08"}}).execute()
    got = service.freebusy().query(body={
        "timeMin": "2026-12-07T00:00:00+01:00", "timeMax": "2026-12-08T00:00:00+01:00",
        "items": [{"id": "primary"}, {"id": "nobody@example.com"}]}).execute()
    assert got["calendars"]["primary"]["busy"] == [
        {"start": "2026-12-07T08:00:00.000Z", "end": "2026-12-07T10:00:00.000Z"},
        {"start": "2026-12-07T15:00:00.000Z", "end": "2026-12-07T16:00:00.000Z"},
        {"start": "2026-12-07T22:30:00.000Z", "end": "2026-12-07T23:00:00.000Z"}]
    assert got["calendars"]["nobody@example.com"] == {
        "errors": [{"domain": "global", "reason": "notFound"}], "busy": []}


def test_freebusy_answers_in_the_asked_zone_and_refuses_an_empty_range(
        service: Any) -> None:
    _timed(service, "a", "2026-12-07T09:00:00", "2026-12-07T10:00:00")
    got = service.freebusy().query(body={
        "timeMin": "2026-12-07T00:00:00Z", "timeMax": "2026-12-08T00:00:00Z",
        "timeZone": "Europe/Berlin", "items": [{"id": ACCOUNT}]}).execute()
    assert got["calendars"][ACCOUNT]["busy"] == [
        {"start": "2026-12-07T09:00:00+01:00", "end": "2026-12-07T10:00:00+01:00"}]
    assert _status(service.freebusy().query(body={
        "timeMin": "2026-12-08T00:00:00Z", "timeMax": "2026-12-07T00:00:00Z",
        "items": [{"id": "primary"}]})) == (400, "timeRangeEmpty")

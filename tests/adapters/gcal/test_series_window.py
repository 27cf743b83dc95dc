"""Recurring events in the Calendar emulator, expanded from the asked window (not the first
few hundred occurrences from the series' start), with instances paged, cancelled instances
shown with showDeleted, and RFC 5545's date forms on timed events; through googleapiclient."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

BERLIN = "Europe/Berlin"


def _series(service: Any, rule: list[str], start: str = "2020-01-01T09:00:00",
            end: str = "2020-01-01T09:30:00", summary: str = "Daily") -> dict[str, Any]:
    return dict(service.events().insert(calendarId="primary", body={
        "summary": summary, "recurrence": rule,
        "start": {"dateTime": start, "timeZone": BERLIN},
        "end": {"dateTime": end, "timeZone": BERLIN}}).execute())


def _starts(page: dict[str, Any]) -> list[str]:
    return [i["start"].get("dateTime") or i["start"]["date"] for i in page["items"]]


def test_a_series_begun_years_ago_lists_in_a_window_today(service: Any) -> None:
    """A daily series from 2020 has passed 250 occurrences long before 2026."""
    series = _series(service, ["RRULE:FREQ=DAILY"])
    window = {"timeMin": "2026-01-01T00:00:00Z", "timeMax": "2026-01-03T00:00:00Z"}
    listed = service.events().list(calendarId="primary", singleEvents=True,
                                   **window).execute()
    assert _starts(listed) == ["2026-01-01T09:00:00+01:00", "2026-01-02T09:00:00+01:00"]
    inst = service.events().instances(calendarId="primary", eventId=series["id"],
                                      **window).execute()
    assert [i["id"] for i in inst["items"]] == [f"{series['id']}_20260101T080000Z",
                                                f"{series['id']}_20260102T080000Z"]
    one = service.events().get(calendarId="primary",
                               eventId=f"{series['id']}_20260101T080000Z").execute()
    assert one["recurringEventId"] == series["id"]
    assert one["start"]["dateTime"] == "2026-01-01T09:00:00+01:00"


def test_an_edit_of_a_far_occurrence_is_kept(service: Any) -> None:
    series = _series(service, ["RRULE:FREQ=DAILY"])
    iid = f"{series['id']}_20260601T070000Z"
    service.events().patch(calendarId="primary", eventId=iid,
                           body={"summary": "That one"}).execute()
    inst = service.events().instances(calendarId="primary", eventId=series["id"],
                                      timeMin="2026-06-01T00:00:00Z",
                                      timeMax="2026-06-03T00:00:00Z").execute()
    assert [i["summary"] for i in inst["items"]] == ["That one", "Daily"]


def test_instances_are_paged(service: Any) -> None:
    series = _series(service, ["RRULE:FREQ=DAILY;COUNT=12"], "2026-01-01T09:00:00",
                     "2026-01-01T09:30:00")
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = service.events().instances(calendarId="primary", eventId=series["id"],
                                          maxResults=5, pageToken=token).execute()
        pages += 1
        assert len(page["items"]) <= 5
        seen += [i["id"] for i in page["items"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 12


def test_instances_show_cancelled_ones_with_show_deleted(service: Any) -> None:
    series = _series(service, ["RRULE:FREQ=DAILY;COUNT=3"], "2026-01-05T09:00:00",
                     "2026-01-05T10:00:00")
    gone = f"{series['id']}_20260106T080000Z"
    service.events().delete(calendarId="primary", eventId=gone).execute()
    plain = service.events().instances(calendarId="primary", eventId=series["id"]).execute()
    assert gone not in [i["id"] for i in plain["items"]]
    shown = service.events().instances(calendarId="primary", eventId=series["id"],
                                       showDeleted=True).execute()
    cancelled = [i for i in shown["items"] if i["id"] == gone]
    assert [i["status"] for i in cancelled] == ["cancelled"]
    assert cancelled[0]["recurringEventId"] == series["id"]
    listed = service.events().list(calendarId="primary", singleEvents=True,
                                   showDeleted=True).execute()
    assert gone in [i["id"] for i in listed["items"] if i["status"] == "cancelled"]


def test_until_as_a_date_includes_that_day_and_exdate_as_a_date_removes_it(
        service: Any) -> None:
    """RFC 5545: an UNTIL that is a date ends the series after the occurrence on that date;
    an EXDATE date on a timed series removes that day's occurrence."""
    series = _series(service, ["RRULE:FREQ=DAILY;UNTIL=20260107",
                               "EXDATE;VALUE=DATE:20260106"],
                     "2026-01-05T09:00:00", "2026-01-05T10:00:00", "U")
    inst = service.events().instances(calendarId="primary", eventId=series["id"]).execute()
    assert _starts(inst) == ["2026-01-05T09:00:00+01:00", "2026-01-07T09:00:00+01:00"]


def test_an_rdate_date_on_a_timed_series_is_at_its_time_of_day(service: Any) -> None:
    series = _series(service, ["RRULE:FREQ=WEEKLY;COUNT=2", "RDATE;VALUE=DATE:20260107"],
                     "2026-01-05T09:00:00", "2026-01-05T10:00:00", "R")
    inst = service.events().instances(calendarId="primary", eventId=series["id"]).execute()
    assert _starts(inst) == ["2026-01-05T09:00:00+01:00", "2026-01-07T09:00:00+01:00",
                             "2026-01-12T09:00:00+01:00"]


def test_a_yearly_series_from_february_29(service: Any) -> None:
    """Google's 400 for every listing came from computing a horizon of year 2200 on Feb 29."""
    service.events().insert(calendarId="primary", body={
        "summary": "Leap", "recurrence": ["RRULE:FREQ=YEARLY"],
        "start": {"date": "2000-02-29"}, "end": {"date": "2000-03-01"}}).execute()
    listed = service.events().list(calendarId="primary", singleEvents=True,
                                   timeMin="2027-01-01T00:00:00Z",
                                   timeMax="2030-01-01T00:00:00Z").execute()
    assert _starts(listed) == ["2028-02-29"]


@pytest.mark.parametrize("call", ["list", "instances"])
def test_an_empty_time_range_is_googles_400(service: Any, call: str) -> None:
    series = _series(service, ["RRULE:FREQ=DAILY;COUNT=2"])
    args = {"calendarId": "primary", "timeMin": "2026-02-02T00:00:00Z",
            "timeMax": "2026-01-01T00:00:00Z"}
    request = (service.events().list(**args) if call == "list" else
               service.events().instances(eventId=series["id"], **args))
    with pytest.raises(HttpError) as exc:
        request.execute()
    assert exc.value.resp.status == 400
    assert exc.value.error_details[0]["reason"] == "timeRangeEmpty"
    assert exc.value.error_details[0]["location"] == "timeMax"

"""``events.move`` in the Calendar emulator through googleapiclient: a series moves with its
edited and cancelled instances; one instance, an event of a special type, an id the target
already holds and a missing destination are refused as Google refuses them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from adapters.gcal.sandbox import GcalSandbox

TEAM = "team@group.calendar.google.com"
WEEKLY = {"summary": "Weekly", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
          "start": {"dateTime": "2026-01-05T09:00:00+01:00", "timeZone": "Europe/Berlin"},
          "end": {"dateTime": "2026-01-05T10:00:00+01:00", "timeZone": "Europe/Berlin"}}
DAY = {"start": {"date": "2026-02-01"}, "end": {"date": "2026-02-02"}}


@pytest.fixture
def team(sandbox: GcalSandbox, service: Any) -> Iterator[Any]:
    sandbox.emu.add_calendar(TEAM, "Team")
    yield service


def _error(request: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as exc:
        request.execute()
    return exc.value.resp.status, str(exc.value.error_details[0]["reason"])


def _summaries(service: Any, cal: str) -> list[tuple[str, str]]:
    listed = service.events().list(calendarId=cal, singleEvents=True).execute()
    return [(e["id"], e["summary"]) for e in listed["items"]]


def test_a_series_moves_with_its_exceptions(team: Any) -> None:
    series = team.events().insert(calendarId="primary", body=WEEKLY).execute()
    edited, gone = f"{series['id']}_20260112T080000Z", f"{series['id']}_20260119T080000Z"
    team.events().patch(calendarId="primary", eventId=edited,
                        body={"summary": "Edited"}).execute()
    team.events().delete(calendarId="primary", eventId=gone).execute()
    moved = team.events().move(calendarId="primary", eventId=series["id"],
                               destination=TEAM).execute()
    assert moved["id"] == series["id"]
    assert _summaries(team, "primary") == []
    assert _summaries(team, TEAM) == [(f"{series['id']}_20260105T080000Z", "Weekly"),
                                      (edited, "Edited")]
    assert team.events().get(calendarId="primary", eventId=edited).execute()[
        "status"] == "cancelled"


def test_one_instance_cannot_move(team: Any) -> None:
    series = team.events().insert(calendarId="primary", body=WEEKLY).execute()
    iid = f"{series['id']}_20260112T080000Z"
    assert _error(team.events().move(calendarId="primary", eventId=iid, destination=TEAM)
                  ) == (400, "cannotChangeOrganizerOfInstance")
    team.events().patch(calendarId="primary", eventId=iid, body={"summary": "own"}).execute()
    assert _error(team.events().move(calendarId="primary", eventId=iid, destination=TEAM)
                  ) == (400, "cannotChangeOrganizerOfInstance")
    assert _summaries(team, TEAM) == []


def test_an_id_the_target_holds_is_409(team: Any) -> None:
    team.events().insert(calendarId="primary", body={"id": "same000001", "summary": "A",
                                                     **DAY}).execute()
    team.events().insert(calendarId=TEAM, body={"id": "same000001", "summary": "B",
                                                **DAY}).execute()
    assert _error(team.events().move(calendarId="primary", eventId="same000001",
                                     destination=TEAM)) == (409, "duplicate")
    assert team.events().get(calendarId=TEAM, eventId="same000001").execute()[
        "summary"] == "B"
    assert team.events().get(calendarId="primary", eventId="same000001").execute()[
        "status"] == "confirmed"


@pytest.mark.parametrize("kind", ["outOfOffice", "focusTime", "workingLocation"])
def test_events_of_a_special_type_cannot_move(team: Any, kind: str) -> None:
    ev = team.events().insert(calendarId="primary", body={
        "summary": kind, "eventType": kind,
        "start": {"dateTime": "2026-02-01T09:00:00+01:00"},
        "end": {"dateTime": "2026-02-01T10:00:00+01:00"}}).execute()
    status, _ = _error(team.events().move(calendarId="primary", eventId=ev["id"],
                                          destination=TEAM))
    assert status == 400


def test_a_missing_destination_is_400(sandbox: GcalSandbox) -> None:
    import httpx

    ev = sandbox.emu.insert("primary", {"id": "m0ve000001", "summary": "m", **DAY})
    resp = httpx.post(f"{sandbox.emu.base_url}/calendar/v3/calendars/primary/events/"
                      f"{ev['id']}/move")
    assert resp.status_code == 400
    assert resp.json()["error"]["errors"][0] == {
        "domain": "global", "reason": "required", "message": "Required parameter: destination",
        "locationType": "parameter", "location": "destination"}

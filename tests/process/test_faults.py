"""P4 and P14 with real processes: a service down for whole rounds deletes nothing and catches
up after; a poison item (a zone no tz database knows, a date the calendar cannot hold) is
quarantined and named, and the rest of the round syncs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.process.harness import Hub


def test_a_whole_round_outage_deletes_nothing_and_converges_after(
        make_hub: Callable[..., Hub]) -> None:
    hub = make_hub()
    made = hub.create_many(8)
    assert hub.sync().code == 0
    hub.converge()

    hub.outage("notion", True)
    for exp in made[:3]:
        hub.user_edit(exp, "title", service="jira")
    hub.user_edit(made[3], "due", service="todoist")
    hub.user_complete(made[4], "jira")
    hub.create_many(2, ("todoist", "gcal"))
    for n in range(2):  # two whole rounds with every Notion request failing with 503
        done = hub.sync()
        assert done.code == 1, str(done)  # partial: what could be synced was
        assert "notion" in done.text, str(done)
        hub.check(f"round {n} of the outage")
    assert all(not i.status.kind.closed or i.title.startswith(made[4].key)
               for s in ("jira", "todoist") for i in hub.items(s).values())
    hub.outage("notion", False)
    hub.converge()


Poison = tuple[str, str, set[str], set[str]]  # title, remote id, services and ids to name it


def _gcal_far_day(hub: Hub, key: str) -> Poison:
    """Unreadable (P14 read): an all-day event on 9999-12-30, made by the user in Calendar:
    Google holds it, synchub's date range does not (its end would overflow)."""
    title = f"{key} poison day"
    body = {"id": "poison" + key, "summary": title,
            "start": {"date": "9999-12-30"}, "end": {"date": "9999-12-31"}}
    ref = str(hub.boxes["gcal"].emu.insert("primary", body)["id"])
    return title, ref, {"gcal"}, {ref}


def _todoist_far_due(hub: Hub, key: str) -> Poison:
    """Unreadable (P14 read): a Todoist task due 9999-12-31, typed in Todoist's own app."""
    title = f"{key} poison date"
    box = hub.boxes["todoist"]
    ref = str(box.emu.add_item(box.project, title, due={"date": "9999-12-31"}))
    return title, ref, {"todoist"}, {ref}


@pytest.mark.parametrize("poison", [_gcal_far_day, _todoist_far_due],
                         ids=["gcal-day-9999-12-30", "todoist-due-9999-12-31"])
def test_a_poison_item_is_named_and_the_rest_syncs(make_hub: Callable[..., Hub],
                                                   poison: Callable[[Hub, str], Poison]
                                                   ) -> None:
    hub = make_hub()
    hub.create_many(6)
    title, ref, services, ids = poison(hub, hub.model.new_key())
    done = hub.sync()
    assert done.code in (0, 1) and "Traceback" not in done.text, \
        f"a crashed round, not a partial one:\n{done}"
    assert title in done.text or ref in done.text, f"the poison item is not named:\n{done}"
    hub.check("after the round with the poison item")
    assert not hub.divergence(), (hub.divergence(), str(done))  # the rest synced that round
    again = hub.sync()  # and it does not stop later rounds either, nor is named again
    assert again.code == 0 and title not in again.text, str(again)
    hub.check("after the next round")

    status = hub.status()
    assert status.code == 0, str(status)
    lines = status.out.splitlines()
    rows = [n for n, line in enumerate(lines) if any(s in line for s in services)
            and any(i in line for i in ids) and title[:16] in line]  # service, id, title, reason
    assert rows, f"status does not list the quarantined item ({title}, {ref}):\n{status}"
    after = "\n".join(lines[rows[0]:rows[0] + 3]).lower()
    assert any(w in after for w in ("zone", "foo/bar", "date", "range", "9999")), \
        f"status gives no reason for it:\n{status}"


def test_an_event_in_a_zone_nobody_knows_is_read_in_the_calendars_zone(
        make_hub: Callable[..., Hub]) -> None:
    """A zone no tz database knows (``Foo/Bar``) stopped every round (ZoneInfoNotFoundError);
    it is read in the calendar's own zone, with a warning naming the event, and syncs."""
    hub = make_hub()
    hub.create_many(3)
    key = hub.model.new_key()
    title = f"{key} odd zone"
    hub.boxes["gcal"].emu.insert("primary", {
        "id": "odd" + key, "summary": title,
        "start": {"dateTime": "2026-12-10T10:00:00+01:00", "timeZone": "Foo/Bar"},
        "end": {"dateTime": "2026-12-10T10:30:00+01:00", "timeZone": "Foo/Bar"}})
    done = hub.sync()
    assert done.code == 0 and "Traceback" not in done.text, str(done)
    assert "Foo/Bar" in done.text, f"no warning about the zone:\n{done}"
    for service in ("jira", "todoist", "notion"):
        assert [i.title for i in hub.items(service).values()].count(title) == 1, service
    hub.check("after the round with the odd zone")

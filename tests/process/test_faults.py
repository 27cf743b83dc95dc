"""P4 and P14 with real processes: a service down for whole rounds deletes nothing and catches
up after; a poison item (a zone no tz database knows, a date the calendar cannot hold) is
quarantined and named, and the rest of the round syncs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from hub.model import DateOnly, Item
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


def _gcal_bad_zone(hub: Hub, key: str) -> Poison:
    """Unreadable (P14 read): a zone no tz database knows, made by the user in Calendar."""
    title = f"{key} poison zone"
    body = {"id": "poison" + key, "summary": title,
            "start": {"dateTime": "2026-12-10T10:00:00", "timeZone": "Foo/Bar"},
            "end": {"dateTime": "2026-12-10T10:30:00", "timeZone": "Foo/Bar"}}
    ref = str(hub.boxes["gcal"].emu.insert("primary", body)["id"])
    return title, ref, {"gcal"}, {ref}


def _todoist_far_due(hub: Hub, key: str) -> Poison:
    """Unwritable (P14 write): Todoist holds 9999-12-31, the calendar cannot end the day after.
    It is named by the Todoist task, or by the calendar copy that never landed (``link:``)."""
    title = f"{key} poison date"
    ref = hub.boxes["todoist"].user_create(Item(title=title,
                                                due=DateOnly(date=dt.date(9999, 12, 31))))
    return title, ref, {"todoist", "gcal"}, {ref, "link:"}


@pytest.mark.parametrize("poison", [_gcal_bad_zone, _todoist_far_due],
                         ids=["gcal-timezone-Foo/Bar", "todoist-due-9999-12-31"])
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
    again = hub.sync()  # and it does not stop later rounds either
    assert again.code in (0, 1), str(again)
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

"""Per-field edit times from Jira's changelog (for the ``newest`` conflict policy): expanded
on the listing's own search, people's edits only, cut off where Jira cuts the history."""

from __future__ import annotations

import datetime as dt

from adapters.jira.emu_changelog import SEARCH_HISTORIES
from adapters.jira.sandbox import JiraSandbox
from adapters.memory import MemoryAdapter
from hub.model import Item
from tests.adapters.jira.conftest import build
from tests.support.world import World


def _later(sandbox: JiraSandbox, minutes: int) -> dt.datetime:
    """Move Jira's clock on; the time an edit made now is stamped with (to the millisecond)."""
    sandbox.emu.clock_offset += dt.timedelta(minutes=minutes)
    now = sandbox.emu.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _listed(adapter, ref: str):  # type: ignore[no-untyped-def]
    cs = adapter.changes(None)  # a first listing: everything in scope
    return next(r for r in cs.items if r.ref == ref), cs


def test_listing_reports_when_a_person_last_changed_each_field(sandbox: JiraSandbox) -> None:
    adapter = build(sandbox, reconcile_every=10)  # no id listing for deletes in round 2
    ref = sandbox.user_create(Item(title="x", priority=2))
    t1 = _later(sandbox, 5)
    sandbox.user_edit(ref, title="retitled")
    t2 = _later(sandbox, 5)
    sandbox.user_edit(ref, priority=4)
    t3 = _later(sandbox, 5)
    sandbox.user_edit(ref, title="again", labels=["l"])
    remote, cs = _listed(adapter, ref)
    assert remote.item.title == "again"
    assert {f: abs((t - want).total_seconds()) < 1 for f, t, want in [
        ("title", remote.field_times["title"], t3),
        ("priority", remote.field_times["priority"], t2),
        ("labels", remote.field_times["labels"], t3)]} == {
        "title": True, "priority": True, "labels": True}
    assert remote.field_times["title"] > t1
    assert "status" not in remote.field_times  # never edited: falls back to `updated`
    got = adapter.get(ref)
    assert got is not None and got.field_times == remote.field_times
    # no request per issue: the histories come with the search
    others = [sandbox.user_create(Item(title=f"o{n}")) for n in range(3)]
    _later(sandbox, 5)
    for other in others:
        sandbox.user_edit(other, title="edited")
    later = adapter.changes(cs.cursor)
    assert later.requests == 1
    assert {r.ref for r in later.items if "title" in r.field_times} == set(others)


def test_synchubs_own_writes_are_not_a_persons_edit(sandbox: JiraSandbox) -> None:
    adapter = build(sandbox)
    ref = sandbox.user_create(Item(title="x"))
    t1 = _later(sandbox, 5)
    sandbox.user_edit(ref, title="by a person")
    adapter.changes(None)  # learns who synchub is
    _later(sandbox, 5)
    before = adapter.get(ref)
    assert before is not None
    adapter.update(ref, before.item.evolve(title="by synchub", priority=4),
                   fields=frozenset({"title", "priority"}), expected_version=before.version,
                   idempotency_key="k")
    remote, _ = _listed(adapter, ref)
    assert (remote.item.title, remote.item.priority) == ("by synchub", 4)
    assert abs((remote.field_times["title"] - t1).total_seconds()) < 1
    assert "priority" not in remote.field_times
    assert [h["author"]["accountId"] for h in sandbox.emu.changelogs.histories[ref]] == [
        "557058:0f1e2d3c-ui-person", sandbox.emu.me]  # both are in Jira's history


def test_a_field_edited_before_the_searchs_cut_off_has_no_time_of_its_own(
        sandbox: JiraSandbox) -> None:
    adapter = build(sandbox)
    ref = sandbox.user_create(Item(title="x", priority=2))
    _later(sandbox, 1)
    sandbox.user_edit(ref, priority=4)
    for n in range(SEARCH_HISTORIES):
        _later(sandbox, 1)
        sandbox.user_edit(ref, title=f"title {n}")
    remote, _ = _listed(adapter, ref)
    assert set(remote.field_times) == {"title"}
    # a single issue carries more history: there the priority edit is still in view
    got = adapter.get(ref)
    assert got is not None and set(got.field_times) == {"title", "priority"}


def test_a_round_with_jira_decides_newest_by_the_fields_own_edit(sandbox: JiraSandbox) -> None:
    # Jira retitles at +1 min, the other service at +2, then Jira changes the priority at +3.
    # Jira's issue is the newer copy, but the other title is the newer edit of the title.
    w = World(("jira", "m"), conflict="newest")
    w.adapters["jira"] = build(sandbox, reconcile_every=10)
    memory = w.adapters["m"]
    assert isinstance(memory, MemoryAdapter)
    memory.field_times = True
    ref_m = w.services["m"].user_create(Item(title="x", priority=2,
                                             updated_at=_later(sandbox, 0)))
    w.sync()
    (ref_j,) = sandbox.emu.issues
    _later(sandbox, 1)
    sandbox.user_edit(ref_j, title="jira title")
    w.services["m"].user_edit(ref_m, title="other title", updated_at=_later(sandbox, 1))
    _later(sandbox, 1)
    sandbox.user_edit(ref_j, priority=4)
    _later(sandbox, 2)  # past Jira's search settle margin
    w.sync()
    _, item = w.only("m")
    assert (item.title, item.priority) == ("other title", 4)
    assert sandbox.items()[ref_j].title == "other title"

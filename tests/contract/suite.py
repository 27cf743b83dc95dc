"""Contract tests every adapter must pass, through its real client against its emulator.

Use: in the adapter's test module, subclass :class:`AdapterContract` and provide a ``harness``
fixture returning an object that satisfies :class:`Harness`. The suite only talks to the
adapter through :class:`adapters.base.Adapter`, and to the "remote user" through the harness,
so a failure here means the adapter breaks a promise the hub relies on.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, runtime_checkable

import pytest

from adapters.base import Adapter, Gone, Representing
from adapters.faults import FaultKind
from hub.errors import Conflict, NotFound, RateLimited, Transient, ValidationRejected
from hub.model import Item, StatusKind


class Harness(Protocol):
    adapter: Adapter
    #: True when update(expected_version=stale) must raise Conflict (etag/412 support).
    supports_versions: bool

    def sample(self, n: int) -> Item:
        """A distinct item (by ``n``) that uses every supported field the adapter can hold."""
        ...

    def edit(self, n: int) -> dict[str, Any]:
        """Field changes (only supported fields, distinct by ``n``) a user might make."""
        ...

    def user_create(self, item: Item) -> str: ...

    def user_edit(self, ref: str, **changes: Any) -> None: ...

    def user_delete(self, ref: str) -> None: ...

    def plant_unreadable(self, title: str) -> str:
        """Put an item titled ``title`` into the service that the adapter cannot convert (a
        date out of range, a malformed value, as a person or another tool could leave one)
        and return its ref."""
        ...

    def inject(self, kind: FaultKind, op: str = "*", count: int | None = 1,
               retry_after: float = 1.0) -> None: ...


@runtime_checkable
class ParentHarness(Harness, Protocol):
    """A harness whose service holds parents (optional: the suite's parent test runs only
    for an adapter with ``parent`` among its fields and a harness with ``parent_ref``)."""

    def parent_ref(self, n: int) -> str:
        """A top-level item to be a parent, as the adapter names it (the same for ``n``)."""
        ...


def _key() -> str:
    return uuid.uuid4().hex


def _expected(adapter: Adapter, field: str, value: Any) -> Any:
    """What the service can hold of ``value`` (see adapters.base.Representing): a lossy field
    (Jira always has a priority) is held to what the adapter declares, not more."""
    return adapter.represent(field, value)


def _same(a: Item, b: Item, fields: frozenset[str], adapter: Adapter | None = None
          ) -> dict[str, tuple[Any, Any]]:
    def want(f: str) -> Any:
        return getattr(b, f) if adapter is None else _expected(adapter, f, getattr(b, f))
    return {f: (getattr(a, f), want(f)) for f in fields if getattr(a, f) != want(f)}


class AdapterContract:
    """Subclass and provide the ``harness`` fixture."""

    def test_is_an_adapter_that_represents_values(self, harness: Harness) -> None:
        # every adapter has represent (the toolkit's identity at least), so the hub calls it
        # without asking first; a batching one has the single writes too
        a = harness.adapter
        assert isinstance(a, Adapter)
        assert isinstance(a, Representing)
        assert a.represent("title", "same") == "same"

    def test_create_then_get_round_trips_every_supported_field(self, harness: Harness) -> None:
        a = harness.adapter
        item = harness.sample(1)
        created = a.create(item, origin="link-1", idempotency_key=_key())
        assert created.ref
        assert _same(created.item, item, a.capabilities.fields, a) == {}
        fetched = a.get(created.ref)
        assert fetched is not None
        assert _same(fetched.item, item, a.capabilities.fields, a) == {}
        assert fetched.item.origin == "link-1"

    def test_first_listing_lists_everything_then_quiet_round_lists_nothing(
        self, harness: Harness
    ) -> None:
        a = harness.adapter
        refs = {harness.user_create(harness.sample(i)) for i in range(3)}
        first = a.changes(None)
        assert refs <= {r.ref for r in first.items}
        assert first.cursor is not None
        quiet = a.changes(first.cursor)
        assert [r.ref for r in quiet.items] == []
        assert dict(quiet.gone) == {}

    def test_user_edit_appears_in_next_changes(self, harness: Harness) -> None:
        a = harness.adapter
        ref = harness.user_create(harness.sample(2))
        cur = a.changes(None).cursor
        changes = harness.edit(7)
        harness.user_edit(ref, **changes)
        seen = {r.ref: r for r in a.changes(cur).items}
        assert ref in seen
        for f, v in changes.items():
            expected = harness.sample(2).evolve(**{f: v})
            assert getattr(seen[ref].item, f) == getattr(expected, f), f

    def test_user_delete_is_reported_gone_never_by_absence(self, harness: Harness) -> None:
        a = harness.adapter
        ref = harness.user_create(harness.sample(3))
        cur = a.changes(None).cursor
        harness.user_delete(ref)
        result = a.changes(cur)
        assert result.gone.get(ref) is Gone.DELETED
        assert a.get(ref) is None

    def test_update_writes_only_named_fields(self, harness: Harness) -> None:
        a = harness.adapter
        created = a.create(harness.sample(4), origin="link-4", idempotency_key=_key())
        changes = harness.edit(9)
        field = sorted(changes)[0]
        desired = harness.sample(5).evolve(**{field: changes[field]})
        updated = a.update(created.ref, desired, fields=frozenset({field}),
                           expected_version=created.version, idempotency_key=_key())
        assert getattr(updated.item, field) == getattr(desired, field)
        untouched = a.capabilities.fields - {field, "origin"}
        got = a.get(created.ref)
        assert got is not None
        assert _same(got.item, created.item, frozenset(untouched)) == {}

    def test_update_with_origin_marks_a_copy_made_by_a_person(self, harness: Harness) -> None:
        """A copy a first sync matched by key gets its link's marker, nothing else changes;
        a full listing (what a lost state file starts from) shows it."""
        a = harness.adapter
        ref = harness.user_create(harness.sample(11))
        listed = {r.ref: r for r in a.changes(None).items}[ref]
        assert not listed.item.origin
        # the item handed over is not the copy's: a marker write must not write any field
        other = harness.sample(12).evolve(title="not to be written")
        marked = a.update(ref, other, fields=frozenset(), expected_version=listed.version,
                          idempotency_key=_key(), origin="link-11")
        assert marked.item.origin == "link-11"
        got = a.get(ref)
        assert got is not None and got.item.origin == "link-11"
        assert _same(got.item, listed.item, a.capabilities.fields) == {}
        assert {r.ref: r for r in a.changes(None).items}[ref].item.origin == "link-11"

    def test_update_with_origin_writes_the_fields_and_the_marker(self, harness: Harness
                                                                 ) -> None:
        a = harness.adapter
        ref = harness.user_create(harness.sample(12))
        listed = {r.ref: r for r in a.changes(None).items}[ref]
        changes = harness.edit(13)
        field = sorted(changes)[0]
        desired = listed.item.evolve(**{field: changes[field]})
        a.update(ref, desired, fields=frozenset({field}), expected_version=listed.version,
                 idempotency_key=_key(), origin="link-12")
        got = a.get(ref)
        assert got is not None and got.item.origin == "link-12"
        assert getattr(got.item, field) == _expected(a, field, getattr(desired, field))

    def test_clearing_a_field_works(self, harness: Harness) -> None:
        a = harness.adapter
        clearable = [f for f in ("description", "due", "priority", "labels", "assignee",
                                 "sprint", "points")
                     if f in a.capabilities.fields
                     and f not in a.capabilities.create_requires_any]  # a calendar needs a time
        assert clearable, "an adapter must support clearing at least one field"
        created = a.create(harness.sample(6), origin="link-6", idempotency_key=_key())
        blank = Item()
        desired = created.item.evolve(**{f: getattr(blank, f) for f in clearable})
        a.update(created.ref, desired, fields=frozenset(clearable),
                 expected_version=created.version, idempotency_key=_key())
        got = a.get(created.ref)
        assert got is not None
        for f in clearable:
            assert getattr(got.item, f) == _expected(a, f, getattr(blank, f)), f

    def test_status_done_round_trips(self, harness: Harness) -> None:
        a = harness.adapter
        if "status" not in a.capabilities.fields:
            assert a.capabilities.fields, "adapter supports some fields"
            return
        created = a.create(harness.sample(7), origin="link-7", idempotency_key=_key())
        done = created.item.evolve(status={"kind": StatusKind.DONE})
        a.update(created.ref, done, fields=frozenset({"status"}),
                 expected_version=created.version, idempotency_key=_key())
        got = a.get(created.ref)
        assert got is not None and got.item.status.kind is StatusKind.DONE

    def test_stale_version_conflicts_instead_of_overwriting(self, harness: Harness) -> None:
        a = harness.adapter
        created = a.create(harness.sample(8), origin="link-8", idempotency_key=_key())
        harness.user_edit(created.ref, **harness.edit(3))
        if not harness.supports_versions:
            assert created.version is None or isinstance(created.version, str)
            return
        with pytest.raises(Conflict):
            a.update(created.ref, harness.sample(9), fields=a.capabilities.fields - {"origin"},
                     expected_version=created.version, idempotency_key=_key())

    def test_find_by_origin_finds_a_created_copy(self, harness: Harness) -> None:
        a = harness.adapter
        created = a.create(harness.sample(10), origin="link-10", idempotency_key=_key())
        found = a.find_by_origin("link-10")
        assert found is not None and found.ref == created.ref
        assert a.find_by_origin("no-such-link") is None

    def test_a_create_whose_answer_was_lost_is_found_by_its_marker(
        self, harness: Harness
    ) -> None:
        a = harness.adapter
        harness.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="create")
        key = _key()
        try:
            created = a.create(harness.sample(11), origin="link-11", idempotency_key=key)
        except Transient as exc:
            assert exc.maybe_applied  # the executor must look before retrying
            created = None
        # Either the adapter healed it itself (a client-chosen id met 409) or it said "maybe
        # applied"; in both cases the marker finds the one copy, and a retry does not add one.
        found = a.find_by_origin("link-11")
        assert found is not None
        assert found.item.title == harness.sample(11).title
        if created is not None:
            assert created.ref == found.ref

    def test_update_of_missing_copy_raises_not_found(self, harness: Harness) -> None:
        a = harness.adapter
        created = a.create(harness.sample(12), origin="link-12", idempotency_key=_key())
        harness.user_delete(created.ref)
        with pytest.raises(NotFound):
            a.update(created.ref, harness.sample(13), fields=frozenset({"title"}),
                     expected_version=None, idempotency_key=_key())

    def test_delete_is_idempotent(self, harness: Harness) -> None:
        a = harness.adapter
        created = a.create(harness.sample(14), origin="link-14", idempotency_key=_key())
        a.delete(created.ref, expected_version=None)
        a.delete(created.ref, expected_version=None)
        assert a.get(created.ref) is None

    def test_an_unreadable_item_is_reported_and_the_rest_listed(self, harness: Harness
                                                                ) -> None:
        """P14: one item the adapter cannot convert is named in ``unreadable`` (ref, title, a
        reason); the other items are listed and the cursor is returned, so the round goes on;
        ``get`` of it raises ValidationRejected with the same reason (the hub re-reads a
        quarantined item that way to see whether it was fixed)."""
        a = harness.adapter
        good = {harness.user_create(harness.sample(i)) for i in (20, 21)}
        odd = harness.plant_unreadable("Odd one")
        first = a.changes(None)
        assert good <= {r.ref for r in first.items}
        assert odd not in {r.ref for r in first.items}
        bad = [u for u in first.unreadable if u.ref == odd]
        assert len(bad) == 1
        assert bad[0].title == "Odd one"
        assert bad[0].reason and "\n" not in bad[0].reason
        assert first.cursor is not None
        with pytest.raises(ValidationRejected) as info:
            a.get(odd)
        assert bad[0].reason in info.value.message
        later = a.changes(first.cursor)  # the cursor works: nothing new, nothing gone
        assert [r.ref for r in later.items] == []
        assert dict(later.gone) == {}

    def test_parent_is_written_moved_cleared_and_a_users_move_listed(self, harness: Harness
                                                                    ) -> None:
        """An adapter speaks of a parent by its ref (the executor turns link ids into refs
        and back): a create sets it, an update moves the item under another parent or makes
        it top-level, and a person's move shows in the next listing."""
        a = harness.adapter
        if "parent" not in a.capabilities.fields or not isinstance(harness, ParentHarness):
            return  # the service holds no parents here, or the harness makes none
        first, second = harness.parent_ref(1), harness.parent_ref(2)
        created = a.create(harness.sample(40).evolve(parent=first), origin="link-40",
                           idempotency_key=_key())
        got = a.get(created.ref)
        assert created.item.parent == first and got is not None and got.item.parent == first
        for parent in (second, None):
            moved = a.update(created.ref, got.item.evolve(parent=parent),
                             fields=frozenset({"parent"}), expected_version=got.version,
                             idempotency_key=_key())
            got = a.get(created.ref)
            assert moved.item.parent == parent and got is not None
            assert got.item.parent == parent and got.version == moved.version
        cur = a.changes(None).cursor
        harness.user_edit(created.ref, parent=first)
        seen = {r.ref: r for r in a.changes(cur).items}
        assert seen[created.ref].item.parent == first

    def test_429_maps_to_rate_limited_with_retry_after(self, harness: Harness) -> None:
        harness.inject(FaultKind.RATE_LIMIT, op="*", count=1, retry_after=7)
        with pytest.raises(RateLimited) as info:
            harness.adapter.changes(None)
        assert info.value.retry_after == pytest.approx(7, abs=1)

    def test_5xx_maps_to_transient(self, harness: Harness) -> None:
        harness.inject(FaultKind.SERVER_ERROR, op="*", count=1)
        with pytest.raises(Transient):
            harness.adapter.changes(None)

    def test_persistent_outage_fails_every_call_until_cleared(self, harness: Harness) -> None:
        harness.inject(FaultKind.OUTAGE, op="*", count=None)
        for _ in range(2):
            with pytest.raises(Transient):
                harness.adapter.changes(None)

"""A copy the hub created and a person deleted before any listing returned it (P4).

Jira reports no deletes: the adapter finds them by listing the scope's ids every
``reconcile_every`` rounds and comparing them with the ids it knows. It knew only what its
listings returned, so an issue made by the hub and deleted before the next listing was never
missed, and its delete never reached the other services (found by the process-level random
driver, tests/process). The hub now tells the adapter what it created (``remember_created``).
"""

from __future__ import annotations

from adapters.base import Gone, LearnsCreated
from hub.model import Item
from tests.adapters.jira.conftest import build


def test_an_issue_the_hub_made_and_a_person_deleted_unseen_is_reported_gone(sandbox) -> None:  # type: ignore[no-untyped-def]
    adapter = build(sandbox)
    adapter.reconcile_every = 2
    assert isinstance(adapter, LearnsCreated)
    cursor = adapter.changes(None).cursor
    made = adapter.create(Item(title="made by the hub"), origin="o1", idempotency_key="k1")
    cursor = adapter.remember_created(cursor, [made.ref])
    sandbox.user_delete(made.ref)  # before any listing returned it
    gone: dict[str, Gone] = {}
    for _ in range(2):
        cs = adapter.changes(cursor)
        gone |= cs.gone
        cursor = cs.cursor
    assert gone == {made.ref: Gone.DELETED}
    adapter.close()


def test_remembering_keeps_a_first_round_a_first_round(sandbox) -> None:  # type: ignore[no-untyped-def]
    adapter = build(sandbox)
    assert adapter.remember_created(None, ["10001"]) is None  # the next listing is complete
    adapter.close()

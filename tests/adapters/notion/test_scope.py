"""With a scope filter, a round asks for the pages edited out of the filter *before* it lists
the pages in it: a page edited while the round runs, and still in scope, is listed (now or next
round) and never reported out of scope; a page edited out of scope meanwhile is reported so
(now or next round)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from adapters.base import ChangeSet, EndpointContext
from adapters.notion import NotionAdapterFactory, NotionConnection, NotionScope
from adapters.notion.adapter import NotionAdapter
from hub.model import Item
from tests.adapters.notion.conftest import NotionHarness

WORK = {"property": "Tags", "multi_select": {"contains": "work"}}
MINUTES = dt.timedelta(minutes=5)


def _scoped(harness: NotionHarness) -> NotionAdapter:
    emu = harness.emu
    conn = NotionConnection(token="secret-test", base_url=emu.base_url,  # type: ignore[arg-type]
                            requests_per_second=1000)
    return NotionAdapterFactory().build(
        conn, NotionScope(database_id=harness.db, filter=WORK),
        EndpointContext(name="n", flow="t", value_maps={"status": harness.adapter.map.status_map}))


@pytest.mark.parametrize("after", [1, 2, 3])  # the round's queries: out of scope, in it, trash
def test_a_page_edited_while_a_round_runs_is_not_called_out_of_scope(
        harness: NotionHarness, after: int) -> None:
    emu = harness.emu
    a = _scoped(harness)
    stays = harness.user_create(Item(title="stays", labels=["work"]))
    leaves = harness.user_create(Item(title="leaves", labels=["work"]))
    first = a.changes(None)
    emu.clock_offset += MINUTES
    quiet = a.changes(first.cursor)  # the window moves past both creations
    assert quiet.items == () and dict(quiet.gone) == {}
    emu.clock_offset += MINUTES

    query = emu.query
    answered = [0]

    def editing_meanwhile(ds: str, body: dict[str, Any]) -> dict[str, Any]:
        out = query(ds, body)
        answered[0] += 1
        if answered[0] == after:  # a person edits right after this query was answered
            harness.user_edit(stays, title="renamed, still at work")
            harness.user_edit(leaves, labels=["home"])
        return out

    emu.query = editing_meanwhile  # type: ignore[method-assign]
    rounds: list[ChangeSet] = [a.changes(quiet.cursor)]
    assert answered[0] == 3
    emu.query = query  # type: ignore[method-assign]
    emu.clock_offset += MINUTES
    rounds.append(a.changes(rounds[0].cursor))

    assert all(stays not in r.gone for r in rounds)
    assert "renamed, still at work" in [i.item.title for r in rounds for i in r.items]
    assert [r.gone.get(leaves) for r in rounds].count("out_of_scope") >= 1
    assert all(i.ref != leaves for r in rounds for i in r.items)

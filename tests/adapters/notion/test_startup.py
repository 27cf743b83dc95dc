"""Issue 11: Notion down when synchub starts must not stop the other endpoints. Building the
adapter and reading its capabilities (the executor reads every endpoint's) makes no request;
the schema is read by the first listing, read or write, where a failure is this endpoint's."""

from __future__ import annotations

import pytest

from adapters.faults import FaultKind
from adapters.notion.emulator import NotionEmulator
from hub.errors import Transient
from hub.model import Item
from tests.adapters.notion.conftest import NotionHarness, build


def test_capabilities_need_no_request_while_the_data_source_answers_503(
        harness: NotionHarness, emu: NotionEmulator) -> None:
    emu.faults.inject(FaultKind.OUTAGE, op=f"/v1/data_sources/{harness.ds}", count=None)
    emu.reset_counts()
    a = build(emu, harness.db)
    caps = a.capabilities
    assert emu.total_requests == 0
    # before the schema is read: the fields the config maps (an upper bound)
    assert {"title", "status", "due", "priority", "labels", "assignee"} <= caps.fields
    assert caps.timestamp_precision == 60.0 and caps.request_budget is None
    with pytest.raises(Transient):
        a.changes(None)
    emu.faults.clear()
    ref = harness.user_create(Item(title="after the outage"))
    assert ref in {r.ref for r in a.changes(None).items}
    # now exactly what the data source has: no URL property in this one
    assert "url" not in a.capabilities.fields and "url" in caps.fields


def test_fields_the_config_leaves_out_stay_out_before_the_schema_is_read(
        harness: NotionHarness, emu: NotionEmulator) -> None:
    emu.reset_counts()
    a = build(emu, harness.db, fields=frozenset({"title", "due"}))
    assert a.capabilities.fields == {"title", "due", "span"} and emu.total_requests == 0
    a.changes(None)
    assert a.capabilities.fields == {"title", "due", "span"}  # the same once it is read

"""Round statuses are one enum that still reads, compares and stores as its text."""

from __future__ import annotations

import json

from hub.daemon.metrics import APPLIED
from hub.status import RoundStatus
from tests.support.world import World


def test_a_status_is_its_text() -> None:
    assert RoundStatus.DRY_RUN == "dry-run" and f"{RoundStatus.OK}" == "ok"
    assert json.dumps({"s": RoundStatus.LEASED_ELSEWHERE}) == '{"s": "leased elsewhere"}'
    assert {"partial": 1}[RoundStatus.PARTIAL] == 1


def test_only_ok_and_partial_rounds_applied_their_plan() -> None:
    assert APPLIED == (RoundStatus.OK, RoundStatus.PARTIAL)
    assert {s for s in RoundStatus if s.applied} == {"ok", "partial"}


def test_the_engine_reports_a_status_and_stores_its_text() -> None:
    w = World()
    report = w.sync()
    assert report.status is RoundStatus.OK
    [run] = w.store.runs(w.flow, limit=1)
    assert type(run.status) is str and run.status == "ok"

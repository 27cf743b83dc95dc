"""Every daemon metric counts what its name says, from real rounds over in-memory services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from adapters.faults import FaultKind
from hub.config.models import PreferPolicy
from hub.daemon import service
from hub.daemon.metrics import Metrics
from hub.daemon.service import Daemon
from hub.errors import AuthError
from hub.model import Item
from hub.round.engine import RoundReport
from hub.runtime import open_runtime
from tests.daemon.test_service import config
from tests.support.world import World


def ts(minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 1, 12, minute, tzinfo=dt.UTC)


def value(m: Metrics, name: str, **labels: str) -> float:
    return m.registry.get_sample_value(name, labels) or 0.0


def observe(m: Metrics, w: World, report: RoundReport) -> RoundReport:
    m.observe_round(report, 0.25, len(w.store.load_links(w.flow)),
                    len(w.store.conflicts(w.flow)))
    return report


def test_rounds_writes_items_and_duration() -> None:
    m, w = Metrics(), World()
    w.services["a"].user_create(Item(title="one"))
    w.services["a"].user_create(Item(title="two"))
    observe(m, w, w.sync())
    observe(m, w, w.sync())  # quiet
    assert value(m, "synchub_rounds_total", flow="f", status="ok") == 2
    assert value(m, "synchub_writes_total", flow="f", service="b") == 2
    assert value(m, "synchub_writes_total", flow="f", service="a") == 0
    assert value(m, "synchub_items", flow="f") == 2
    assert value(m, "synchub_round_duration_seconds_count", flow="f") == 2
    assert value(m, "synchub_round_duration_seconds_sum", flow="f") == 0.5


def test_errors_by_service_and_class() -> None:
    m, w = Metrics(), World()
    w.services["a"].user_create(Item(title="one"))
    observe(m, w, w.sync())
    w.services["b"].faults.inject(FaultKind.OUTAGE, count=None)
    report = observe(m, w, w.sync())
    assert report.status == "partial"
    kinds = {type(e).__name__ for svc, e in report.errors if svc == "b"}
    assert kinds and all(
        value(m, "synchub_errors_total", flow="f", service="b", kind=k) >= 1 for k in kinds)
    assert value(m, "synchub_rounds_total", flow="f", status="partial") == 1
    assert value(m, "synchub_errors_total", flow="f", service="a", kind=next(iter(kinds))) == 0


def test_retries_rate_limit_waits_and_all_waits_are_told_apart() -> None:
    m, w = Metrics(), World()
    w.services["a"].user_create(Item(title="x"))
    w.services["a"].user_create(Item(title="y"))
    w.services["b"].faults.inject(FaultKind.RATE_LIMIT, op="create", retry_after=42)
    w.services["b"].faults.inject(FaultKind.SERVER_ERROR, op="create")
    report = observe(m, w, w.sync())
    assert report.status == "ok"
    backoff = w.retry.base_delay * 2  # after the 5xx, which hit the second attempt
    assert value(m, "synchub_retries_total", flow="f", service="b") == 2
    assert value(m, "synchub_rate_limit_waits_total", flow="f", service="b") == 1
    assert value(m, "synchub_rate_limit_wait_seconds_total", flow="f", service="b") == 42
    assert value(m, "synchub_request_waits_total", flow="f", service="b") == 2
    assert value(m, "synchub_request_wait_seconds_total", flow="f", service="b") == (
        42 + backoff) == sum(w.sleeps)
    for name in ("synchub_retries_total", "synchub_request_waits_total",
                 "synchub_rate_limit_waits_total"):
        assert value(m, name, flow="f", service="a") == 0
    observe(m, w, w.sync())  # a quiet round: nothing retried, nothing waited
    assert value(m, "synchub_retries_total", flow="f", service="b") == 2
    assert value(m, "synchub_rate_limit_wait_seconds_total", flow="f", service="b") == 42


def test_back_off_alone_is_not_a_rate_limit_wait() -> None:
    m, w = Metrics(), World()
    w.services["a"].user_create(Item(title="x"))
    w.services["b"].faults.inject(FaultKind.SERVER_ERROR, op="create")
    observe(m, w, w.sync())
    assert value(m, "synchub_retries_total", flow="f", service="b") == 1
    assert value(m, "synchub_request_waits_total", flow="f", service="b") == 1
    assert value(m, "synchub_rate_limit_waits_total", flow="f", service="b") == 0


@pytest.mark.parametrize(("policy", "label"), [("newest", "newest"),
                                               (PreferPolicy(prefer="a"), "prefer")])
def test_conflicts_settled_by_policy_are_counted_once(policy: object, label: str) -> None:
    m, w = Metrics(), World(conflict=policy)
    ref_a = w.services["a"].user_create(Item(title="x", priority=1))
    observe(m, w, w.sync())
    ref_b, _ = w.only("b")
    w.services["a"].user_edit(ref_a, title="from a", updated_at=ts(5))
    w.services["b"].user_edit(ref_b, title="from b", updated_at=ts(9))
    observe(m, w, w.sync())
    assert value(m, "synchub_conflicts_settled_total", flow="f", policy=label) == 1
    w.services["b"].user_edit(ref_b, priority=3, updated_at=ts(12))  # one side only: no conflict
    observe(m, w, w.sync())
    observe(m, w, w.sync())
    assert value(m, "synchub_conflicts_settled_total", flow="f", policy=label) == 1
    assert value(m, "synchub_open_conflicts", flow="f") == 0


def test_manual_conflicts_are_open_not_settled() -> None:
    m, w = Metrics(), World(conflict="manual")
    ref_a = w.services["a"].user_create(Item(title="x"))
    observe(m, w, w.sync())
    ref_b, _ = w.only("b")
    w.services["a"].user_edit(ref_a, title="from a", updated_at=ts(5))
    w.services["b"].user_edit(ref_b, title="from b", updated_at=ts(9))
    observe(m, w, w.sync())
    observe(m, w, w.sync())
    assert value(m, "synchub_open_conflicts", flow="f") == 1
    assert m.registry.get_sample_value("synchub_conflicts_settled_total",
                                       {"flow": "f", "policy": "manual"}) is None


def test_a_crashed_round_is_counted_with_its_error(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = config(tmp_path)
    daemon = Daemon(open_runtime(str(path)))

    def crash(*a: object, **kw: object) -> RoundReport:
        raise AuthError("token revoked")

    monkeypatch.setattr(service, "run_flow", crash)
    with pytest.raises(AuthError):
        daemon.run_round("work")
    m = daemon.metrics
    assert value(m, "synchub_rounds_total", flow="work", status="crashed") == 1
    assert value(m, "synchub_errors_total", flow="work", service="-", kind="AuthError") == 1
    assert value(m, "synchub_round_duration_seconds_count", flow="work") == 1
    daemon.rt.close()


def test_metrics_page_lists_the_metric_families() -> None:
    m = Metrics()
    m.observe_crash("f", RuntimeError("x"), 0.1)
    text = m.render().decode()
    for name in ("synchub_rounds_total", "synchub_errors_total",
                 "synchub_round_duration_seconds", "synchub_webhook_notices"):
        assert name in text

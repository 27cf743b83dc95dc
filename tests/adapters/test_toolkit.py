"""The adapter toolkit (adapters.toolkit, adapters.ratewindow) and the optional factory
protocols: what every adapter is built from behaves the same for all of them."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from adapters.base import (
    BatchingAdapter,
    SandboxFactory,
    WebhookHandler,
    WriteKind,
    WriteOp,
    WriteResult,
    installed_adapters,
    load_factory,
    sandbox_factory,
    webhook_handler,
)
from adapters.contract import RemoteItem
from adapters.memory import SERVICES
from adapters.ratewindow import SlidingWindow
from adapters.toolkit import AdapterBase, BatchWrites, WindowCursor, status_error
from hub.errors import (
    AuthError,
    Conflict,
    Fatal,
    NotFound,
    RateLimited,
    SyncHubError,
    Transient,
    ValidationRejected,
)
from hub.model import Item

# -- the optional factory protocols ------------------------------------------------------------


def test_every_installed_factory_starts_a_sandbox() -> None:
    for name in installed_adapters():
        factory = load_factory(name)
        assert isinstance(factory, SandboxFactory), name
        assert sandbox_factory(factory) is factory


def test_the_services_with_webhooks_are_webhook_handlers() -> None:
    for name in ("jira", "todoist", "notion", "gcal"):
        assert isinstance(load_factory(name), WebhookHandler), name
    assert webhook_handler(load_factory("memory")) is None
    with pytest.raises(TypeError, match="no sandbox"):
        sandbox_factory(object())


def test_the_memory_sandbox_is_a_named_service_and_its_user() -> None:
    sb = sandbox_factory(load_factory("memory")).sandbox()
    name = sb.connection["service"]
    assert SERVICES[name] is not None
    ref = sb.user_create(Item(title="a"))
    sb.user_edit(ref, title="b")
    assert [i.title for i in sb.items().values()] == ["b"]
    sb.user_delete(ref)
    assert sb.items() == {}
    sb.stop()
    assert name not in SERVICES


# -- status_error -----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "cls"), [
    (401, AuthError), (403, AuthError), (404, NotFound), (409, Conflict), (412, Conflict),
    (429, RateLimited), (500, Transient), (503, Transient), (None, Transient),
    (400, ValidationRejected), (410, ValidationRejected), (422, ValidationRejected)])
def test_the_shared_defaults(status: int | None, cls: type) -> None:
    err = status_error(status, "HTTP x", service="svc")
    assert type(err) is cls
    assert err.service == "svc"
    assert err.message == "HTTP x"


def test_a_service_supplies_only_its_overrides_and_advice() -> None:
    err = status_error(410, "HTTP 410", service="svc", overrides={410: Fatal},
                       advice={410: ": update synchub", 401: " (check the token)"})
    assert isinstance(err, Fatal) and err.message == "HTTP 410: update synchub"
    assert status_error(401, "HTTP 401", service="svc", advice={401: " (check the token)"}
                        ).message == "HTTP 401 (check the token)"


def test_retry_after_is_read_from_the_header_else_the_service_default() -> None:
    with_header = status_error(429, "slow", service="s", retry_after="7", retry_default=60)
    without = status_error(429, "slow", service="s", retry_default=30)
    unreadable = status_error(429, "slow", service="s", retry_after="soon", retry_default=5)
    assert isinstance(with_header, RateLimited) and with_header.retry_after == 7
    assert isinstance(without, RateLimited) and without.retry_after == 30
    assert isinstance(unreadable, RateLimited) and unreadable.retry_after == 5


# -- BatchWrites ------------------------------------------------------------------------------


class Recorder(BatchWrites, AdapterBase):
    """write_batch alone; the single writes come from the mixin."""

    def __init__(self, fail: SyncHubError | None = None) -> None:
        self.sent: list[WriteOp] = []
        self.fail = fail

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        self.sent += ops
        out = []
        for op in ops:
            if self.fail is not None:
                out.append(WriteResult(op, error=self.fail))
            elif op.kind is WriteKind.DELETE:
                out.append(WriteResult(op))
            else:
                assert op.item is not None
                out.append(WriteResult(op, RemoteItem(ref=op.ref or "new", item=op.item)))
        return out


def test_single_writes_are_one_op_batches() -> None:
    a = Recorder()
    created = a.create(Item(title="t"), origin="o", idempotency_key="k1")
    updated = a.update("r1", Item(title="u"), fields=frozenset({"title"}),
                       expected_version="v", idempotency_key="k2", origin=None)
    a.delete("r2", expected_version=None)
    assert (created.ref, updated.ref) == ("new", "r1")
    assert [(op.kind, op.ref, op.idempotency_key) for op in a.sent] == [
        (WriteKind.CREATE, None, "k1"), (WriteKind.UPDATE, "r1", "k2"),
        (WriteKind.DELETE, "r2", "delete-r2")]
    assert a.sent[0].origin == "o" and a.sent[1].expected_version == "v"
    assert isinstance(a, BatchingAdapter) is False  # no capabilities: not a whole adapter


def test_a_single_write_raises_the_error_a_batch_reports() -> None:
    with pytest.raises(Conflict):
        Recorder(fail=Conflict("changed")).update(
            "r", Item(), fields=frozenset({"title"}), expected_version="v",
            idempotency_key="k")


# -- WindowCursor -----------------------------------------------------------------------------


def test_a_cursor_reads_what_it_writes() -> None:
    c = WindowCursor(start="2026/01/02 03:04", seen={"1": "v1"}, known=frozenset({"1", "2"}),
                     round=3, key="since")
    assert WindowCursor.from_json(c.to_json(), key="since") == c


def test_cursors_stored_before_the_type_read_the_same() -> None:
    jira = json.dumps({"since": "2026/01/02 03:04", "seen": {"10": "u"}, "known": ["10", "11"],
                       "round": 4})
    c = WindowCursor.from_json(jira, key="since")
    assert (c.start, dict(c.seen), c.known, c.round) == (
        "2026/01/02 03:04", {"10": "u"}, frozenset({"10", "11"}), 4)
    assert json.loads(c.to_json()) == json.loads(jira)
    notion = json.dumps({"from": None, "seen": {}, "known": [], "round": 1})
    assert WindowCursor.from_json(notion, key="from").start is None
    old = json.dumps({"since": "2026-01-02T03:04:05.000Z", "seen": {}})
    legacy = WindowCursor.from_json(old, key="from", legacy={"since": lambda s: "L" + s})
    assert legacy.start == "L2026-01-02T03:04:05.000Z" and legacy.round == 0
    assert WindowCursor.from_json(None, key="from") == WindowCursor(key="from")


def test_the_reconcile_runs_every_nth_round_after_the_first_listing() -> None:
    first = WindowCursor()
    assert not first.reconciles(1)  # nothing known yet: nothing can be gone
    c = WindowCursor(start="s", round=1)
    assert c.reconciles(2) and not c.reconciles(3)
    moved = c.advance("t", {"a": "1"}, {"a"})
    assert (moved.start, moved.round, moved.known) == ("t", 2, frozenset({"a"}))
    assert moved.unseen("a", "2") and not moved.unseen("a", "1")
    assert moved.learn(["b"]).known == {"a", "b"}


# -- SlidingWindow ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_reserve_says_how_long_to_wait_and_queues_the_waits() -> None:
    clock = Clock()
    w = SlidingWindow(2, 10.0, clock)
    assert [w.reserve(), w.reserve()] == [0.0, 0.0]
    assert w.reserve() == 10.0  # the third waits for the first to leave the window
    clock.now = 5.0
    assert w.reserve() == 5.0  # the second leaves at 10
    clock.now = 10.0
    assert w.reserve() == 10.0  # behind the third (sent at 10) and the fourth (at 10)


def test_admit_refuses_without_counting_and_says_when_there_is_room() -> None:
    clock = Clock()
    w = SlidingWindow(2, 10.0, clock)
    assert w.admit() and w.admit()
    assert w.until_room() == 10.0
    clock.now = 4.0
    assert not w.admit() and w.until_room() == 6.0
    clock.now = 10.0
    assert w.admit() and w.admit() and not w.admit()  # both left the window at 10

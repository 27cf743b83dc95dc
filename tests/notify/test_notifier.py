"""The notifier after real rounds over in-memory services (hub.notify): what the store says
is wrong becomes one message per incident at a local receiver, whatever the event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from hub.config.notify import NotifyConfig
from hub.errors import MassChangeRefused
from hub.model import Item
from hub.notify import Notifier
from hub.notify.delivery import Attempts
from hub.redact import Redactor
from hub.round.conflicts import resolve
from hub.round.engine import RoundReport
from hub.status import RoundStatus
from tests.support.receivers import HttpReceiver, http_receiver
from tests.support.world import World


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as r:
        yield r


def notifier(w: World, receiver: HttpReceiver, **target: object) -> Notifier:
    cfg = NotifyConfig.model_validate({"after": "0s", "targets": {"hook": {
        "kind": "webhook", "url": receiver.url("/hook"), "min_interval": "0s", **target}}})
    return Notifier(cfg, w.store, Redactor(), attempts=Attempts(count=1))


def events(receiver: HttpReceiver) -> list[list[str]]:
    return [[f"{e['state']} {e['kind']}" for e in p.body["events"]]
            for p in receiver.at("/hook")]


def settle(n: Notifier) -> None:
    assert n.close(timeout=10)


def test_a_mass_change_refusal_is_told_once_and_its_end_once(receiver: HttpReceiver) -> None:
    w = World(delete="propagate", mass_change_min=4, mass_change_limit=0.5)
    n = notifier(w, receiver)
    refs = [w.services["a"].user_create(Item(title=f"t{i}")) for i in range(6)]
    n.after_round(w.sync())
    for r in refs[:4]:
        w.services["a"].user_delete(r)
    for _ in range(2):
        rep = w.sync()
        assert rep.status == "refused"
        n.after_round(rep)
    n.after_round(w.sync(force=True))
    settle(n)
    assert events(receiver) == [["started mass_change"], ["recovered mass_change"]]
    assert "synchub sync --force" in receiver.at("/hook")[0].body["text"]


def test_conflicts_waiting_are_told_until_the_queue_is_empty(receiver: HttpReceiver) -> None:
    w = World(conflict="manual")
    n = notifier(w, receiver)
    ref = w.services["a"].user_create(Item(title="Plan"))
    w.sync()
    (bref,) = w.live("b")
    w.services["a"].user_edit(ref, title="Plan A")
    w.services["b"].user_edit(bref, title="Plan B")
    for _ in range(2):
        n.after_round(w.sync())
    (c,) = w.store.conflicts("f")
    resolve(w.store, c, "a")  # `synchub conflicts resolve`
    n.after_round(w.sync())
    settle(n)
    assert events(receiver) == [["started conflicts"], ["recovered conflicts"]]
    assert "manual conflict resolution" in receiver.at("/hook")[0].body["text"]


def test_a_dry_run_and_a_target_without_the_event_hear_nothing(
        receiver: HttpReceiver) -> None:
    w = World(delete="propagate", mass_change_min=4, mass_change_limit=0.5)
    n = notifier(w, receiver, events=["failing"])
    refused = RoundReport(flow="f", run_id=1, status=RoundStatus.REFUSED,
                          errors=[("", MassChangeRefused("f", 0.9, 0.5, {}))])
    n.after_round(refused)
    n.after_round(RoundReport(flow="f", run_id=None, status=RoundStatus.DRY_RUN))
    settle(n)
    assert receiver.posts == []


def test_nothing_configured_builds_no_notifier() -> None:
    from types import SimpleNamespace

    from hub.config.models import Config
    from hub.notify import notifier_for

    cfg = Config.model_validate({"connections": {}, "flows": {}})
    assert notifier_for(SimpleNamespace(config=cfg, store=None, redact=Redactor())) is None
    assert cfg.notify.after == dt.timedelta(minutes=15)


def test_an_item_set_aside_is_told_with_its_title_and_when_it_is_tried_next(
        receiver: HttpReceiver) -> None:
    w = World()
    n = notifier(w, receiver)
    bad = w.services["a"].user_create(Item(title="odd one"))
    w.services["a"].poison(bad, "date 9999-12-31 is out of range")
    for _ in range(2):
        n.after_round(w.sync())
    w.services["a"].unpoison(bad)  # a person fixed it
    n.after_round(w.sync())
    settle(n)
    assert events(receiver) == [["started poison"], ["recovered poison"]]
    text = receiver.at("/hook")[0].body["text"]
    assert "'odd one'" in text and "9999-12-31" in text and "next try at" in text

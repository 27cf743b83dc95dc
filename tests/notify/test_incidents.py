"""Who is told what (hub.notify.incidents, pure): once when an incident starts, once when it
is over, never once per round; the threshold, the per-target interval and the filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.config.notify import NotifyConfig, NotifyEvent
from hub.notify.events import Condition
from hub.notify.incidents import Decision, decide, track
from hub.store.base import Incident

T0 = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def cfg(**targets: dict[str, Any]) -> NotifyConfig:
    return NotifyConfig.model_validate({"after": "15m", "targets": {
        name: {"kind": "slack", "url": "https://hooks.example/x", "min_interval": "0s", **t}
        for name, t in targets.items()}})


def notion_down(since: dt.datetime = T0) -> Condition:
    return Condition("failing:f:notion", "f", NotifyEvent.FAILING, "notion",
                     "notion is failing", since)


class Memory:
    """The store's side of a few rounds: the incidents and when each target was told."""

    def __init__(self, config: NotifyConfig) -> None:
        self.cfg = config
        self.rows: dict[str, Incident] = {}
        self.notified: dict[str, dt.datetime] = {}

    def round(self, now: dt.datetime, *found: Condition,
              unjudged: frozenset[NotifyEvent] = frozenset()) -> Decision:
        rows = track("f", found, set(unjudged), self.rows.values(), now)
        d = decide(rows, self.cfg, self.notified, now)
        self.rows = dict(d.put)
        self.notified.update({o.target: now for o in d.send})
        return d


def told(d: Decision) -> list[tuple[str, list[str], list[str]]]:
    return [(o.target, [r.key for r in o.started], [r.key for r in o.recovered])
            for o in d.send]


def test_a_failure_is_told_once_after_the_threshold_and_once_when_over() -> None:
    m = Memory(cfg(team={}))
    assert told(m.round(minutes(0), notion_down())) == []  # a blip is not worth a word
    assert told(m.round(minutes(10), notion_down())) == []
    assert told(m.round(minutes(15), notion_down())) == [("team", ["failing:f:notion"], [])]
    for n in (20, 25, 60):
        assert told(m.round(minutes(n), notion_down())) == []  # persists: nothing more
    assert told(m.round(minutes(65))) == [("team", [], ["failing:f:notion"])]
    assert m.rows == {}  # over and told: forgotten
    assert told(m.round(minutes(70))) == []


def test_a_failure_over_before_the_threshold_is_never_told() -> None:
    m = Memory(cfg(team={}))
    m.round(minutes(0), notion_down())
    assert told(m.round(minutes(5))) == [] and m.rows == {}


def test_other_events_are_told_at_once() -> None:
    m = Memory(cfg(team={}))
    queue = Condition("conflicts:f:", "f", NotifyEvent.CONFLICTS, "", "2 conflicts", T0)
    assert told(m.round(minutes(0), queue)) == [("team", ["conflicts:f:"], [])]


def test_a_target_told_recently_gets_what_happened_meanwhile_in_one_message() -> None:
    m = Memory(cfg(team={"min_interval": "10m"}))
    poison = Condition("poison:f:jira:1", "f", NotifyEvent.POISON, "jira:1", "set aside", T0)
    assert told(m.round(minutes(0), poison)) == [("team", ["poison:f:jira:1"], [])]
    queue = Condition("conflicts:f:", "f", NotifyEvent.CONFLICTS, "", "2 conflicts",
                      minutes(1))
    assert told(m.round(minutes(1), queue)) == []  # within the interval: waits
    assert told(m.round(minutes(5), queue)) == []
    assert told(m.round(minutes(10), queue)) == [("team", ["conflicts:f:"],
                                                  ["poison:f:jira:1"])]


def test_each_target_hears_only_its_events_and_flows() -> None:
    m = Memory(cfg(chat={"events": ["conflicts"]}, pager={"flows": ["other"]},
                   all={}))
    queue = Condition("conflicts:f:", "f", NotifyEvent.CONFLICTS, "", "2 conflicts", T0)
    assert told(m.round(minutes(0), queue, notion_down())) == [("all", ["conflicts:f:"], []),
                                                               ("chat", ["conflicts:f:"], [])]
    # chat does not take `recovered`: the incident ends without a word to it
    assert told(m.round(minutes(1), notion_down())) == [("all", [], ["conflicts:f:"])]
    assert list(m.rows) == ["failing:f:notion"]


def test_a_round_that_cannot_judge_the_guard_leaves_its_incident_open() -> None:
    m = Memory(cfg(team={}))
    refused = Condition("mass_change:f:", "f", NotifyEvent.MASS_CHANGE, "", "refused", T0)
    assert told(m.round(minutes(0), refused)) == [("team", ["mass_change:f:"], [])]
    unjudged = frozenset({NotifyEvent.MASS_CHANGE})
    assert told(m.round(minutes(1), unjudged=unjudged)) == []  # a failed round: unknown
    assert told(m.round(minutes(2))) == [("team", [], ["mass_change:f:"])]


def test_an_incident_back_before_its_end_was_told_is_not_told_again() -> None:
    m = Memory(cfg(team={"min_interval": "10m"}))
    m.round(minutes(0), notion_down(minutes(-20)))  # told at once: failing for 20 min
    assert m.rows["failing:f:notion"].announced == {"team"}
    m.round(minutes(2))  # over, but the target was told 2 min ago: the end waits
    assert told(m.round(minutes(4), notion_down(minutes(3)))) == []  # back: still one
    assert told(m.round(minutes(30), notion_down(minutes(3)))) == []
    assert m.rows["failing:f:notion"].recovered_at is None


def test_incidents_of_other_flows_are_left_alone() -> None:
    m = Memory(cfg(team={}))
    other = Incident("failing:g:jira", "g", "failing", "jira", "jira down", T0,
                     announced=frozenset({"team"}))
    rows = track("f", [], set(), [other], minutes(1))
    assert rows == {}
    assert m.round(minutes(1)).drop == []

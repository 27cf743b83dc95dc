"""Property: whatever people do with comments, with services failing and answers lost in
between, once the services answer again every endpoint holds each live comment exactly
once, with its latest text, and nothing is left pending (issue 15: "each comment copied
once, edits and deletes followed, our own copies never echoed")."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.faults import FaultKind
from adapters.toolkit import comments as text
from hub.model import Item
from tests.support.budget import examples
from tests.support.world import World

NAMES = ("a", "b", "c")

action = st.one_of(
    st.tuples(st.just("comment"), st.sampled_from(NAMES), st.integers(0, 99)),
    st.tuples(st.just("edit"), st.integers(0, 20), st.integers(0, 99)),
    st.tuples(st.just("delete"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("outage"), st.sampled_from(NAMES), st.just(0)),
    st.tuples(st.just("lost"), st.sampled_from(NAMES), st.just(0)),
    st.tuples(st.just("sync"), st.just(""), st.just(0)),
)


def _ref(w: World, name: str) -> str:
    (ref,) = w.live(name)
    return ref


def _apply(w: World, originals: list[tuple[str, str]], act: tuple[str, Any, int]) -> None:
    kind, arg, n = act
    if kind == "comment":
        cref = w.services[arg].user_comment(_ref(w, arg), f"note {n} from {arg}")
        originals.append((arg, cref))
    elif kind in ("edit", "delete") and originals:
        ep, cref = originals[arg % len(originals)]
        if kind == "edit":
            w.services[ep].user_edit_comment(_ref(w, ep), cref, f"edited {n}")
        else:
            w.services[ep].user_delete_comment(_ref(w, ep), cref)
            originals.remove((ep, cref))
    elif kind == "outage":
        w.services[arg].faults.inject(FaultKind.OUTAGE, op="*", count=None)
        w.sync()
        w.services[arg].faults.clear()
    elif kind == "lost":
        w.services[arg].faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="add_comment",
                                      count=1)
    elif kind == "sync":
        w.sync()


@settings(deadline=None, max_examples=examples(60),
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, max_size=25))
def test_every_live_comment_is_everywhere_exactly_once(actions: list[Any]) -> None:
    w = World(NAMES, comments=True)
    w.services["a"].user_create(Item(title="Task"))
    w.sync()
    originals: list[tuple[str, str]] = []
    for act in actions:
        _apply(w, originals, act)
    for svc in w.services.values():
        svc.faults.clear()
    for _ in range(3):
        w.sync()
    live: Counter[str] = Counter()
    for ep, cref in originals:
        (c,) = [c for c in w.services[ep].comments[_ref(w, ep)] if c.ref == cref]
        live[text.normalise(c.text)] += 1
    for name in NAMES:
        held = Counter(text.parse(c.text).body
                       for c in w.services[name].comments.get(_ref(w, name), []))
        assert held == live, name
    assert not any(t.pending or t.deleting for t in w.store.threads.values())
    assert w.sync().comments == {}

"""Property tests of the pure planner: generated bases and edits on 2-4 endpoints."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.base import ChangeSet, RemoteItem, WriteKind
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import SYNC_FIELDS, Item
from hub.planner import EndpointView, PlanInput, plan_flow
from hub.store.base import CopyState, LinkState

FIELDS = ("title", "priority", "labels", "status", "description", "sprint", "points")

items = st.builds(
    Item,
    title=st.sampled_from(["a", "b", "c"]),
    priority=st.none() | st.integers(1, 4),
    labels=st.lists(st.sampled_from(["x", "y"]), max_size=2),
    status=st.sampled_from(["open", "done"]).map(lambda k: {"kind": k}),
    description=st.none() | st.sampled_from(["d1", "d2"]),
    sprint=st.none() | st.sampled_from(["Sprint 1", "Sprint 2"]),
    points=st.none() | st.sampled_from([0, 0.5, 3.0, 3]),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[str], dict[str, LinkState], dict[str, Item]]:
    names = ["e0", "e1", "e2", "e3"][: draw(st.integers(2, 4))]
    links: dict[str, LinkState] = {}
    current: dict[str, Item] = {}
    for n in range(draw(st.integers(1, 4))):
        base = draw(items)
        copies = {}
        for i, ep in enumerate(names):
            edits = draw(st.dictionaries(st.sampled_from(FIELDS), st.integers(0, 5), max_size=3))
            cur = base
            for f in edits:
                cur = cur.evolve(**{f: getattr(draw(items), f)})
            cur = cur.evolve(updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
                             + dt.timedelta(minutes=n * 10 + i))
            copies[ep] = CopyState(ep, f"{ep}-{n}", base=base, snapshot=base, version="1")
            current[f"{ep}-{n}"] = cur
        links[f"L{n}"] = LinkState(flow="f", link_id=f"L{n}", base=base, copies=copies)
    return names, links, current


def make_input(names: list[str], links: dict[str, LinkState], current: dict[str, Item]
               ) -> PlanInput:
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in names})
    obs = {
        ep: ChangeSet(items=tuple(RemoteItem(ref, item, "2") for ref, item in current.items()
                                  if ref.startswith(ep + "-")), cursor="c")
        for ep in names
    }
    views = tuple(EndpointView(n, frozenset(SYNC_FIELDS)) for n in names)
    return PlanInput(flow="f", config=cfg, endpoints=views, links=links, observations=obs,
                     now=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))


def apply(plan_links, current: dict[str, Item]) -> dict[str, LinkState]:  # type: ignore[no-untyped-def]
    """Pretend every write succeeded: copies now hold (and agree on) the desired values."""
    out = {}
    for lp in plan_links:
        state = lp.interim
        copies = dict(state.copies)
        for w in lp.writes:
            assert w.kind is WriteKind.UPDATE
            c = copies[w.endpoint]
            vals = {f: getattr(w.item, f) for f in w.fields}
            marker = {"origin": w.origin} if w.origin else {}  # an update may carry one
            new_snap = current[c.ref].evolve(**vals, **marker)
            current[c.ref] = new_snap
            copies[w.endpoint] = replace(c, base=c.base.evolve(**vals), snapshot=new_snap)
        out[lp.link_id] = replace(state, copies=copies)
    return out


@settings(deadline=None)
@given(scenarios())
def test_single_side_edits_always_survive_and_everything_converges(scn) -> None:  # type: ignore[no-untyped-def]
    names, links, current = scn
    plan = plan_flow(make_input(names, links, current))
    by_link = {lp.link_id: lp for lp in plan.links}
    for lid, link in links.items():
        lp = by_link.get(lid)
        desired = lp.interim.base if lp else link.base
        for f in FIELDS:
            changed = {getattr(current[c.ref], f) for c in link.copies.values()
                       if getattr(current[c.ref], f) != getattr(link.base, f)}
            if len(changed) == 1:  # P3: a one-sided (or identical) edit survives
                assert getattr(desired, f) == next(iter(changed))
            if not changed:
                assert getattr(desired, f) == getattr(link.base, f)
                assert not any(f in w.fields for w in (lp.writes if lp else ()))
    # P8: after applying the plan, a second plan over the same state writes nothing.
    after = {**links, **apply(plan.links, current)}
    again = plan_flow(make_input(names, after, current))
    assert again.writes == []
    # Convergence: every copy equals the agreed base on every field.
    for link in after.values():
        for c in link.copies.values():
            for f in FIELDS:
                assert getattr(current[c.ref], f) == getattr(link.base, f)


@settings(deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_plan_is_deterministic_and_independent_of_order(scn, rnd: random.Random) -> None:  # type: ignore[no-untyped-def]
    names, links, current = scn
    p1 = plan_flow(make_input(names, links, current))
    keys = list(links)
    rnd.shuffle(keys)
    shuffled_current = list(current.items())
    rnd.shuffle(shuffled_current)
    p2 = plan_flow(make_input(names, {k: links[k] for k in keys}, dict(shuffled_current)))
    assert [(lp.link_id, lp.writes, lp.interim) for lp in p1.links] == \
           [(lp.link_id, lp.writes, lp.interim) for lp in p2.links]  # P9, P10

"""Which links a round loads and plans: the ones its observations touch, the ones not yet
settled, and their family, read through the store's indexes (:mod:`hub.store.workset`), so a
quiet round over 100,000 links reads none of them and a webhook-driven edit costs what it
costs with five.

Every link the planner could route an observation to is in the working set: a copy at an
observed, gone, unreadable or comment-touched ref; the link an item's origin marker names;
the link an unmarked original's ref names (:func:`hub.planner.matching.original_ids`); the
link of an observed item's parent (its canonical parent). Links with a write intent still
pending (recovery reads them itself) and links no round has found settled are in it too.
Where the flow's endpoints spread a status along a hierarchy (Todoist), the parents and
children of those links are added until the family is complete, so the nesting rules
(:mod:`hub.planner.nesting`) see every copy a write would change.

Everything is loaded instead, once, when the planning fingerprint differs from the one the
settled marks were made under (the flow's config, the adapters' capabilities or synchub
itself changed: what was settled may not be any more), when an endpoint is synced for the
first time (its items are matched by key against every link) and while items are held back
for an ambiguous match (they are matched against every link each round).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import hub
from adapters.base import Adapter, ChangeSet
from hub.config.models import FlowConfig
from hub.planner import EndpointView
from hub.planner.matching import original_ids
from hub.store.base import LinkState, Store

#: raised when what "settled" means changes (the planner's rules), so marks made by an older
#: planner are not trusted
PLANNER_RULES = 1


@dataclass(frozen=True)
class WorkingSet:
    links: dict[str, LinkState]
    total: int  # links in the flow
    full: bool  # every link was loaded (and the settled marks are made afresh)
    fingerprint: str


def fingerprint(cfg: FlowConfig, adapters: Mapping[str, Adapter]) -> str:
    """What the settled marks depend on: the flow's config and what each endpoint's adapter
    can hold, and the planner's rules. Deterministic across processes (sorted sets)."""
    caps = {}
    for name in sorted(cfg.endpoints):
        c = adapters[name].capabilities
        caps[name] = [type(adapters[name]).__name__, sorted(c.fields), c.read_only,
                      c.can_delete, sorted(c.create_requires_any), c.timestamp_precision,
                      c.series, c.nests_completion, c.rolls_occurrences]
    text = json.dumps([PLANNER_RULES, hub.__version__, cfg.model_dump(mode="json"), caps],
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load(flow: str, store: Store, observations: Mapping[str, ChangeSet],
         views: Mapping[str, EndpointView], fp: str, *, everything: bool) -> WorkingSet:
    """The working set (module docstring); ``everything``: a first sync or held items."""
    if everything or store.settled_under(flow) != fp:
        links = store.load_links(flow)
        return WorkingSet(links, len(links), True, fp)
    refs, ids = _touched(flow, observations)
    ids |= store.link_ids_by_ref(flow, refs)
    ids |= store.unsettled_link_ids(flow)
    ids |= {i.link_id for i in store.pending_intents(flow)}
    links = store.links_by_id(flow, ids)
    if any(v.nests_completion for v in views.values()):
        _add_family(flow, store, links)
    return WorkingSet(links, store.count_links(flow), False, fp)


def _touched(flow: str, observations: Mapping[str, ChangeSet]
             ) -> tuple[set[tuple[str, str]], set[str]]:
    """(endpoint, ref) pairs and link ids an observation may be routed to."""
    refs: set[tuple[str, str]] = set()
    ids: set[str] = set()
    for ep, cs in observations.items():
        for r in cs.items:
            refs.add((ep, r.ref))
            if r.item.parent:
                refs.add((ep, r.item.parent))  # the parent, as the adapter names it
            if r.item.origin:
                ids.add(r.item.origin)
            ids.update(original_ids(flow, ep, r.ref))
        refs.update((ep, ref) for ref in cs.gone)
        refs.update((ep, u.ref) for u in cs.unreadable)
        refs.update((ep, ref) for ref in cs.touched)
    return refs, ids


def _add_family(flow: str, store: Store, links: dict[str, LinkState]) -> None:
    """Parents and children of the loaded links, until none is missing."""
    todo = set(links)
    while todo:
        parents = [c.snapshot.parent for lid in todo for c in links[lid].copies.values()]
        parents += [links[lid].base.parent for lid in todo]
        wanted = {p for p in parents if p is not None} | store.child_link_ids(flow, todo)
        found = store.links_by_id(flow, wanted - links.keys())
        links.update(found)
        todo = set(found)

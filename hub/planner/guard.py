"""The mass-change guard: refuse a round that would rewrite a large share of a flow at once.

A wrong scope (a JQL typo, a renamed Notion property) shows up as "everything changed" or
"everything left scope"; propagating that is how sync tools lose people's data. The guard
counts links that a round would delete or update (creates are not destructive) and refuses,
with the counts, when their share exceeds the flow's limit, unless the user passes --force.
"""

from __future__ import annotations

from adapters.base import WriteKind
from hub.config.models import FlowConfig
from hub.errors import MassChangeRefused
from hub.planner.types import Plan


def check_mass_change(plan: Plan, cfg: FlowConfig, *, force: bool) -> None:
    if force or plan.total_links < max(cfg.mass_change_min, 1):
        return
    deleted = {lp.link_id for lp in plan.links
               if any(w.kind is WriteKind.DELETE for w in lp.writes)}
    updated = {lp.link_id for lp in plan.links
               if any(w.kind is WriteKind.UPDATE for w in lp.writes)} - deleted
    share = (len(deleted) + len(updated)) / plan.total_links
    if share > cfg.mass_change_limit:
        raise MassChangeRefused(plan.flow, share, cfg.mass_change_limit,
                                {"deleted": len(deleted), "updated": len(updated),
                                 "links": plan.total_links})

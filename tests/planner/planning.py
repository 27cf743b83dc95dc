"""Small builders for unit tests of the planner's phases (pure functions, no services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from adapters.base import ChangeSet, RemoteItem
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import SYNC_FIELDS, Item
from hub.planner.types import EndpointView, PlanInput
from hub.store.base import CopyState, LinkState

FLOW = "f"
NOW = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def ts(minute: int) -> dt.datetime:
    return dt.datetime(2026, 1, 1, 12, minute, tzinfo=dt.UTC)


def view(name: str, fields: Iterable[str] = SYNC_FIELDS, **kw: Any) -> EndpointView:
    return EndpointView(name, frozenset(fields), **kw)


def views(*names: str, **per_name: EndpointView) -> dict[str, EndpointView]:
    out = {n: view(n) for n in names}
    out.update(per_name)
    return out


def flow(*names: str, **kw: Any) -> FlowConfig:
    return FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in names}, **kw)


def copy(ep: str, base: Item, snapshot: Item | None = None, *, ref: str | None = None,
         version: str = "1") -> CopyState:
    return CopyState(ep, ref or f"{ep}-1", base=base, snapshot=base if snapshot is None
                     else snapshot, version=version)


def link(base: Item, *copies: CopyState, lid: str = "L1", **kw: Any) -> LinkState:
    return LinkState(flow=FLOW, link_id=lid, base=base, copies={c.endpoint: c for c in copies},
                     **kw)


def remote(ref: str, item: Item, version: str = "2", **kw: Any) -> RemoteItem:
    return RemoteItem(ref, item, version, **kw)


def plan_input(cfg: FlowConfig, eps: Mapping[str, EndpointView],
               links: Mapping[str, LinkState] | None = None,
               observations: Mapping[str, ChangeSet] | None = None) -> PlanInput:
    return PlanInput(flow=FLOW, config=cfg, endpoints=tuple(eps.values()), links=links or {},
                     observations=observations or {}, now=NOW)

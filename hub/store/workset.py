"""The links a round needs, read through indexes (issue 17): a quiet round costs what the
changes cost, not what the state holds. Shared by both SQL engines.

A round plans the links its observations touch, the links not yet *settled* and the family
of those (parents and children, for the hierarchy rules of :mod:`hub.planner.nesting`).
``links.settled`` is 1 for a link the planner last found settled (its copies agree and exist
where they should) under the planning fingerprint stored in ``meta`` for the flow (the flow's
config and the adapters' capabilities): any save of a link sets it back to 0, so a link
somebody changed (a round, ``synchub conflicts``, an undo) is planned again until a round
finds it settled. A new fingerprint (the config changed, synchub was upgraded) makes the next
round plan every link once (:meth:`hub.round.engine._Round.working_set`).

``copies.parent`` (the canonical parent of the copy as last seen) indexes the children of a
link, which its row cannot name.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import replace
from typing import Any, Protocol

from hub.store import codec
from hub.store.base import LinkState

#: ids or refs per query: well under SQLite's and PostgreSQL's parameter limits
_CHUNK = 400
_LINK_COLUMNS = "link_id, base, provenance, detached, deleting"


class _Plumbing(Protocol):
    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


def _chunks(values: Collection[Any]) -> Iterable[list[Any]]:
    ordered = sorted(values)
    for i in range(0, len(ordered), _CHUNK):
        yield ordered[i:i + _CHUNK]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def ids_by_ref(s: _Plumbing, flow: str, refs: Collection[tuple[str, str]]) -> set[str]:
    """The links with a copy at any (endpoint, ref), through ``copies_by_ref``."""
    out: set[str] = set()
    by_ep: dict[str, list[str]] = {}
    for ep, ref in refs:
        by_ep.setdefault(ep, []).append(ref)
    for ep, ep_refs in by_ep.items():
        for chunk in _chunks(set(ep_refs)):
            out.update(r[0] for r in s._query(
                f"SELECT link_id FROM copies WHERE flow = ? AND endpoint = ? "
                f"AND ref IN ({_marks(len(chunk))})", (flow, ep, *chunk)))
    return out


def unsettled_ids(s: _Plumbing, flow: str) -> set[str]:
    return {r[0] for r in s._query("SELECT link_id FROM links WHERE flow = ? AND settled = 0",
                                   (flow,))}


def child_ids(s: _Plumbing, flow: str, parents: Collection[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(parents):
        out.update(r[0] for r in s._query(
            f"SELECT link_id FROM copies WHERE flow = ? AND parent IN ({_marks(len(chunk))})",
            (flow, *chunk)))
    return out


def load(s: _Plumbing, flow: str, link_ids: Collection[str]) -> dict[str, LinkState]:
    """The links of ``link_ids`` that exist, with their copies."""
    links: dict[str, LinkState] = {}
    copies: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(link_ids):
        marks = _marks(len(chunk))
        for link_id, base, prov, detached, deleting in s._query(
                f"SELECT {_LINK_COLUMNS} FROM links WHERE flow = ? AND link_id IN ({marks})",
                (flow, *chunk)):
            links[link_id] = LinkState(flow, link_id, codec.item_load(base), {},
                                       codec.provenance_load(prov),
                                       frozenset(json.loads(detached)), bool(deleting))
        for link_id, ep, ref, version, cbase, snap in s._query(
                "SELECT link_id, endpoint, ref, version, base, snapshot FROM copies "
                f"WHERE flow = ? AND link_id IN ({marks})", (flow, *chunk)):
            if link_id in links:
                copies.setdefault(link_id, {})[ep] = codec.copy_load(
                    links[link_id].base, ep, ref, version, cbase, snap)
    return {lid: replace(link, copies=copies.get(lid, {})) for lid, link in links.items()}


def ids_after(s: _Plumbing, flow: str, endpoint: str, after: str, limit: int) -> list[str]:
    return [r[0] for r in s._query(
        "SELECT link_id FROM copies WHERE flow = ? AND endpoint = ? AND link_id > ? "
        "ORDER BY link_id LIMIT ?", (flow, endpoint, after, limit))]


def count(s: _Plumbing, flow: str) -> int:
    return int(s._query("SELECT COUNT(*) FROM links WHERE flow = ?", (flow,))[0][0])


def fingerprint_key(flow: str) -> str:
    return f"settled_under:{flow}"


def mark_settled(s: _Plumbing, flow: str, link_ids: Collection[str]) -> None:
    for chunk in _chunks(link_ids):
        s._exec(f"UPDATE links SET settled = 1 WHERE flow = ? AND link_id IN "
                f"({_marks(len(chunk))})", (flow, *chunk))


def unsettle_all(s: _Plumbing, flow: str) -> None:
    s._exec("UPDATE links SET settled = 0 WHERE flow = ? AND settled = 1", (flow,))

"""Turning store records into rows and back.

Copies usually agree with their link (base) and with themselves (snapshot == base), so those
columns are stored as NULL meaning "same as the link's base" / "same as the copy's base". That
keeps a 10,000-link state small and makes loading it mostly sharing objects, not parsing JSON.
"Same" here includes metadata (``updated_at``, ``origin``), which conflict resolution reads.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hub.model import Item
from hub.store.base import CopyState, Provenance


def identical(a: Item, b: Item) -> bool:
    return a is b or (a == b and a.updated_at == b.updated_at and a.origin == b.origin)


def item_json(item: Item) -> str:
    # Not exclude_defaults: Status compares by kind, so a raw status value would be dropped.
    return item.model_dump_json(exclude_none=True)


def item_load(text: str) -> Item:
    return Item.model_validate_json(text)


def ts(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def ts_load(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def copy_row(base: Item, c: CopyState) -> tuple[str | None, str | None]:
    cb = None if identical(c.base, base) else item_json(c.base)
    snap = None if identical(c.snapshot, c.base) else item_json(c.snapshot)
    return cb, snap


def copy_load(link_base: Item, endpoint: str, ref: str, version: str | None,
              base: str | None, snapshot: str | None) -> CopyState:
    cb = link_base if base is None else item_load(base)
    snap = cb if snapshot is None else item_load(snapshot)
    return CopyState(endpoint=endpoint, ref=ref, base=cb, snapshot=snap, version=version)


def provenance_json(prov: dict[str, Provenance]) -> str:
    return json.dumps({f: {"endpoint": p.endpoint, "run_id": p.run_id, "rule": p.rule,
                           "at": ts(p.at), "edited_at": ts(p.edited_at)}
                       for f, p in prov.items()}, separators=(",", ":"))


def provenance_load(text: str) -> dict[str, Provenance]:
    raw: dict[str, Any] = json.loads(text)
    return {f: Provenance(endpoint=p["endpoint"], run_id=p["run_id"], rule=p["rule"],
                          at=ts_load(p["at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
                          edited_at=ts_load(p.get("edited_at")))
            for f, p in raw.items()}


def of_flow(sql: str, flow: str | None) -> tuple[str, tuple[Any, ...]]:
    """``sql`` (a SELECT without WHERE) limited to one flow when ``flow`` is given, and its
    parameters: the listings of runs, set-aside items and health share it."""
    return (sql, ()) if flow is None else (f"{sql} WHERE flow = ?", (flow,))


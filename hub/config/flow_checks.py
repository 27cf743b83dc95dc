"""The checks of a flow that relate its keys to each other (a ``prefer`` naming one of its
endpoints, ``fields`` naming canonical fields and owners), run on the raw document so that
they are reported with every other problem in one pass (issue 16: a bad ``interval`` hid the
flow's other problems, since pydantic runs a model's own validator only once its fields are
valid). :class:`hub.config.models.FlowConfig` runs the same checks (:func:`problems`) when
it is built outside the loader."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hub.model import SYNC_FIELDS

Loc = tuple[str | int, ...]
#: set in the loader's validation context: the loader reports these checks itself
DEFERRED = "flow_checks_deferred"


def problems(flow: Mapping[str, Any]) -> Iterator[tuple[Loc, str]]:
    """(location within the flow, message) for each cross-key problem of one raw flow."""
    endpoints = flow.get("endpoints")
    names = set(endpoints) if isinstance(endpoints, Mapping) else None
    if names is not None and not 2 <= len(names) <= 4:
        yield ("endpoints",), "a flow has 2 to 4 endpoints"
    conflict = flow.get("conflict")
    prefer = conflict.get("prefer") if isinstance(conflict, Mapping) else None
    if names is not None and isinstance(prefer, str) and prefer not in names:
        yield ("conflict", "prefer"), (f"conflict prefers {prefer!r}, which is not an endpoint "
                                       f"of this flow ({', '.join(sorted(names))})")
    yield from _field_problems(flow.get("fields"), names)
    comments = flow.get("comments")
    skip = comments.get("skip") if isinstance(comments, Mapping) else None
    if names is not None and isinstance(skip, list | tuple):
        unknown = sorted(str(s) for s in set(map(str, skip)) - names)
        if unknown:
            yield ("comments", "skip"), f"comments skip unknown endpoint(s) {', '.join(unknown)}"


def _field_problems(fields: Any, names: set[str] | None) -> Iterator[tuple[Loc, str]]:
    if not isinstance(fields, Mapping):
        return
    for fname, rule in fields.items():
        if fname not in SYNC_FIELDS:
            from hub.config.checks import suggest

            hint = suggest(str(fname), SYNC_FIELDS)
            yield ("fields", fname), (f"unknown field {fname!r} in fields (fields: "
                                      f"{', '.join(SYNC_FIELDS)}){hint}")
            continue
        owner = rule.get("owner") if isinstance(rule, Mapping) else None
        if names is not None and isinstance(owner, str) and owner not in names:
            yield ("fields", fname, "owner"), (f"field {fname!r} is owned by unknown endpoint "
                                               f"{owner!r}")


__all__ = ["DEFERRED", "problems"]

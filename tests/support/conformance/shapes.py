"""Checking JSON objects against shapes learned from real traffic, for the services whose
official machine-readable description is missing (Todoist's) or unreliable (Notion's, which
recordings contradict): each kind of object (a Notion page, a rich-text run, a Todoist
task...) must carry the keys every recorded object of that kind carries, and no key none of
them carries; a key's value must have a JSON type recorded for it (null aside, when null was
recorded too).

A shape file (``specs/*-shapes.json``) maps each kind to ``required`` (keys in every sample),
``allowed`` (keys in any sample), ``types`` (key -> JSON types seen) and ``samples``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

#: (kind, the object, where it is in the body) for each object a body holds
Kinds = Callable[[Any], Iterator[tuple[str, dict[str, Any], str]]]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def learn(bodies: Iterable[Any], kinds: Kinds) -> dict[str, dict[str, Any]]:
    """The shapes of every object of every kind in the recorded bodies."""
    seen: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        for kind, obj, _ in kinds(body):
            seen.setdefault(kind, []).append(obj)
    out: dict[str, dict[str, Any]] = {}
    for kind, objs in sorted(seen.items()):
        types: dict[str, set[str]] = {}
        for obj in objs:
            for k, v in obj.items():
                types.setdefault(k, set()).add(json_type(v))
        out[kind] = {"samples": len(objs),
                     "required": sorted(set.intersection(*(set(o) for o in objs))),
                     "allowed": sorted(types),
                     "types": {k: sorted(v) for k, v in sorted(types.items())}}
    return out


def load(path: Path) -> dict[str, dict[str, Any]]:
    return dict(json.loads(path.read_text())["kinds"])


def departures(body: Any, kinds: Kinds, shapes: dict[str, dict[str, Any]], *,
               strict_null: bool = False) -> list[str]:
    """Where the body's objects depart from the recorded shapes of their kinds (a kind never
    recorded is not checked: nothing says what it looks like)."""
    out = set()
    for kind, obj, where in kinds(body):
        shape = shapes.get(kind)
        if shape is None:
            continue
        missing = set(shape["required"]) - set(obj)
        extra = set(obj) - set(shape["allowed"])
        if missing:
            out.add(f"{where or '(body)'} ({kind}): lacks {sorted(missing)}")
        if extra:
            out.add(f"{where or '(body)'} ({kind}): has unrecorded {sorted(extra)}")
        for k, v in obj.items():
            types = shape["types"].get(k, [])
            recorded = [t for t in types if t != "null"]
            if v is None and strict_null and types and "null" not in types:
                out.add(f"{where or '(body)'} ({kind}): {k} is null, recorded "
                        f"{'/'.join(recorded)}")
            if v is not None and recorded and json_type(v) not in recorded:
                out.add(f"{where or '(body)'} ({kind}): {k} is {json_type(v)}, recorded "
                        f"{'/'.join(recorded)}")
    return sorted(out)

"""Todoist exchanges checked against the shapes of the Todoist API v1 examples that Doist's
todoist-api-python uses in its own tests (``specs/todoist-shapes.json``, made by
``make_shapes.py``): Doist publishes no machine-readable description of API v1 here.

Covered: the REST resources (tasks, projects, sections, labels, comments, collaborators,
completed tasks) and their nested due, deadline, duration and attachment objects, and the
``{results, next_cursor}`` pages; and the resources a Sync answer (``/api/v1/sync``) carries,
which in API v1 are the same objects (items are tasks, notes comments), with the Sync API's
own ``is_deleted`` (an incremental sync reports deletions by it) and a collaborator's
``full_name`` (the Sync user objects' name for it). Not covered (no example of them
exists): the rest of a Sync answer (``sync_status``, ``temp_id_mapping``, the user) and
error bodies; the Sync commands synchub sends are checked against the v1 command list in
tests/adapters/todoist/test_sync_commands.py."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.support.conformance import shapes
from tests.support.conformance.exchange import Exchange, Violation

SHAPES = Path(__file__).parent / "specs" / "todoist-shapes.json"

#: the SDK's example names and the kind each holds
EXAMPLES = {"TASK": "task", "TASK_META": "task", "COMPLETED_TASK": "task", "PROJECT": "project",
            "SECTION": "section", "LABEL": "label", "COMMENT": "comment",
            "COLLABORATOR": "collaborator"}
NESTED = {"due": "due", "deadline": "deadline", "duration": "duration",
          "file_attachment": "attachment"}
#: a Sync answer's resource lists and the kind of their objects
SYNC = {"items": "task", "projects": "project", "sections": "section", "labels": "label",
        "notes": "comment", "collaborators": "collaborator"}

#: the REST path (after /api/v1) and the kind of what it answers, alone or in pages
ROUTES = [(re.compile(r"^/tasks(/filter)?$"), "task", True),
          (re.compile(r"^/tasks/completed/by_completion_date$"), "task", True),
          (re.compile(r"^/tasks/[^/]+$"), "task", False),
          (re.compile(r"^/projects$"), "project", True),
          (re.compile(r"^/projects/[^/]+/collaborators$"), "collaborator", True),
          (re.compile(r"^/projects/[^/]+$"), "project", False),
          (re.compile(r"^/sections$"), "section", True),
          (re.compile(r"^/sections/[^/]+$"), "section", False),
          (re.compile(r"^/labels$"), "label", True),
          (re.compile(r"^/labels/[^/]+$"), "label", False),
          (re.compile(r"^/comments$"), "comment", True),
          (re.compile(r"^/comments/[^/]+$"), "comment", False)]


_WORDS = {"api", "v1", "tasks", "filter", "completed", "by_completion_date", "projects",
          "collaborators", "sections", "labels", "comments", "close", "reopen", "sync"}


def _objects(kind: str, obj: Any, where: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    if not isinstance(obj, dict):
        return
    yield kind, obj, where
    for key, nested in NESTED.items():
        if isinstance(obj.get(key), dict):
            yield from _objects(nested, obj[key], f"{where}/{key}")


def _page(kind: str, body: Any) -> Iterator[tuple[str, dict[str, Any], str]]:
    if isinstance(body, dict):
        items = "items" if "items" in body else "results"
        yield f"page.{items}", body, ""
        for item in body.get(items) or []:
            yield from _objects(kind, item, f"/{items}/*")


def example_bodies(examples: dict[str, Any]) -> list[Any]:
    out = []
    for name, body in examples.items():
        base = name.removeprefix("DEFAULT_").removesuffix("_RESPONSE")
        single = EXAMPLES.get(base)
        plural = EXAMPLES.get(base[:-1]) if base.endswith("S") else None
        if single:
            out.append((single, False, body))
        elif plural and isinstance(body, list):
            out.extend((plural, True, page) for page in body)
    return out


def example_kinds(entry: Any) -> Iterator[tuple[str, dict[str, Any], str]]:
    kind, paged, body = entry
    yield from _page(kind, body) if paged else _objects(kind, body, "")


@functools.cache
def _shapes() -> dict[str, dict[str, Any]]:
    return shapes.load(SHAPES)


def _sync(body: Any) -> Iterator[tuple[str, dict[str, Any], str]]:
    for key, kind in SYNC.items():
        for obj in body.get(key) or [] if isinstance(body, dict) else []:
            if isinstance(obj, dict):  # the Sync API's own keys
                own = {"is_deleted"} | ({"full_name"} if kind == "collaborator" else set())
                yield from _objects(kind, {k: v for k, v in obj.items() if k not in own},
                                    f"/{key}/*")


def validate(ex: Exchange) -> list[Violation]:
    if ex.path == "/api/v1/sync" and ex.status == 200:
        try:
            body = json.loads(ex.response_body)
        except ValueError:
            return [Violation("todoist", "POST /api/v1/sync", "response 200: not JSON")]
        return [Violation("todoist", "POST /api/v1/sync", f"response 200: {m}")
                for m in shapes.departures(body, _sync, _shapes())]
    path = ex.path.removeprefix("/api/v1")
    route = next(((kind, paged) for rx, kind, paged in ROUTES if rx.match(path)), None)
    op = f"{ex.method} " + "/".join(
        part if part in _WORDS or not part else "{id}" for part in ex.path.split("/"))
    if route is None or not 200 <= ex.status < 300 or not ex.response_body.strip():
        return []
    try:
        body = json.loads(ex.response_body)
    except ValueError:
        return [Violation("todoist", op, f"response {ex.status}: not JSON")]
    kind, paged = route
    if ex.method == "GET" and paged:
        found = shapes.departures(body, lambda b: _page(kind, b), _shapes())
    else:
        found = shapes.departures(body, lambda b: _objects(kind, b, ""), _shapes())
    return [Violation("todoist", op, f"response {ex.status}: {m}") for m in found]

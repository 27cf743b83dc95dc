"""Todoist exchanges checked against the shapes of the Todoist API v1 examples that Doist's
todoist-api-python uses in its own tests (``specs/todoist-shapes.json``, made by
``make_shapes.py``): Doist publishes no machine-readable description of API v1 here.

Covered: the REST resources (tasks, projects, sections, labels, comments, collaborators,
completed tasks) and their nested due, deadline, duration and attachment objects, and the
``{results, next_cursor}`` pages. Not covered (no example of them exists): the Sync API
(``/api/v1/sync``) and error bodies; the Sync commands synchub sends are checked against
the v1 command list in tests/adapters/todoist."""

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


def validate(ex: Exchange) -> list[Violation]:
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

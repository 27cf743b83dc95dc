"""What a Todoist token reaches (:class:`adapters.registry.Discovering`): the projects and
the chosen project's sections (200 a page, the API's maximum: :class:`TodoistClient`).
``propose`` names the project in the scope (by name, or by id where two projects share the
name) and keeps a preset's section only if the project has it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from adapters.registry import Discovery, Target
from adapters.todoist.client import SERVICE, TodoistClient
from adapters.toolkit.discovery import plain
from hub.errors import NotFound


def _client(connection: Any) -> TodoistClient:
    return TodoistClient(connection.token.get_secret_value(), connection.base_url)


def discover(connection: Any) -> Discovery:
    client = _client(connection)
    try:
        projects = client.projects()
    finally:
        client.close()
    names = [p.name for p in projects]
    targets = tuple(Target(
        p.name if names.count(p.name) == 1 else p.id, p.name,
        "Inbox" if getattr(p, "is_inbox_project", False) else
        "shared" if getattr(p, "is_shared", False) else "") for p in projects)
    return Discovery(who="token accepted", kind="project", targets=targets)


def describe(connection: Any, target: Target) -> Target:
    client = _client(connection)
    try:
        project = next((p for p in client.projects() if target.id in (p.id, p.name)), None)
        if project is None:  # deleted since it was listed
            raise NotFound(f"Todoist project {target.name!r} is gone", service=SERVICE)
        sections = [s.name for s in client.sections(project.id)]
    finally:
        client.close()
    detail = f"{len(sections)} section{'s' if len(sections) != 1 else ''}" if sections \
        else target.detail
    return replace(target, detail=detail, facts={"sections": sections})


def propose(target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    out = plain(endpoint)
    scope = out.setdefault("scope", {})
    scope["project"] = target.id
    if scope.get("section") and scope["section"] not in (target.facts.get("sections") or []):
        del scope["section"]
    return out

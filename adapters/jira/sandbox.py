"""A Jira emulator with a project, people and a "user" who edits in Jira's UI."""

from __future__ import annotations

from typing import Any

from adapters.base import EndpointContext, ValueMap
from adapters.jira import adf
from adapters.jira.adapter import DEFAULT_STATUS, JiraAdapter
from adapters.jira.client import JiraClient
from adapters.jira.emu_changelog import PERSON
from adapters.jira.emulator import JiraEmulator
from adapters.reading import readable_items
from hub.model import Item

EDITABLE = frozenset({"title", "description", "priority", "labels", "due", "assignee",
                      "duration", "sprint", "points"})


class JiraSandbox:
    def __init__(self, project: str = "OPS", users: int = 20, port: int = 0,
                 reconcile_every: int = 1) -> None:
        self.emu = JiraEmulator()
        self.emu.start(port)
        self.emu.add_project(project, "Operations")
        for n in range(users):
            self.emu.add_user(f"u{n}@example.com", f"User {n}")
        self.connection: dict[str, Any] = {"url": self.emu.base_url, "email": self.emu.email,
                                           "token": self.emu.token}
        self.scope: dict[str, Any] = {"jql": f"project = {project}",
                                      "reconcile_every": reconcile_every}
        self.value_maps: dict[str, ValueMap] = {"status": DEFAULT_STATUS}
        self.options: dict[str, Any] = {"project": project, "issue_type": "Task"}
        # Converts like the service's UI would store values; talks to the emulator like a client.
        self.view = JiraAdapter(
            JiraClient(self.emu.base_url, self.emu.email, self.emu.token),
            EndpointContext(name="jira-user", flow="sandbox", value_maps=self.value_maps,
                            options=self.options), jql=self.scope["jql"])

    def add_sprints(self, board: str = "OPS board") -> dict[str, int]:
        """A scrum board on the project with three sprints, as a team running sprints has
        them: ``Sprint 1`` closed, ``Sprint 2`` active, ``Sprint 3`` future (name -> id)."""
        bid = self.emu.add_board(board, self.options["project"])
        return {name: self.emu.add_sprint(name, state, bid) for name, state in (
            ("Sprint 1", "closed"), ("Sprint 2", "active"), ("Sprint 3", "future"))}

    def user_create(self, item: Item) -> str:
        fields = self.view._fields(item, EDITABLE)
        fields |= {"project": {"key": self.options["project"]},
                   "issuetype": {"name": "Task"}}
        ref = str(self.emu.create(fields)["id"])
        if item.status.kind.value != "open":
            self._move(ref, item)
        return ref

    def _move(self, ref: str, item: Item) -> None:
        name = self.value_maps["status"].to_remote.get(item.status.kind.value, "Done")
        self.emu.move(ref, name)

    def user_edit(self, ref: str, **changes: Any) -> None:
        item = Item().evolve(**changes)
        fields = self.view._fields(item, frozenset(changes) & EDITABLE)
        if fields:
            self.emu.edit(ref, **fields)
        if "status" in changes:
            self._move(ref, item)

    def user_delete(self, ref: str) -> None:
        self.emu.delete(ref)

    def items(self) -> dict[str, Item]:
        return readable_items(self.emu.issues.items(),
                              lambda i: self.view._to_item(self.emu._issue_json(i)))

    def stop(self) -> None:
        self.view.close()
        self.emu.stop()

    # -- a person's comments, made in Jira's UI ------------------------------------------------

    def user_comment(self, ref: str, text: str) -> str:
        """A person comments ``text`` (Markdown, stored as Jira's editor would) on ``ref``."""
        return str(self.emu.add_comment(ref, _doc(text), PERSON)["id"])

    def user_edit_comment(self, ref: str, comment_ref: str, text: str) -> None:
        self.emu.edit_comment(ref, comment_ref, _doc(text), PERSON)

    def user_delete_comment(self, ref: str, comment_ref: str) -> None:
        self.emu.delete_comment(ref, comment_ref)


def _doc(text: str) -> dict[str, Any]:
    """What Jira's editor stores for a person's Markdown-ish text."""
    doc = adf.from_markdown(text)
    if doc is None:
        raise ValueError("a comment needs text")
    return doc

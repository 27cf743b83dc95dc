"""A Todoist emulator with a project, collaborators and a "user" who edits in the app."""

from __future__ import annotations

from typing import Any

from adapters.base import ValueMap
from adapters.reading import readable_items
from adapters.todoist import convert, marker
from adapters.todoist.emulator import TodoistEmulator
from adapters.todoist.planning import LabelFields
from hub.model import Item, StatusKind

EDITABLE = frozenset({"title", "description", "due", "deadline", "duration", "priority", "labels",
                      "assignee", "sprint", "points"})
HELD_IN_LABELS = frozenset({"labels", "sprint", "points"})


class TodoistSandbox:
    def __init__(self, project: str = "Work", users: int = 20, port: int = 0) -> None:
        self.emu = TodoistEmulator()
        self.emu.start(port)
        self.project = self.emu.add_project(project, shared=True)
        for n in range(users):
            self.emu.add_user(f"u{n}@example.com")
        self.connection: dict[str, Any] = {"token": self.emu.token,
                                           "base_url": self.emu.base_url}
        self.scope: dict[str, Any] = {"project": project}
        self.value_maps: dict[str, ValueMap] = {}
        self.options: dict[str, Any] = {}
        #: the labels that hold sprint and points, as the adapter's mapping rules say
        #: (``label_fields``); none by default
        self.planning = LabelFields()

    def label_fields(self, targets: dict[str, str]) -> None:
        """Keep sprint and points in labels as ``fields: {<field>: {target: ...}}`` says."""
        self.planning = LabelFields.from_targets(targets, "todoist-user")
        self.options = {"targets": dict(targets)}

    def _args(self, item: Item, fields: frozenset[str]) -> dict[str, Any]:
        with self.emu.lock:
            emails = {u["email"]: uid for uid, u in self.emu.users.items()}
        args = convert.to_args(item, fields, emails=emails)
        if self.planning.prefixes and fields & HELD_IN_LABELS:
            args["labels"] = self.planning.join(item.labels, item.sprint, item.points)
        return args

    def user_create(self, item: Item) -> str:
        ref = self.emu.add_item(self.project, **self._args(item, EDITABLE))
        if item.status.kind.closed:
            self.emu.complete_item(ref)
        return ref

    def user_edit(self, ref: str, **changes: Any) -> None:
        if self.planning.prefixes and HELD_IN_LABELS & set(changes):  # one list holds them
            held = self.items()[ref].evolve(**{k: v for k, v in changes.items()
                                               if k in HELD_IN_LABELS})
            changes = {k: getattr(held, k) for k in HELD_IN_LABELS} | changes
        item = Item().evolve(**changes)
        fields = frozenset(changes) - {"status"}
        if fields:
            args = self._args(item, fields)
            if "description" in args:  # edited in the app: the text above the marker line
                with self.emu.lock:
                    origin = marker.split(self.emu.items[ref]["description"])[1]
                if origin is not None:
                    args["description"] = marker.join(args["description"], origin)
            self.emu.edit_item(ref, **args)
        if "status" in changes and item.status.kind is StatusKind.DONE:
            self.emu.complete_item(ref)

    def user_delete(self, ref: str) -> None:
        self.emu.delete_item(ref)

    def items(self) -> dict[str, Item]:
        with self.emu.lock:  # a snapshot: requests may be changing the tasks meanwhile
            users = {uid: u["email"] for uid, u in self.emu.users.items()}
            tasks = [(tid, dict(t)) for tid, t in self.emu.items.items()
                     if not t["is_deleted"] and t["project_id"] == self.project]
        return readable_items(tasks, lambda t: self._item(t, users))

    def _item(self, task: dict[str, Any], users: dict[str, str]) -> Item:
        task = task | {"description": marker.split(task.get("description"))[0]}
        item = convert.to_item(task, sections={}, users=users, status_map=None)
        if not self.planning.prefixes:
            return item
        ordinary, values = self.planning.split(task.get("labels") or [])
        return item.evolve(labels=ordinary, **values)

    def stop(self) -> None:
        self.emu.stop()

    # -- a person's comments, made in the app --------------------------------------------------

    commenter = "Ana Lima"

    def user_comment(self, ref: str, text: str) -> str:
        """A collaborator (:attr:`commenter`) comments ``text`` on the task ``ref``."""
        with self.emu.lock:
            uid = next((u["id"] for u in self.emu.users.values()
                        if u["full_name"] == self.commenter), None)
        uid = uid or self.emu.add_user("ana@example.com", self.commenter)
        return self.emu.add_note(ref, text, uid)

    def user_edit_comment(self, ref: str, comment_ref: str, text: str) -> None:
        self.emu.edit_note(comment_ref, text)

    def user_delete_comment(self, ref: str, comment_ref: str) -> None:
        self.emu.delete_note(comment_ref)

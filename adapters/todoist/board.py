"""Sections as statuses, and where a sub-task is: the part of the Todoist endpoint that
places a task in a project's sections (issue 15).

A status value map whose keys are section names makes a board of the project: an open
task's section is its status, and a status is written by moving the task (``item_move``).
A sub-task is the exception: it always lives in its parent's section (Todoist moves it with
its parent, and moving it to a section would make it a root task there), so it holds only
open or done and is never moved for a status. :class:`SectionBoard` is mixed into
:class:`adapters.todoist.adapter.TodoistAdapter`, whose state it reads.
"""

from __future__ import annotations

from typing import Any

from adapters.base import Capabilities, ValueMap, WriteKind, WriteOp
from adapters.todoist import convert
from adapters.todoist.client import TodoistClient
from hub.errors import ConfigError
from hub.model import Item


class SectionBoard:
    """The adapter's section and sub-task placement (see the module docstring)."""

    client: TodoistClient
    name: str
    project_spec: str
    project_id: str | None
    capabilities: Capabilities
    status_map: ValueMap | None
    sections_checked: bool
    sections: dict[str, str]  # id -> name
    section_projects: dict[str, str]  # id -> project id
    parent_of: dict[str, str | None]  # task id -> parent task id, as last read or written

    def represent(self, field: str, value: Any) -> Any:
        raise NotImplementedError

    def _resolve_project(self) -> str:
        raise NotImplementedError

    def _absorb(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def represent_in(self, field: str, value: Any, copy: Item) -> Any:
        """:meth:`represent` on a copy that is a sub-task (``copy.parent``) or not: a
        sub-task holds no section status (:mod:`.convert`)."""
        if field != "status":
            return self.represent(field, value)
        return convert.represent_in(field, value, self.status_map, subtask=self._placed(copy))

    def _placed(self, copy: Item) -> bool:
        """Whether ``copy`` is a sub-task: as this process last read or wrote the task its
        ``url`` names (a parent outside a label or filter scope reads as no parent to the
        hub, yet the task is a sub-task), else whether it has a parent."""
        tid = convert.task_id(copy.url)
        if tid is not None and tid in self.parent_of:
            return self.parent_of[tid] is not None
        return copy.parent is not None

    def _is_subtask(self, ref: str) -> bool:
        """Whether the task is a sub-task now, as last read (one read of a task this process
        has not listed: a status written to a sub-task must not move it to a section)."""
        if ref not in self.parent_of:
            task = self.client.task(ref)
            self.parent_of[ref] = None if task is None else task.get("parent_id")
        return self.parent_of[ref] is not None

    def _check_status_sections(self) -> None:
        """Every section the status map names exists in the project: a misspelt one would
        read every task in it as open and never be written to."""
        if self.status_map is None or self.sections_checked:
            return
        have = {n for sid, n in self.sections.items()
                if self.section_projects.get(sid) == self.project_id}
        missing = sorted(set(self.status_map.to_canonical) - have)
        if missing:
            raise ConfigError(f"{self.name}: the status map names no section of Todoist "
                              f"project {self.project_spec!r}: {', '.join(missing)}; it has: "
                              f"{', '.join(sorted(have)) or 'none'}")
        self.sections_checked = True

    def _section_move(self, item: Item) -> dict[str, Any] | None:
        """The ``item_move`` arguments that put a root task in its status's section, or
        None where it stays. A status with no section of its own (open, when only the other
        kinds are mapped) is "in no section": the task leaves the one it is in, or it would
        read back as that section's status and undo the edit."""
        section = self._section_for(item)
        if section:
            return {"section_id": section}
        if self._leaves_sections(item):
            return {"project_id": self._resolve_project()}
        return None

    def _place(self, item: Item) -> dict[str, Any]:
        """Where a parent write puts the task: under its parent (in the parent's section),
        or, made a root task again, in its status's section (else the project's root)."""
        if item.parent:
            return {"parent_id": item.parent}
        return self._section_move(item) or {"project_id": self._resolve_project()}

    def _check_status_sections_read(self, token: str) -> None:
        """After a listing: an incremental one lists only changed sections, so the first
        check in a process reads them all (one request, only with a status map)."""
        if self.status_map is None or self.sections_checked:
            return
        if token != "*":
            self._absorb(self.client.sync("*", ["sections"]))
        self._check_status_sections()

    def _leaves_sections(self, item: Item) -> bool:
        """Whether an open status the map gives no section to is written (see above)."""
        kind = self.represent("status", item.status).kind
        return self.status_map is not None and not kind.closed and \
            self.status_map.to_remote.get(kind.value) is None

    def _section_for(self, item: Item) -> str | None:
        """The project's section an open or in-progress status is written to (the first
        the map gives for its kind); done leaves the task where it is."""
        kind = self.represent("status", item.status).kind
        if self.status_map is None or kind.closed:
            return None
        self._resolve_project()
        self._check_status_sections_read("")  # a write before any read in this process
        name = self.status_map.to_remote.get(kind.value)
        return next((sid for sid, n in self.sections.items() if n == name
                     and self.section_projects.get(sid) == self.project_id), None)

    def _subtask_after(self, op: WriteOp, ref: str) -> bool:
        """Whether the task written by ``op`` is a sub-task once it is written."""
        if self._writes_parent(op):
            return bool(op.item is not None and op.item.parent)
        return self.parent_of.get(ref) is not None

    def _writes_parent(self, op: WriteOp) -> bool:
        return "parent" in (self.capabilities.fields if op.kind is WriteKind.CREATE
                            else op.fields)

    # create, update and delete are :class:`BatchWrites`': one op through write_batch.

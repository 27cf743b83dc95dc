"""The Todoist emulator's public helpers (the sandbox's "user in the app") take the emulator's
lock, the one its HTTP handlers hold: a helper called while a request is being answered waits
for it, so neither sees the other's half-done change. Checked helper by helper (each must
block while another thread holds the lock), and end to end: a "user" writing directly while a
client lists over HTTP never gets anything but a 200, nor the sandbox's view an error."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from adapters.todoist.emulator import TodoistEmulator
from adapters.todoist.sandbox import TodoistSandbox


@pytest.fixture
def sb() -> Iterator[TodoistSandbox]:
    s = TodoistSandbox(users=1)
    yield s
    s.stop()


def helpers(emu: TodoistEmulator, project: str) -> dict[str, Callable[[], Any]]:
    task = emu.add_item(project, "t")
    note = emu.add_note(task, "n")
    other = emu.add_project("P")
    section = emu.add_section(other, "S")
    label = emu.add_label("l")
    return {
        "add_project": lambda: emu.add_project("Q"),
        "add_section": lambda: emu.add_section(project, "S2"),
        "add_user": lambda: emu.add_user("x@example.com"),
        "add_item": lambda: emu.add_item(project, "u"),
        "edit_item": lambda: emu.edit_item(task, content="v"),
        "complete_item": lambda: emu.complete_item(task),
        "complete_forever": lambda: emu.complete_forever(task),
        "move_item": lambda: emu.move_item(task, project_id=project),
        "delete_item": lambda: emu.delete_item(task),
        "add_note": lambda: emu.add_note(task, "n"),
        "edit_note": lambda: emu.edit_note(note, "m"),
        "delete_note": lambda: emu.delete_note(note),
        "delete_section": lambda: emu.delete_section(section),
        "delete_project": lambda: emu.delete_project(other),
        "add_label": lambda: emu.add_label("m"),
        "delete_label": lambda: emu.delete_label(label),
        "partial_sync_limit": lambda: setattr(emu, "partial_sync_limit", 5),
        "set_quota": lambda: emu.set_quota(None),
        "reset_counts": emu.reset_counts,
    }


def test_every_public_mutating_helper_is_listed() -> None:
    """A new public helper must join the list above (and take the lock)."""
    public = {n for n, v in vars(TodoistEmulator).items()
              if not n.startswith("_") and (callable(v) or isinstance(v, property))}
    readers = {"handle", "error_body", "refusal", "op_name", "task_json", "section_json",
               "comment_json", "filter_test"}
    emu = TodoistEmulator()
    assert public - readers - {"service"} == set(helpers(emu, emu.inbox)) - {"reset_counts"}


@pytest.mark.parametrize("name", sorted(helpers(TodoistEmulator(), "p000001")))
def test_a_helper_waits_for_the_lock(name: str) -> None:
    emu = TodoistEmulator()
    call = helpers(emu, emu.inbox)[name]
    done = threading.Event()

    def run() -> None:
        call()
        done.set()

    with emu.lock:
        worker = threading.Thread(target=run)
        worker.start()
        assert not done.wait(0.15), f"{name} ran while another thread held the lock"
    worker.join(5)
    assert done.is_set()


def test_a_user_writing_while_a_client_lists_never_breaks_a_request(
        sb: TodoistSandbox) -> None:
    emu, stop, errors = sb.emu, threading.Event(), []

    def user() -> None:
        n = 0
        while not stop.is_set() and n < 400:
            ref = emu.add_item(sb.project, f"t{n}", labels=["x"], due={"date": "2026-12-03"})
            emu.edit_item(ref, content=f"e{n}")
            if n % 3 == 0:
                emu.delete_item(ref)
            n += 1
            time.sleep(0.0005)  # let the requests in between (a user is not a busy loop)

    writer = threading.Thread(target=user)
    writer.start()
    try:
        with httpx.Client(base_url=emu.base_url + "/api/v1",
                          headers={"Authorization": f"Bearer {emu.token}"}) as c:
            for _ in range(30):
                for r in (c.get("/tasks", params={"limit": 200}),
                          c.get("/tasks/filter", params={"query": "today & @x"}),
                          c.post("/sync", data={"sync_token": "*",
                                                "resource_types": '["items"]'})):
                    if r.status_code != 200:
                        errors.append(r.text)
                sb.items()
    finally:
        stop.set()
        writer.join(5)
    assert errors == []

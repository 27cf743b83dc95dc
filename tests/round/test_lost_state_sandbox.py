"""A lost state file over the real adapters and their emulators (the sandbox): Jira, Todoist,
Notion and Google Calendar, through ``synchub sync``. What the memory-service tests show must
hold with what real services list and mark: Todoist lists no completed task in a full
listing, Jira holds "Medium" where the others have no priority, and every service keeps the
origin marker of the copies synchub made (see tests/round/test_lost_state.py for the cases)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.cli import sandbox as sbx
from hub.model import Status, StatusKind
from tests.support.procs import Proc, child_env

TASKS = ("jira", "todoist", "notion")


@pytest.fixture
def boxes() -> Iterator[dict[str, Any]]:
    started = sbx.start()
    sbx.seed(started)
    yield started
    for b in started.values():
        b.stop()


def sync(path: Path) -> None:
    tag = f"sync{len(list(path.parent.glob('sync*.out')))}"
    done = Proc(["sync", "--config", str(path)], path.parent, child_env(), tag).wait(120)
    assert done.code == 0, str(done)


def titles(box: Any) -> Counter[str]:
    return Counter(i.title for i in box.items().values())


def ref(box: Any, title: str) -> str:
    return next(r for r, i in box.items().items() if i.title == title)


def test_edits_made_while_the_state_file_was_lost_reach_every_service(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    path = sbx.config(boxes, tmp_path)
    sync(path)
    sync(path)
    before = {n: titles(boxes[n]) for n in TASKS}
    assert before["jira"] == before["todoist"] == before["notion"]
    assert boxes["todoist"].items()[ref(boxes["todoist"], "Book team offsite")].priority is None
    # completed in Todoist and synced: the full listing after the loss will not show it
    boxes["todoist"].user_edit(ref(boxes["todoist"], "Book team offsite"),
                               status=Status(kind=StatusKind.DONE))
    sync(path)

    (tmp_path / "synchub-state.db").unlink()  # the state file is lost ...
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"synchub-state.db{suffix}").unlink(missing_ok=True)
    # ... and edits are made meanwhile, in the original's service and in copies
    boxes["jira"].user_edit(ref(boxes["jira"], "Prepare sprint review"),
                            title="Prepare sprint review (Friday)")
    boxes["notion"].user_edit(ref(boxes["notion"], "Draft Q3 roadmap"),
                              title="Draft Q3 roadmap v2")
    sync(path)
    sync(path)

    renamed = {"Prepare sprint review": "Prepare sprint review (Friday)",
               "Draft Q3 roadmap": "Draft Q3 roadmap v2"}
    expected = Counter({renamed.get(t, t): c for t, c in before["jira"].items()})
    for n in ("jira", "notion"):
        assert titles(boxes[n]) == expected, n
    assert titles(boxes["todoist"]) == expected  # the completed task is still the only one
    for n in ("jira", "notion"):
        done = boxes[n].items()[ref(boxes[n], "Book team offsite")]
        assert done.status.kind is StatusKind.DONE, n
    # Jira's "Medium" for no priority did not become the priority of the others
    assert boxes["notion"].items()[ref(boxes["notion"], "Book team offsite")].priority is None

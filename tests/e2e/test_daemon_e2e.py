"""End to end: ``synchub run`` as a subprocess over the four emulators (the sandbox).

Edits made in each emulator (Jira, Todoist, Notion, Google Calendar) reach the others; each
service's webhook signature is accepted when right and rejected when wrong or missing, and a
signed delivery alone (the flow's interval is an hour) brings the change across; SIGTERM in
the middle of a round leaves a state that a restart completes without duplicates.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.cli import sandbox as sbx
from hub.model import DateOnly, Item, Status, StatusKind
from tests.support.procs import Proc, child_env, free_port

SEEDED = {"Fix login timeout", "Prepare sprint review", "Book team offsite", "Draft Q3 roadmap",
          "Release go-live"}
DATED = {"Fix login timeout", "Release go-live"}
TASKS = ("jira", "todoist", "notion")


def wait_for(check: Callable[[], bool], timeout: float = 30.0, poll: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(poll)
    raise AssertionError("condition not reached in time")


class World:
    """Four sandboxes, their config (interval as given) and the daemon subprocess."""

    def __init__(self, directory: Path, interval: str) -> None:
        self.boxes = sbx.start()
        sbx.seed(self.boxes)
        self.port = free_port()
        self.dir = directory
        self.path = sbx.config(self.boxes, directory, interval=interval, port=self.port)
        self.secrets = {name: c["webhook_secret"]
                        for name, c in sbx.read_config(self.path)["connections"].items()}
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: Proc | None = None
        self._starts = 0

    def start(self) -> None:
        self._starts += 1
        self.proc = Proc(["run", "--config", str(self.path), "--log-format", "json"],
                         self.dir, child_env(), f"run{self._starts}")
        wait_for(lambda: get(self.base + "/readyz")[0] == 200)

    def stop(self) -> int:
        assert self.proc is not None
        return self.proc.term(timeout=60)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill9()
        for b in self.boxes.values():
            b.stop()

    def titles(self, service: str) -> set[str]:
        return {i.title for i in self.boxes[service].items().values()}

    def item(self, service: str, title: str) -> Any:
        (item,) = [i for i in self.boxes[service].items().values() if i.title == title]
        return item

    def ref(self, service: str, title: str) -> str:
        return next(r for r, i in self.boxes[service].items().items() if i.title == title)

    def edit(self, service: str, name: str, /, **changes: Any) -> None:
        self.boxes[service].user_edit(self.ref(service, name), **changes)

    def converged(self) -> None:
        wait_for(lambda: all(self.titles(n) >= SEEDED for n in TASKS)
                 and self.titles("gcal") >= DATED)

    def no_duplicates(self) -> None:
        for name, box in self.boxes.items():
            titles = [i.title for i in box.items().values()]
            assert len(titles) == len(set(titles)), (name, sorted(titles))

    def idle(self) -> bool:
        """No round running or due (the status page's view of the scheduler)."""
        status, data = get(self.base + "/status.json")
        return status == 200 and all(str(row["next_round"]).startswith("in ")
                                     for row in json.loads(data))

    def metric(self, prefix: str) -> float:
        """Sum of the daemon's Prometheus samples whose line starts with ``prefix``."""
        _, text = get(self.base + "/metrics")
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.decode().splitlines()
                   if line.startswith(prefix))


@pytest.fixture
def world_factory(tmp_path: Path) -> Iterator[Callable[[str], World]]:
    made: list[World] = []

    def make(interval: str) -> World:
        made.append(World(tmp_path / f"w{len(made)}", interval))
        return made[-1]

    yield make
    for w in made:
        w.close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def hex_hmac(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def day(n: int) -> DateOnly:
    return DateOnly(date=dt.date.today() + dt.timedelta(days=n))


def test_edits_in_each_service_reach_the_others(world_factory: Callable[[str], World]) -> None:
    w = world_factory("1s")
    w.start()
    w.converged()

    # Notion: a rename reaches Jira and Todoist.
    w.edit("notion", "Book team offsite", title="Book team offsite (Lisbon)")
    wait_for(lambda: all("Book team offsite (Lisbon)" in w.titles(n) for n in ("jira", "todoist")))

    # Jira: a new due date reaches Todoist, Notion and the calendar block.
    w.edit("jira", "Fix login timeout", due=day(20))
    wait_for(lambda: all(w.item(n, "Fix login timeout").due == day(20)
                         for n in ("todoist", "notion", "gcal")))

    # Todoist: a date on an undated task reaches Jira and Notion and makes a calendar block;
    # a priority set there reaches Jira and Notion.
    w.edit("todoist", "Prepare sprint review", due=day(9), priority=3)
    wait_for(lambda: "Prepare sprint review" in w.titles("gcal"))
    assert w.item("gcal", "Prepare sprint review").due == day(9)
    wait_for(lambda: all(w.item(n, "Prepare sprint review").due == day(9)
                         and w.item(n, "Prepare sprint review").priority == 3
                         for n in ("jira", "notion")))

    # Google Calendar: dragging and renaming an event reaches the three task services.
    w.edit("gcal", "Release go-live", title="Release 2.4 go-live", due=day(12))
    wait_for(lambda: all("Release 2.4 go-live" in w.titles(n) for n in TASKS))
    for n in TASKS:
        assert w.item(n, "Release 2.4 go-live").due == day(12), n

    # Todoist: completing a task closes the Jira issue and the Notion row.
    w.edit("todoist", "Draft Q3 roadmap", status=Status(kind=StatusKind.DONE))
    wait_for(lambda: all(w.item(n, "Draft Q3 roadmap").status.kind is StatusKind.DONE
                         for n in ("jira", "notion")))

    w.no_duplicates()
    status, page = get(w.base + "/")
    assert status == 200 and b"sandbox" in page and b"<table" in page
    assert w.stop() == 0

    # A restart resumes from the committed state: nothing to write, nothing duplicated.
    before = {n: w.titles(n) for n in w.boxes}
    w.start()
    wait_for(lambda: w.metric('synchub_rounds_total{flow="sandbox",status="ok"}') >= 2)
    assert w.metric("synchub_writes_total{") == 0
    assert {n: w.titles(n) for n in w.boxes} == before
    w.no_duplicates()
    assert w.stop() == 0


def test_each_services_webhook_signature_is_checked_and_a_signed_one_syncs(
        world_factory: Callable[[str], World]) -> None:
    w = world_factory("1h")  # after the first round, only webhooks make rounds due
    w.start()
    w.converged()
    hook = w.base + "/webhooks/"
    rounds = 'synchub_rounds_total{flow="sandbox"'
    wait_for(lambda: w.metric(rounds) == 1)

    # Jira (X-Hub-Signature: sha256=<hex HMAC of the body>)
    w.edit("jira", "Prepare sprint review", title="Prepare sprint review (Thursday)")
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {
        "id": w.ref("jira", "Prepare sprint review (Thursday)"),
        "fields": {"project": {"key": "OPS"}}}}).encode()
    assert post(hook + "jira", body, {"X-Hub-Signature": hex_hmac("wrong", body)}) == 401
    assert post(hook + "jira", body, {}) == 401
    time.sleep(1.0)  # had a rejected delivery made a round due, it would have run by now
    assert w.metric(rounds) == 1
    assert "Prepare sprint review (Thursday)" not in w.titles("todoist")
    assert post(hook + "jira", body,
                {"X-Hub-Signature": hex_hmac(w.secrets["jira"], body),
                 "X-Atlassian-Webhook-Identifier": "d-1"}) == 200
    wait_for(lambda: all("Prepare sprint review (Thursday)" in w.titles(n)
                         for n in ("todoist", "notion")))

    # Google Calendar (no body; X-Goog-Channel-Token is the channel's token)
    w.edit("gcal", "Fix login timeout", due=day(15))
    push = {"X-Goog-Channel-ID": "ch-1", "X-Goog-Resource-ID": "res-1",
            "X-Goog-Resource-State": "exists", "X-Goog-Message-Number": "2"}
    assert post(hook + "gcal", b"", {**push, "X-Goog-Channel-Token": "wrong"}) == 401
    assert post(hook + "gcal", b"", push) == 401
    assert post(hook + "gcal", b"", {**push, "X-Goog-Resource-State": "sync",
                                      "X-Goog-Channel-Token": w.secrets["gcal"]}) == 200
    assert post(hook + "gcal", b"", {**push, "X-Goog-Channel-Token": w.secrets["gcal"]}) == 200
    wait_for(lambda: all(w.item(n, "Fix login timeout").due == day(15) for n in TASKS))

    # Todoist (X-Todoist-Hmac-SHA256: base64 HMAC with the app's client secret)
    w.edit("todoist", "Book team offsite", title="Book team offsite (Porto)")
    body = json.dumps({"event_name": "item:updated", "event_data": {
        "id": w.ref("todoist", "Book team offsite (Porto)")}}).encode()
    assert post(hook + "todoist", body, {"X-Todoist-Hmac-SHA256": "bad"}) == 401
    assert post(hook + "todoist", body,
                {"X-Todoist-Hmac-SHA256": b64_hmac(w.secrets["todoist"], body)}) == 200
    wait_for(lambda: all("Book team offsite (Porto)" in w.titles(n) for n in ("jira", "notion")))

    # Notion (X-Notion-Signature: sha256=<hex HMAC with the verification token>)
    w.edit("notion", "Draft Q3 roadmap", title="Draft Q3 roadmap v2")
    body = json.dumps({"id": "evt-1", "type": "page.properties_updated",
                       "entity": {"id": w.ref("notion", "Draft Q3 roadmap v2"),
                                  "type": "page"}}).encode()
    assert post(hook + "notion", body, {"X-Notion-Signature": hex_hmac("wrong", body)}) == 401
    assert post(hook + "notion", body,
                {"X-Notion-Signature": hex_hmac(w.secrets["notion"], body)}) == 200
    wait_for(lambda: all("Draft Q3 roadmap v2" in w.titles(n) for n in ("jira", "todoist")))

    notices = "synchub_webhook_notices_total{"
    for service, rejected in (("jira", 2), ("gcal", 2), ("todoist", 1), ("notion", 1)):
        assert w.metric(f'{notices}result="rejected_401",service="{service}"') == rejected
    assert w.metric(f'{notices}result="accepted",service="gcal"') == 2

    # A repeated delivery is a hint, not data: three more cost rounds, not writes.
    wait_for(w.idle)
    writes = w.metric("synchub_writes_total{")
    done = w.metric(rounds)
    body = json.dumps({"event_name": "item:updated", "event_data": {"id": "1"}}).encode()
    for _ in range(3):
        assert post(hook + "todoist", body,
                    {"X-Todoist-Hmac-SHA256": b64_hmac(w.secrets["todoist"], body)}) == 200
    wait_for(lambda: w.metric(rounds) > done and w.idle())
    assert w.metric("synchub_writes_total{") == writes

    # Out of order: two edits, their notices delivered newest first. A notice only says "look":
    # everything ends at the newest edit, and the late, older notice writes nothing.
    ref = w.ref("todoist", "Book team offsite (Porto)")
    w.edit("todoist", "Book team offsite (Porto)", title="Offsite: Porto")
    older = json.dumps({"event_name": "item:updated", "version": "9",
                        "event_data": {"id": ref, "content": "Offsite: Porto"}}).encode()
    w.edit("todoist", "Offsite: Porto", title="Offsite: Lisbon")
    newer = json.dumps({"event_name": "item:updated", "version": "9",
                        "event_data": {"id": ref, "content": "Offsite: Lisbon"}}).encode()
    for body in (newer, older):
        done = w.metric(rounds)
        assert post(hook + "todoist", body,
                    {"X-Todoist-Hmac-SHA256": b64_hmac(w.secrets["todoist"], body)}) == 200
        wait_for(lambda: w.metric(rounds) > done and w.idle())  # noqa: B023
        if body is newer:
            wait_for(lambda: all("Offsite: Lisbon" in w.titles(n) for n in ("jira", "notion")))
            writes = w.metric("synchub_writes_total{")
    assert w.metric("synchub_writes_total{") == writes
    assert all("Offsite: Lisbon" in w.titles(n) for n in ("jira", "notion", "todoist"))
    w.no_duplicates()
    assert w.stop() == 0


def test_sigterm_mid_round_leaves_a_consistent_state(world_factory: Callable[[str], World]
                                                     ) -> None:
    from hub.store import open_store

    w = world_factory("1s")
    w.start()
    w.converged()
    new = [f"Runbook step {n}" for n in range(8)]
    w.boxes["notion"].emu.faults.inject("latency", op="write", count=None, delay=0.4)
    for title in new:
        w.boxes["jira"].user_create(Item(title=title))
    # SIGTERM while the round is writing: some Notion copies made, not all.
    wait_for(lambda: 0 < len(w.titles("notion") & set(new)) < len(new), poll=0.02)
    assert w.stop() == 0  # the write in flight finished and committed; the rest left

    store = open_store(f"sqlite:///{w.dir / 'synchub-state.db'}")
    try:
        assert store.pending_intents("sandbox") == []  # no write left half-recorded
        assert store.runs("sandbox", limit=1)[0].status == "interrupted"
        links = store.load_links("sandbox")
        for link in links.values():  # every copy the state knows exists where it says
            for endpoint, copy in link.copies.items():
                assert copy.ref in w.boxes[endpoint].items(), (link.base.title, endpoint)
        linked = {link.base.title for link in links.values() if "notion" in link.copies}
        assert linked == w.titles("notion")  # nothing made in Notion that the state lacks
    finally:
        store.close()
    w.no_duplicates()

    w.boxes["notion"].emu.faults.clear()
    w.start()
    wait_for(lambda: all(w.titles(n) >= set(new) for n in TASKS))
    w.no_duplicates()
    assert w.stop() == 0


def comments_on(w: World, service: str, title: str) -> list[str]:
    """The comments' own text on the item's copy in ``service`` (synchub's header and its
    Todoist origin note left out), read from the emulator."""
    from adapters.jira import adf
    from adapters.notion.comments import from_rich
    from adapters.toolkit.comments import parse

    ref, emu = w.ref(service, title), w.boxes[service].emu
    with emu.lock:
        if service == "jira":
            issue = emu._by_key(ref)
            raw = [adf.to_markdown(c["body"]) for c in emu.comments.get(issue["id"], [])]
        elif service == "todoist":
            raw = [n["content"] for n in emu.notes.values() if n["item_id"] == ref
                   and not n.get("is_deleted") and not n["content"].startswith("synchub-")]
        else:
            raw = [from_rich(c["rich_text"]) for c in emu.comments
                   if c["parent"].get("page_id") == ref]
    return sorted(parse(t).body for t in raw)


def test_comments_travel_once_with_manual_syncs_beside_the_daemon(
        world_factory: Callable[[str], World]) -> None:
    w = world_factory("1s")
    w.start()
    w.converged()
    w.boxes["jira"].user_comment(w.ref("jira", "Fix login timeout"), "Root cause found")
    w.boxes["todoist"].user_comment(w.ref("todoist", "Book team offsite"), "Venue booked")
    # two one-shot syncs typed by hand while the daemon runs: one writer at a time (P13)
    manual = [Proc(["sync", "--config", str(w.path)], w.dir, child_env(), f"sync{n}")
              for n in range(2)]
    for p in manual:
        done = p.wait(180)
        assert done.code == 0, done
    want = {"Fix login timeout": ["Root cause found"], "Book team offsite": ["Venue booked"]}
    wait_for(lambda: all(comments_on(w, n, t) == c for n in TASKS for t, c in want.items()),
             timeout=60)
    assert w.stop() == 0
    # a restart finds nothing to copy again
    w.start()
    wait_for(lambda: w.metric('synchub_rounds_total{flow="sandbox",status="ok"}') >= 2)
    assert all(comments_on(w, n, t) == c for n in TASKS for t, c in want.items())
    assert w.stop() == 0

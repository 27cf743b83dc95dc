"""Issue 16: ``synchub explain`` finds an item by what a person has at hand: each service's
own key or link (Jira's ``OPS-3``, a Todoist, Notion or calendar URL), an endpoint and id,
or a title, an exact one preferred over those containing it; and it changes no state."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hub.cli import sandbox as sbx
from hub.cli.lookup import find, names_in
from hub.cli.main import app
from hub.model import DateOnly, Item
from hub.store.base import CopyState, LinkState

runner = CliRunner()
DAY = dt.date.today() + dt.timedelta(days=2)


def explain(path: Path, what: str) -> Any:
    return runner.invoke(app, ["explain", what, "--config", str(path)], env={"COLUMNS": "250"})


def link(lid: str, title: str, **copies: tuple[str, str | None]) -> LinkState:
    return LinkState(flow="f", link_id=lid, base=Item(title=title), copies={
        ep: CopyState(ep, ref, base=Item(title=title), snapshot=Item(title=title, url=url))
        for ep, (ref, url) in copies.items()})


def test_an_exact_title_is_preferred_over_one_containing_it() -> None:
    links = {"a" * 8: link("a" * 8, "Plan the offsite"), "b" * 8: link("b" * 8, "Plan")}
    assert [h.link_id for h in find(links, "plan", ["jira"])] == ["b" * 8]
    assert {h.link_id for h in find(links, "Pla", ["jira"])} == {"a" * 8, "b" * 8}


def test_service_keys_and_links_name_their_copy() -> None:
    notion_id = "1429989f-e8ac-4eff-bc8f-57f56486db54"
    links = {"l1": link("l1", "x", jira=("10042", "https://acme.atlassian.net/browse/OPS-3"),
                        notion=(notion_id, None),
                        todoist=("6X7rM8997g3RQmvh",
                                 "https://app.todoist.com/app/task/6X7rM8997g3RQmvh")),
             "l2": link("l2", "y", jira=("10043", "https://acme.atlassian.net/browse/OPS-4"))}
    for query in ("OPS-3", "jira:OPS-3", "jira:10042", "ops-3",
                  "https://acme.atlassian.net/browse/OPS-3",
                  "https://www.notion.so/acme/X-1429989fe8ac4effbc8f57f56486db54?pvs=4",
                  "https://app.todoist.com/app/task/call-the-vendor-6X7rM8997g3RQmvh"):
        assert [h.link_id for h in find(links, query, ["jira", "notion", "todoist"])] == ["l1"], \
            query
    assert find(links, "notion:OPS-3", ["jira", "notion"]) == []  # that key is Jira's
    assert "event" not in names_in("https://www.google.com/calendar/event?eid=eA")


def test_explain_over_the_emulators_by_key_link_and_title(boxes: dict[str, Any],
                                                         tmp_path: Path) -> None:
    path = sbx.config(boxes, tmp_path)
    boxes["jira"].user_create(Item(title="Plan", due=DateOnly(date=DAY)))
    boxes["jira"].user_create(Item(title="Plan the offsite", due=DateOnly(date=DAY)))
    for _ in range(2):
        assert runner.invoke(app, ["sync", "--config", str(path)]).exit_code == 0
    state = tmp_path / "synchub-state.db"
    before = hashlib.sha256(state.read_bytes()).hexdigest()

    def url_of(box: str) -> str:
        (found,) = [i.url for i in boxes[box].items().values() if i.title == "Plan"]
        assert found
        return found

    jira_url = url_of("jira")
    key = jira_url.rsplit("/", 1)[-1]
    for query in (key, f"jira:{key}", jira_url, url_of("todoist"), url_of("gcal"), "Plan"):
        out = explain(path, query)
        assert out.exit_code == 0, (query, out.output)
        assert "Plan the offsite" not in out.output, query
    notion_ref = next(r for r, i in boxes["notion"].items().items() if i.title == "Plan")
    out = explain(path, f"https://www.notion.so/{notion_ref.replace('-', '')}")
    assert out.exit_code == 0, out.output
    many = explain(path, "Pla")
    assert many.exit_code == 2 and "2 items match" in many.output
    assert hashlib.sha256(state.read_bytes()).hexdigest() == before  # explain only looks

"""Issue 16: ``synchub report`` over a week of activity in the four emulators, synced by real
rounds (:func:`hub.report.example.seed_week`: edits in Jira, Todoist, Notion and Google
Calendar, each round's clock set to its day), read through the command line: the numbers
and groupings in JSON, the same facts in Markdown and HTML, a file, and a Notion page made
under a parent page through the Notion emulator."""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import sandbox as sbx
from hub.cli.main import app
from hub.report.example import Week, seed_week

runner = CliRunner()
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Week, dict[str, Any]]]:
    boxes = sbx.start()
    try:
        yield seed_week(boxes, tmp_path_factory.mktemp("week"), dt.datetime.now(dt.UTC)), boxes
    finally:
        for box in boxes.values():
            box.stop()


def report(week: Week, *args: str) -> str:
    result = runner.invoke(app, ["report", "--config", str(week.config), *args],
                           env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(week: Week, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report(week, "--format", "json", *args))
    return data


def titles(data: dict[str, Any], section: str) -> dict[str, str | None]:
    return {i["title"]: i["status_in"] for i in data["sections"][section]}


def test_the_weeks_numbers(week: tuple[Week, Any]) -> None:
    data = as_json(week[0])
    assert data["totals"] == {"done": 2, "started": 2, "overdue": 2, "due_next_week": 2}
    assert titles(data, "done") == {"Book team offsite": "todoist",
                                    "Prepare sprint review": "jira"}
    assert titles(data, "started") == {"Fix login timeout": "jira",
                                       "Draft Q3 roadmap": "notion"}
    assert list(titles(data, "overdue")) == ["Migrate billing database",
                                             "Order conference badges"]
    assert list(titles(data, "due_next_week")) == ["Release go-live", "Write release notes"]
    go_live = data["sections"]["due_next_week"][0]
    assert go_live["due"] == (TODAY + dt.timedelta(days=4)).isoformat()  # moved in gcal


def test_the_weeks_groups(week: tuple[Week, Any]) -> None:
    groups = as_json(week[0])["groups"]
    assert groups["assignee"]["u1@example.com"] == {"done": 0, "started": 1, "overdue": 0,
                                                    "due_next_week": 0}
    assert groups["assignee"]["u2@example.com"]["overdue"] == 1
    assert groups["label"]["events"]["overdue"] == 1
    assert groups["label"]["planning"]["started"] == 1  # labelled in Notion this week
    # the calendar holds the dated items only: not the two done ones, which had no date
    assert groups["service"]["gcal"] == {"done": 0, "started": 1, "overdue": 2,
                                         "due_next_week": 2}
    assert groups["service"]["todoist"] == {"done": 2, "started": 2, "overdue": 2,
                                            "due_next_week": 2}


def test_what_changed_where(week: tuple[Week, Any]) -> None:
    changes = as_json(week[0])["changes"]
    assert set(changes["fields_from"]) == {"gcal", "jira", "notion", "todoist"}
    by_title = {i["title"]: i["changes"] for i in changes["items"]}
    assert {(c["field"], c["service"]) for c in by_title["Draft Q3 roadmap"]
            if c["field"] in ("status", "labels")} == {("status", "notion"),
                                                       ("labels", "notion")}
    moved = [c for c in by_title["Release go-live"] if c["field"] == "due"]
    assert [c["service"] for c in moved] == ["gcal"]
    # the day each change was taken is the day of its round, not the day the report runs
    done = next(c for c in by_title["Book team offsite"] if c["field"] == "status")
    assert dt.datetime.fromisoformat(done["at"]).date() <= TODAY - dt.timedelta(days=2)
    rounds = as_json(week[0])["rounds"]
    assert rounds["count"] == 12 and rounds["by_status"] == {"ok": 12}
    assert rounds["writes"] > 0


def test_a_report_asks_no_service(week: tuple[Week, Any]) -> None:
    boxes = week[1]
    before = {n: b.emu.total_requests for n, b in boxes.items()}
    for fmt in ("md", "html", "json"):
        report(week[0], "--format", fmt)
    assert {n: b.emu.total_requests for n, b in boxes.items()} == before


def test_a_shorter_period(week: tuple[Week, Any]) -> None:
    data = as_json(week[0], "--days", "2")
    assert list(titles(data, "done")) == ["Prepare sprint review"]
    assert list(titles(data, "started")) == []  # started 3 and 5 days ago
    # still open and due: the due sections do not depend on the period
    assert data["totals"]["overdue"] == 2


class _Text(html.parser.HTMLParser):
    """The text of each heading, paragraph and list item of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("h1", "h2", "h3", "p", "li"):
            self._in = tag
            self.texts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.texts[-1] += data


def md_texts(md: str) -> list[str]:
    out = []
    for line in md.splitlines():
        if not line or line.startswith("<!--"):
            continue
        line = re.sub(r"^(#{1,3} |- )", "", line)
        out.append(re.sub(r"\\(.)", r"\1", line))
    return out


def test_markdown_and_html_say_the_same(week: tuple[Week, Any]) -> None:
    md = report(week[0], "--format", "md")
    page = report(week[0], "--format", "html")
    parsed = _Text()
    parsed.feed(page)
    assert md_texts(md) == parsed.texts
    data = as_json(week[0])
    for key, heading in (("done", "Done"), ("overdue", "Overdue")):
        assert f"## {heading} ({data['totals'][key]})" in md
        for item in data["sections"][key]:
            assert any(line.startswith(f"- {item['title']} · ") for line in md.splitlines())
    assert "- u1@example.com: done 0, started 1, overdue 0, due next week 0" in md


def test_to_a_file(week: tuple[Week, Any], tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--config", str(week[0].config), "--format",
                                 "html", "--out", str(tmp_path / "r" / "week-{date}.html")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "r" / f"week-{TODAY.isoformat()}.html"
    assert written.read_text().startswith("<!DOCTYPE html>")
    assert result.stdout == ""
    assert not list((tmp_path / "r").glob("*.partial"))


def _parent_page(boxes: dict[str, Any]) -> str:
    emu = boxes["notion"].emu
    with emu.lock:
        page = emu.new_page({"type": "workspace", "workspace": True},
                            {"title": {"title": [{"text": {"content": "Reports"}}]}})
    return str(page["id"])


def _with_report(week: Week, tmp_path: Path, report_cfg: dict[str, Any]) -> Path:
    data = sbx.read_config(week.config)
    data["report"] = report_cfg
    data["state"]["url"] = f"sqlite:///{week.config.parent / 'synchub-state.db'}"
    path = tmp_path / "synchub.yaml"
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return path


def test_to_a_notion_page(week: tuple[Week, Any], tmp_path: Path) -> None:
    parent = _parent_page(week[1])
    path = _with_report(week[0], tmp_path, {
        "every": "weekly on monday 09:00",
        "to": [{"connection": "notion", "parent": parent},
               {"file": "week.md"}]})
    before = {n: b.emu.total_requests for n, b in week[1].items()}
    result = runner.invoke(app, ["report", "--config", str(path), "--deliver"])
    assert result.exit_code == 0, result.output
    emu = week[1]["notion"].emu
    # one request, the page with its blocks (fewer than 100); no other service asked
    assert {n: b.emu.total_requests - before[n] for n, b in week[1].items()} == {
        "jira": 0, "todoist": 0, "notion": 1, "gcal": 0}
    made = [p for p in emu.pages.values() if p["parent"] == {"type": "page_id",
                                                              "page_id": parent}]
    assert len(made) == 1
    title = made[0]["properties"]["title"]["title"][0]["plain_text"]
    assert title == f"Progress report {TODAY.isoformat()} (sandbox)"
    blocks = emu.children[made[0]["id"]]
    texts = ["".join(t["plain_text"] for t in b[b["type"]]["rich_text"]) for b in blocks]
    assert md_texts((tmp_path / "week.md").read_text())[1:] == texts[1:len(texts)]
    kinds = {b["type"] for b in blocks}
    assert kinds == {"heading_1", "heading_2", "paragraph", "bulleted_list_item"}
    assert made[0]["url"] in result.output.replace("\n", "")


def test_to_notify_targets_an_email_and_a_chat(week: tuple[Week, Any], tmp_path: Path
                                                ) -> None:
    """``report.to: {notify: NAME}``: e-mail gets the whole report, a Discord webhook what a
    message holds (2,000 characters), both at local receivers."""
    from tests.support.receivers import http_receiver, smtp_receiver

    with http_receiver() as chat, smtp_receiver() as smtp:
        data = sbx.read_config(_with_report(week[0], tmp_path, {
            "every": "weekly on monday 09:00",
            "to": [{"notify": "team-mail"}, {"notify": "team-chat"}]}))
        data["notify"] = {"targets": {
            "team-mail": {"kind": "email", "host": "127.0.0.1", "port": smtp.port,
                          "security": "none", "sender": "synchub@example.com",
                          "to": ["lead@example.com"]},
            "team-chat": {"kind": "discord", "url": chat.url("/api/webhooks/1/tok")}}}
        path = tmp_path / "synchub.yaml"
        path.write_text(json.dumps(data))
        path.chmod(0o600)
        result = runner.invoke(app, ["report", "--config", str(path), "--deliver"])
        assert result.exit_code == 0, result.output
        whole = report(week[0])
        (mail,) = smtp.mails
        assert mail["Subject"] == f"Progress report {TODAY.isoformat()} (sandbox)"
        assert md_texts(whole) == md_texts(mail.get_content())
        (post,) = chat.at("/api/webhooks/1/")
        content = post.body["content"]
        assert len(content) <= 2000 and content.startswith("# Progress report")
    assert "tok" not in result.output  # the webhook's token is never shown


def test_a_report_naming_an_unknown_notify_target_is_a_located_error(
        week: tuple[Week, Any], tmp_path: Path) -> None:
    path = _with_report(week[0], tmp_path, {"every": "daily 08:00",
                                            "to": {"notify": "nosuch"}})
    result = runner.invoke(app, ["check", "--config", str(path)])
    assert result.exit_code == 2
    assert "report.to.notify: notify target 'nosuch' is not defined" in " ".join(
        result.output.split())


def test_deliver_needs_a_report_section(week: tuple[Week, Any]) -> None:
    result = runner.invoke(app, ["report", "--config", str(week[0].config), "--deliver"])
    assert result.exit_code != 0
    assert "needs a `report:` section" in result.output

"""The ``report:`` section: read into frozen models, and every mistake located
(file:line, key) as the loader reports others."""

from __future__ import annotations

from pathlib import Path

from hub.config.loader import load_config
from hub.config.models import FileTarget, PageTarget
from hub.report.facts import Format
from tests.config.test_loader import GOOD, only, write

NOTES = GOOD.replace("connections:\n", "connections:\n  notes: {type: notion, token: x}\n")


def test_report_section(tmp_path: Path) -> None:
    text = NOTES + """\
report:
  every: weekly on monday 09:00
  format: html
  days: 14
  to:
    - {file: "reports/week-{date}.html"}
    - {connection: notes, parent: 0123456789abcdef0123456789abcdef}
"""
    report = load_config(write(tmp_path, text), environ={}).config.report
    assert report is not None
    assert (report.every, report.format, report.days) == ("weekly on monday 09:00",
                                                          Format.HTML, 14)
    assert report.to == (FileTarget(file="reports/week-{date}.html"),
                         PageTarget(connection="notes",
                                    parent="0123456789abcdef0123456789abcdef"))


def test_one_target_without_a_list(tmp_path: Path) -> None:
    text = GOOD + "report: {every: daily 08:00, to: {file: r.md}}\n"
    report = load_config(write(tmp_path, text), environ={}).config.report
    assert report is not None and report.to == (FileTarget(file="r.md"),)


def test_bad_schedule_located(tmp_path: Path) -> None:
    text = GOOD + "report:\n  every: weekly on funday 9:00\n  to: {file: r.md}\n"
    msg = only(write(tmp_path, text))
    assert "synchub.yaml:11" in msg and "report.every" in msg
    assert "unknown day 'funday'" in msg


def test_unknown_key_refused(tmp_path: Path) -> None:
    text = GOOD + "report:\n  every: daily 08:00\n  to: {file: r.md}\n  formt: md\n"
    msg = only(write(tmp_path, text))
    assert "report.formt" in msg and "synchub.yaml:13" in msg


def test_bad_format_and_unknown_flow(tmp_path: Path) -> None:
    text = GOOD + "report:\n  every: daily 08:00\n  to: {file: r.md}\n  format: pdf\n"
    assert "report.format" in only(write(tmp_path, text))
    text = GOOD + "report:\n  every: daily 08:00\n  to: {file: r.md}\n  flows: [wrok]\n"
    msg = only(write(tmp_path, text))
    assert "'wrok' is not a flow" in msg and "did you mean 'work'" in msg
    assert "synchub.yaml:13" in msg and "report.flows" in msg


def test_page_target_needs_a_connection(tmp_path: Path) -> None:
    text = GOOD + "report:\n  every: daily 08:00\n  to:\n    - {connection: nope, parent: a}\n"
    msg = only(write(tmp_path, text))
    assert "connection 'nope' is not defined" in msg
    assert "synchub.yaml:13" in msg and "report.to" in msg

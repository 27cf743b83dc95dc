"""The daemon honours ``report:``: its timer is set from the schedule in the config's zone,
and when due it makes the report (the one ``synchub report`` makes) and delivers it to the
configured file. Driven with given times and an inline start: no sleeping."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.memory import get_service
from hub.daemon.service import Daemon
from hub.model import DateOnly, Item
from hub.runtime import open_runtime
from tests.support.daemon_config import write_memory_config


def inline(job: Callable[[], None]) -> None:
    job()


def test_the_daemon_sends_the_weekly_report(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    path = write_memory_config(tmp_path / "synchub.yaml", tag, state='url: "sqlite:///s.db"')
    path.write_text("timezone: Asia/Tokyo\n"
                    "report: {every: weekly on monday 09:00, format: json,\n"
                    "         to: {file: 'out/week-{date}.json'}}\n" + path.read_text())
    get_service(f"a-{tag}").user_create(Item(title="Late", due=DateOnly(
        date=dt.date.today() - dt.timedelta(days=3))))
    daemon = Daemon(open_runtime(str(path)))
    try:
        assert daemon.run_round("work") == "ok"
        timer = daemon.report_timer
        assert timer is not None
        due = timer.next_due.astimezone(ZoneInfo("Asia/Tokyo"))
        assert (due.weekday(), due.time()) == (0, dt.time(9))
        assert not timer.tick(timer.next_due - dt.timedelta(seconds=1), inline)
        now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        timer.next_due = now  # as if Monday 09:00 had come: the report is up to it
        assert timer.tick(now, inline)
        assert timer.last_error is None
        (written,) = (tmp_path / "out").glob("week-*.json")
        assert '"overdue": 1' in written.read_text()
        assert timer.next_due > now
    finally:
        daemon.rt.close()


def test_no_report_section_no_timer(tmp_path: Path) -> None:
    path = write_memory_config(tmp_path / "synchub.yaml", uuid.uuid4().hex[:8],
                               state='url: "sqlite:///s.db"')
    daemon = Daemon(open_runtime(str(path)))
    try:
        assert daemon.report_timer is None
    finally:
        daemon.rt.close()

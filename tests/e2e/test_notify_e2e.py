"""Failures shown and told, end to end: real ``synchub sync`` processes (as cron runs them)
and a real ``synchub run`` over the four emulators, with Notion down, notifying a local
HTTP receiver (Discord, Slack and a generic webhook) and a local SMTP server.

What must hold: ``synchub status`` (another process) names the failing service, its own
message and since when it fails; one message per target once the failure has lasted
``notify.after``, none while it persists, one when it is over; the webhook's token appears
in no output and no log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.cli import sandbox as sbx
from hub.model import Item
from tests.e2e.test_daemon_e2e import get, wait_for
from tests.support.procs import Done, Proc, child_env, free_port
from tests.support.receivers import HttpReceiver, SmtpReceiver, http_receiver, smtp_receiver

TOKEN = "hook-Zq8sK2vT1xN4pW7rY0aB3cD6"  # the webhook address's secret part
SMTP_PASSWORD = "mail-pw-9f8e7d6c5b4a"
AFTER = 2.0  # notify.after, seconds


@pytest.fixture
def receivers() -> Iterator[tuple[HttpReceiver, SmtpReceiver]]:
    with http_receiver() as http, smtp_receiver() as smtp:
        yield http, smtp


class Setup:
    def __init__(self, directory: Path, http: HttpReceiver, smtp: SmtpReceiver,
                 interval: str = "1h") -> None:
        self.boxes = sbx.start()
        sbx.seed(self.boxes)
        self.dir = directory
        self.port = free_port()
        self.path = sbx.config(self.boxes, directory, interval=interval, port=self.port)
        data = sbx.read_config(self.path)
        data["retry"] = {"attempts": 1}  # an outage fails at once, not after back-off
        every = {"min_interval": "0s"}
        data["notify"] = {"after": f"{AFTER}s", "targets": {
            "chat": {"kind": "discord", "url": "${HOOK_URL}/discord", **every},
            "team": {"kind": "slack", "url": "${HOOK_URL}/slack", **every},
            "pager": {"kind": "webhook", "url": "${HOOK_URL}/generic", **every},
            "mail": {"kind": "email", "host": "127.0.0.1", "port": smtp.port,
                     "security": "none", "username": "synchub", "password": "${SMTP_PW}",
                     "sender": "synchub@example.org", "to": ["ops@example.org"], **every}}}
        self.path.write_text(json.dumps(data, indent=2))
        self.path.chmod(0o600)
        self.env = {**child_env(), "HOOK_URL": http.url(f"/api/webhooks/42/{TOKEN}"),
                    "SMTP_PW": SMTP_PASSWORD}
        self.outputs: list[str] = []
        self.n = 0

    def synchub(self, *args: str) -> Done:
        self.n += 1
        done = Proc([*args, "--config", str(self.path)], self.dir, self.env,
                    f"p{self.n}").wait(120)
        self.outputs.append(done.text)
        return done

    def notion_down(self) -> None:
        self.boxes["notion"].emu.faults.inject("outage", count=None)

    def notion_up(self) -> None:
        self.boxes["notion"].emu.faults.clear()

    def close(self) -> None:
        for b in self.boxes.values():
            b.stop()


def kinds(http: HttpReceiver, path: str) -> list[list[str]]:
    """The events of each generic-webhook message (started or recovered, by kind)."""
    return [[f"{e['state']} {e['kind']} {e['subject']}" for e in p.body["events"]]
            for p in http.at(path)]


def test_cron_syncs_notify_once_after_the_threshold_and_once_on_recovery(
        tmp_path: Path, receivers: tuple[HttpReceiver, SmtpReceiver]) -> None:
    http, smtp = receivers
    s = Setup(tmp_path, http, smtp)
    try:
        assert s.synchub("sync").code == 0
        s.notion_down()
        s.boxes["jira"].user_create(Item(title="Made while Notion is down"))
        first = s.synchub("sync")
        assert first.code == 1 and "notion" in first.text  # partial: the others synced
        assert "Made while Notion is down" in {
            i.title for i in s.boxes["todoist"].items().values()}
        assert http.posts == [] and smtp.mails == []  # failing for less than `after`
        time.sleep(AFTER)
        s.synchub("sync")
        s.synchub("sync")  # still down: nothing more
        hook = "/api/webhooks/42/" + TOKEN
        assert kinds(http, hook + "/generic") == [["started failing notion"]]
        (discord,) = http.at(hook + "/discord")
        assert set(discord.body) == {"content"} and len(discord.body["content"]) <= 2000
        assert "notion is failing in flow sandbox" in discord.body["content"]
        (slack,) = http.at(hook + "/slack")
        assert set(slack.body) == {"text"} and "retries next round" in slack.body["text"]
        (mail,) = smtp.mails
        assert mail["To"] == "ops@example.org" and "1 problem" in mail["Subject"]
        assert smtp.logins == [("synchub", SMTP_PASSWORD)]

        # `synchub status`, another process, shows what failed, why, since when, what next
        status = s.synchub("status")
        assert "failing" in status.out and "notion" in status.out
        assert "retries next round" in status.out
        data = json.loads(s.synchub("status", "--json").out)
        (notion,) = [h for h in data["flows"][0]["services"] if h["service"] == "notion"]
        assert notion["state"] == "failing" and notion["failed_rounds"] == 3
        assert notion["last_error"] and notion["failing_since"]
        assert notion["next"].startswith("retries next round")

        s.notion_up()
        assert s.synchub("sync").code == 0
        s.synchub("sync")
        assert kinds(http, hook + "/generic") == [["started failing notion"],
                                                  ["recovered failing notion"]]
        assert len(http.at(hook + "/discord")) == len(http.at(hook + "/slack")) == 2
        assert "resolved: notion answers again" in http.at(hook + "/slack")[1].body["text"]
        assert len(smtp.mails) == 2
        data = json.loads(s.synchub("status", "--json").out)
        (notion,) = [h for h in data["flows"][0]["services"] if h["service"] == "notion"]
        assert notion["state"] == "ok" and notion["last_error"]  # when and why, kept
        for text in s.outputs:
            assert TOKEN not in text and SMTP_PASSWORD not in text
    finally:
        s.close()


def test_the_daemon_shows_the_failure_and_notifies_once(
        tmp_path: Path, receivers: tuple[HttpReceiver, SmtpReceiver]) -> None:
    http, smtp = receivers
    s = Setup(tmp_path, http, smtp, interval="1s")
    base = f"http://127.0.0.1:{s.port}"
    proc = Proc(["run", "--config", str(s.path), "--log-format", "json"], s.dir, s.env, "run")
    try:
        wait_for(lambda: get(base + "/readyz")[0] == 200)

        def rounds() -> float:
            _, text = get(base + "/metrics")
            return sum(float(line.rsplit(" ", 1)[1]) for line in text.decode().splitlines()
                       if line.startswith("synchub_rounds_total{"))

        wait_for(lambda: rounds() >= 1)
        s.notion_down()
        hook = "/api/webhooks/42/" + TOKEN + "/generic"
        wait_for(lambda: len(http.at(hook)) == 1, timeout=60)
        seen = rounds()
        wait_for(lambda: rounds() >= seen + 3, timeout=60)  # rounds go on failing...
        assert kinds(http, hook) == [["started failing notion"]]  # ...and say nothing more

        rows: list[dict[str, Any]] = json.loads(get(base + "/status.json")[1])
        (notion,) = [h for h in rows[0]["services"] if h["service"] == "notion"]
        assert notion["state"] == "failing" and notion["last_error"]
        assert rows[0]["error"].startswith("notion: ")  # the "Last error" column
        page = get(base + "/")[1].decode()
        assert 'id="services"' in page and "retries next round" in page
        metrics = get(base + "/metrics")[1].decode()
        assert 'synchub_last_success_timestamp_seconds{flow="sandbox",service="jira"}' in metrics
        assert 'synchub_build_info{version="' in metrics

        s.notion_up()
        wait_for(lambda: len(http.at(hook)) == 2, timeout=60)
        assert kinds(http, hook)[1] == ["recovered failing notion"]
        assert proc.term(timeout=60) == 0
        assert TOKEN not in proc.output() and SMTP_PASSWORD not in proc.output()
        assert len(smtp.mails) == 2
    finally:
        if proc.running():
            proc.kill9()
        s.close()

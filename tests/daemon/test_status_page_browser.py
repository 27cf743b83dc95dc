"""The status page as a person sees it: rendered by headless Chromium from a live daemon."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.memory import get_service
from hub.daemon.service import Daemon
from hub.model import Item
from hub.runtime import open_runtime
from tests.daemon.test_service import config

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="install Debian's chromium (apt-get install "
                    "chromium) to check the status page in a real browser")
def test_status_page_renders_in_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    path, tag = config(tmp_path)
    get_service(f"a-{tag}").user_create(Item(title="from a"))
    daemon = Daemon(open_runtime(str(path)))
    t = threading.Thread(target=daemon.serve_without_signals)
    t.start()
    url = f"http://127.0.0.1:{daemon.port}/"
    try:
        for _ in range(100):  # until a round has run and the page is up
            try:
                if b"ok" in urllib.request.urlopen(url, timeout=2).read():
                    break
            except OSError:
                pass
            time.sleep(0.1)
        profile = tmp_path / "profile"
        dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                             capture_output=True, text=True, timeout=60).stdout
        shot = tmp_path / "status.png"
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                        f"--screenshot={shot}", "--window-size=1200,500", url],
                       capture_output=True, timeout=60)
    finally:
        daemon.stop.set()
        t.join(15)
    assert '<table id="flows">' in dom
    assert "<td>work</td>" in dom and "<td>x, y</td>" in dom
    assert '<td class="ok">ok</td>' in dom  # the last round's result, styled as healthy
    assert shot.exists() and shot.stat().st_size > 5000  # a real rendering, not an error page


CHROMEDRIVER = shutil.which("chromedriver")


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None, reason="install Debian's "
                    "chromium and chromium-driver to drive the status page in a real browser")
def test_conflict_resolved_by_a_click_in_chromium(tmp_path: Path) -> None:
    """Log in with the admin token, see the chart and the conflict's form, choose y's value
    and submit: Chromium sends the session cookie, the CSRF field and its own Origin, and the
    daemon resolves the conflict; its next round carries the value to x."""
    from tests.support.conflict_daemon import ADMIN, conflicted
    from tests.support.webdriver import Browser

    assert CHROMIUM is not None and CHROMEDRIVER is not None
    s = conflicted(tmp_path)
    t = threading.Thread(target=s.daemon.serve_without_signals)
    t.start()
    browser = Browser(CHROMEDRIVER, CHROMIUM, tmp_path / "profile")
    try:
        browser.open(f"http://127.0.0.1:{s.daemon.port}/")
        (password,) = browser.find('#login input[name="admin_token"]')
        browser.type(password, ADMIN)
        browser.click(browser.find('#login button[type="submit"]')[0])
        # the click returns before the next page is there: wait for the logged-in page
        _until(lambda: 'class="resolve"' in browser.source())
        (svg,) = browser.find("svg.runs")
        assert "1 writes and 0 errors" in (browser.attribute(svg, "aria-label") or "")
        bars = browser.find("svg.runs rect[data-writes]")  # one per round, as the table has
        assert len(bars) >= 2 and len(bars) == len(browser.find("#runs-work tbody tr"))
        assert ADMIN not in browser.source()
        browser.click(browser.find('#conflict-1 input[name="use"][value="y"]')[0])
        browser.click(browser.find("#conflict-1 button[type=submit]")[0])
        _until(lambda: "No open conflicts." in browser.source())  # back on the page, resolved
        assert s.daemon.store.conflicts("work") == []
        for _ in range(100):  # the flow was made due: its round carries y's title to x
            if s.a.live()[s.refs[0]].title == "title from y":
                break
            time.sleep(0.1)
        assert s.a.live()[s.refs[0]].title == "title from y"
    finally:
        browser.close()
        s.daemon.stop.set()
        t.join(15)


def _until(done: Callable[[], bool], seconds: float = 10) -> None:
    """Poll ``done`` until it holds (a page loading after a click), failing after ``seconds``."""
    end = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < end, "the page did not get there in time"
        time.sleep(0.05)

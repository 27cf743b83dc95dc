"""The status page as a person sees it: rendered by headless Chromium from a live daemon."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import urllib.request
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

"""A minimal W3C WebDriver client over urllib, for driving Debian's chromium through
``/usr/bin/chromedriver`` without selenium: the handful of commands the status page test
needs (open a page, find elements, type, click, read)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.procs import free_port

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


class Browser:
    """chromedriver in a child process and one headless Chromium session."""

    def __init__(self, chromedriver: str, chromium: str, profile: Path) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([chromedriver, f"--port={port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):  # until chromedriver answers
            try:
                urllib.request.urlopen(self.base + "/status", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", f"--user-data-dir={profile}"]
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": chromium, "args": args}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" \
            else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"webdriver {path}: {exc.read().decode()[:500]}") from None

    def _s(self, path: str) -> str:
        return f"/session/{self.session}{path}"

    def open(self, url: str) -> None:
        self._call("POST", self._s("/url"), {"url": url})

    def find(self, css: str) -> list[str]:
        """The element ids of what matches ``css`` (empty when nothing does)."""
        found = self._call("POST", self._s("/elements"), {"using": "css selector",
                                                           "value": css})
        assert isinstance(found, list), found
        return [e[ELEMENT] for e in found]

    def type(self, element: str, text: str) -> None:
        self._call("POST", self._s(f"/element/{element}/value"), {"text": text})

    def click(self, element: str) -> None:
        self._call("POST", self._s(f"/element/{element}/click"))

    def attribute(self, element: str, name: str) -> str | None:
        value: str | None = self._call("GET", self._s(f"/element/{element}/attribute/{name}"))
        return value

    def source(self) -> str:
        text: str = self._call("GET", self._s("/source"))
        return text

    def close(self) -> None:
        try:
            self._call("DELETE", self._s(""))
        finally:
            self.proc.terminate()
            self.proc.wait(10)

"""Daemon benchmark (issue 7), against a daemon subprocess over the four emulators:

- latency from an edit in Todoist to its arrival in Jira, Notion and the calendar, when a
  signed webhook announces it (target < 2 s) and when only polling finds it, with ``--links``
  items (default 2,000) synced everywhere first, at each service's real pacing (Notion's
  3 requests/s; the sandbox's own is fast), so the initial sync alone takes over ten minutes;
- CPU and memory of an idle daemon running 20 flows.

    python -m bench daemon [--samples N] [--links N] [--no-pacing]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from hub.cli import sandbox as sbx
from hub.model import DateOnly, Item

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _daemon(path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "hub", "run", "--config", str(path),
                             "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(check: Any, timeout: float = 30.0, step: float = 0.01) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if check():
            return time.perf_counter() - t0
        time.sleep(step)
    raise TimeoutError


def _ready(port: int) -> bool:
    try:
        return bool(urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                    .status == 200)
    except OSError:
        return False


def _first_round_over(port: int) -> bool:
    """The flow's first round has ended (the status page's JSON says how it ended)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status.json", timeout=5) as r:
            rows = json.loads(r.read())
    except OSError:
        return False
    return bool(rows) and all(row["status"] != "never run" for row in rows)


#: Notion's documented average (requests per second per integration): the sandbox's own
#: pacing is 1,000/s so that tests and the demo are quick; the bench uses the real one
NOTION_RPS = 3


def _paced(path: Path, boxes: dict[str, Any]) -> None:
    """The config and the emulators at the services' real pacing (the sandbox's is fast)."""
    data = sbx.read_config(path)
    data["connections"]["notion"]["requests_per_second"] = NOTION_RPS
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)
    boxes["notion"].emu.rps = NOTION_RPS


def _seed_many(boxes: dict[str, Any], links: int) -> None:
    """``links`` Jira issues with due dates, so every service holds each of them."""
    today = dt.date.today()
    for i in range(links):
        boxes["jira"].user_create(Item(title=f"backlog item {i}", priority=1 + i % 4,
                                       due=DateOnly(date=today + dt.timedelta(days=i % 60))))


def latency(samples: int, interval: str, webhook: bool, links: int = 0,
            paced: bool = True) -> list[float]:
    boxes = sbx.start()
    sbx.seed(boxes)
    _seed_many(boxes, links)
    port = _port()
    with tempfile.TemporaryDirectory() as d:
        path = sbx.config(boxes, Path(d), interval=interval, port=port)
        if paced:
            _paced(path, boxes)
        secret = sbx.read_config(path)["connections"]["todoist"]["webhook_secret"].encode()
        proc = _daemon(path)
        try:
            _wait(lambda: _ready(port))
            todoist = boxes["todoist"]
            synced = _wait(lambda: all(len(boxes[s].items()) >= links + 2
                                       for s in ("todoist", "notion", "gcal")),
                           timeout=3600, step=1.0)
            if links:
                print(f"  initial sync of {links + 5:,} items into Todoist, Notion and the "
                      f"calendar: {synced:.0f} s (Notion at {NOTION_RPS} requests/s: at "
                      f"least {(links + 5) / NOTION_RPS:.0f} s for its creates alone)"
                      if paced else f"  initial sync: {synced:.0f} s (pacing off)", flush=True)
                # Measured once the first round is over (its comment pass included). The
                # rounds after it read the comments of the copies it made as they come
                # back listed (two Notion requests a page): that is background work, which
                # a webhook-driven round goes ahead of, so the samples are taken during it.
                first = _wait(lambda: _first_round_over(port), timeout=7200, step=1.0)
                print(f"  first round over after {synced + first:.0f} s", flush=True)
            ref = next(r for r, i in todoist.items().items() if i.due is not None)
            out = []
            for n in range(samples):
                time.sleep(1.5)  # let the previous round settle
                title = f"Fix login timeout #{n}"
                todoist.user_edit(ref, title=title)
                t0 = time.perf_counter()
                if webhook:
                    body = json.dumps({"event_name": "item:updated",
                                       "event_data": {"id": ref}}).encode()
                    sig = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
                    req = urllib.request.Request(
                        f"http://127.0.0.1:{port}/webhooks/todoist", data=body, method="POST",
                        headers={"X-Todoist-Hmac-SHA256": sig.decode()})
                    urllib.request.urlopen(req, timeout=5)

                def arrived(title: str = title) -> bool:
                    return all(any(i.title == title for i in boxes[s].items().values())
                               for s in ("jira", "notion", "gcal"))
                _wait(arrived, timeout=600)
                out.append(time.perf_counter() - t0)
            return out
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            for b in boxes.values():
                b.stop()


def idle(flows: int = 20, seconds: float = 10.0) -> tuple[float, float]:
    port = _port()
    conns = {f"m{i}": {"type": "memory", "service": f"idle-{i}"} for i in range(flows * 2)}
    data = {"state": {"url": "sqlite:///state.db"}, "daemon": {"port": port, "concurrency": 4},
            "connections": conns,
            "flows": {f"f{i}": {"interval": "5s", "endpoints": {
                "a": {"connection": f"m{2 * i}"}, "b": {"connection": f"m{2 * i + 1}"}}}
                for i in range(flows)}}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "synchub.yaml"
        path.write_text(json.dumps(data))
        proc = _daemon(path)
        try:
            _wait(lambda: _ready(port))
            time.sleep(6)  # every flow has had its first round

            def cpu() -> float:
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            c0, t0 = cpu(), time.perf_counter()
            time.sleep(seconds)
            share = (cpu() - c0) / (time.perf_counter() - t0)
            rss = next(int(line.split()[1]) for line in
                       Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                       if line.startswith("VmRSS")) / 1024
            return share, rss
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench daemon")
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--links", type=int, default=2000,
                    help="Jira issues (with dates) synced everywhere before measuring")
    ap.add_argument("--no-pacing", action="store_true",
                    help="the sandbox's fast pacing instead of each service's real one")
    args = ap.parse_args(argv or [])
    paced = not args.no_pacing
    print(f"{args.links:,} links, pacing {'real (Notion 3 requests/s)' if paced else 'off'}",
          flush=True)
    hooked = latency(args.samples, "60s", webhook=True, links=args.links, paced=paced)
    print(f"webhook-driven: edit in Todoist -> in Jira, Notion and Calendar: median "
          f"{statistics.median(hooked):.2f}s, max {max(hooked):.2f}s (target < 2 s; floor: "
          "1 Todoist read, 1 write each in Jira, Notion and the calendar)", flush=True)
    polled = latency(args.samples, "3s", webhook=False, paced=paced)
    print(f"polling-driven (interval 3 s, 5 links): median {statistics.median(polled):.2f}s, "
          f"max {max(polled):.2f}s (target: median under the 3 s interval; floor: 1.5 s on "
          "average, half the interval, plus the round's writes)", flush=True)
    share, rss = idle()
    print(f"idle daemon, 20 flows every 5 s: CPU {share:.1%} of one core, RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()

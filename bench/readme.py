"""Regenerate every benchmark figure in the README with one command, with the machine they
came from:

    python -m bench readme [--only engine,jira,...] [--dry-run]

Each benchmark runs in its own process (so each peak RSS is its own), at the sizes the README
states; the section between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` is replaced
by their figures; with ``--only`` the parts not run are kept (each part carries its own
marker, date and machine). The per-service benches run at each service's real pacing, so
the whole run takes a while (Notion's 3 requests/s alone: over ten minutes for 2,000
pages). ``--dry-run`` prints the section instead of writing it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

#: (name, arguments, what the README says it measures)
ENGINE_RUNS = (("10,000 links, SQLite", ["--links", "10000"]),
               ("100,000 links, SQLite", ["--links", "100000"]),
               ("1,000,000 links, PostgreSQL (generated state)",
                ["--links", "1000000", "--state", "generated", "--store", "postgresql"]))
SERVICE_RUNS: tuple[tuple[str, list[str]], ...] = (
    ("jira", ["--issues", "2000"]), ("todoist", ["--tasks", "2000"]),
    ("gcal", ["--events", "2000"]), ("notion", ["--pages", "2000"]), ("daemon", []))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def _run(args: Sequence[str]) -> str:
    done = subprocess.run([sys.executable, "-m", "bench", *args], capture_output=True,
                          text=True, check=False, cwd=README.parent)
    if done.returncode != 0:
        raise SystemExit(f"python -m bench {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def engine_table(label: str, args: Sequence[str]) -> str:
    rows = [json.loads(line) for line in _run(["engine", *args, "--json"]).splitlines()
            if line.startswith("{")]
    summary = next(r for r in rows if r.get("summary"))
    out = [f"**{label}** (`python -m bench engine {' '.join(args)}`); the in-memory services "
           f"take {summary['services_rss_mib']:.0f} MiB of the peak RSS", "",
           "| round | wall s | plan s | writes | requests (floor) | links read | planned "
           "| peak RSS MiB |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("summary"):
            continue
        out.append(f"| {r['round']} | {r['wall_s']:.3f} | {r['plan_s']:.4f} | {r['writes']:,} "
                   f"| {r['requests']:,} ({r['floor']:,}) | {r['loaded']:,} "
                   f"| {r['planned']:,} / {r['links']:,} | {r['peak_rss_mib']:.0f} |")
    return "\n".join(out)


def service_block(name: str, args: Sequence[str]) -> str:
    text = _run([name, *args]).rstrip()
    return f"**{name}** (`python -m bench {' '.join([name, *args])}`)\n\n```text\n{text}\n```"


PART = "<!-- bench:part {} -->"
ORDER = ("engine", *(name for name, _ in SERVICE_RUNS))


def part(name: str, only: set[str] | None) -> str | None:
    """One benchmark's figures, headed by its marker and the day and machine they came from
    (None when ``only`` leaves it out)."""
    if only is not None and name not in only:
        return None
    if name == "engine":
        needs_pg = not os.environ.get("SYNCHUB_TEST_POSTGRES_URL")
        blocks = [engine_table(label, args) for label, args in ENGINE_RUNS
                  if not (needs_pg and "postgresql" in args)]
    else:
        blocks = [service_block(name, args) for n, args in SERVICE_RUNS if n == name]
    head = f"{PART.format(name)}\nMeasured on {dt.date.today().isoformat()}, {machine()}."
    return "\n\n".join([head, *blocks])


def parts_of(body: str) -> dict[str, str]:
    """The parts of a section as written by :func:`part`, by name."""
    out = {}
    for chunk in body.split("<!-- bench:part ")[1:]:
        name, _, _ = chunk.partition(" -->")
        out[name] = ("<!-- bench:part " + chunk).strip()
    return out


def section(only: set[str] | None, current: str = "") -> str:
    """The whole section: the parts run now, and with ``only`` the others as they were (each
    keeps its own date), in a fixed order."""
    parts = parts_of(current)
    for name in ORDER:
        fresh = part(name, only)
        if fresh is not None:
            parts[name] = fresh
    return "\n\n".join(["Regenerate with `python -m bench readme` (every part) or "
                         "`python -m bench readme --only NAME,...` (those parts; the others "
                         "are kept as they were, each with the day it was measured)."]
                        + [parts[n] for n in ORDER if n in parts])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench readme")
    ap.add_argument("--only", help="comma-separated: engine, jira, todoist, gcal, notion, daemon")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv or [])
    only = set(args.only.split(",")) if args.only else None
    text = README.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} section")
    head, rest = text.split(START, 1)
    current, tail = rest.split(END, 1)
    body = section(only, current)
    if args.dry_run:
        print(body)
        return
    README.write_text(f"{head}{START}\n{body}\n{END}{tail}")
    print(f"README.md: benchmark section rewritten ({len(body.splitlines())} lines)")


if __name__ == "__main__":
    main()

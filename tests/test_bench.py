"""The engine benchmark's JSON contract (issue 17): one object per round with the fields the
README's figures are made from, and the rounds saying what they should (no timing asserted:
speed lives in the benchmarks themselves)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"round", "wall_s", "plan_s", "writes", "requests", "floor", "loaded", "planned",
        "links", "peak_rss_mib"}


def run_engine(*args: str) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "bench", "engine", "--json", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_engine_json_rounds_over_a_synced_state() -> None:
    rows = run_engine("--links", "60", "--full-round")
    rounds = {r["round"]: r for r in rows if not r.get("summary")}
    assert all(r.keys() >= KEYS for r in rounds.values())
    assert rounds["initial"]["writes"] == 60
    for quiet in ("quiet", "one-shot quiet", "quiet again"):
        assert rounds[quiet]["loaded"] == rounds[quiet]["writes"] == 0
        assert rounds[quiet]["requests"] == rounds[quiet]["floor"] == 2
    assert rounds["webhook edit"]["loaded"] == rounds["webhook edit"]["writes"] == 1
    assert rounds["config changed"]["loaded"] == 60
    assert rounds["config changed"]["writes"] == 0
    assert rows[-1]["summary"] is True and rows[-1]["links"] == 60


def test_a_generated_state_is_settled() -> None:
    """What the 1,000,000-link run stands on: the generated links are what a sync leaves (a
    round that plans every link finds nothing to write)."""
    rows = run_engine("--links", "80", "--state", "generated", "--full-round")
    rounds = {r["round"]: r for r in rows if not r.get("summary")}
    assert rounds["quiet"]["links"] == 80 and rounds["quiet"]["loaded"] == 0
    assert rounds["config changed"]["loaded"] == 80
    assert rounds["config changed"]["planned"] == rounds["config changed"]["writes"] == 0


def test_readme_only_keeps_the_parts_it_does_not_run(monkeypatch: object) -> None:
    """`python -m bench readme --only todoist` rewrites the Todoist part and keeps the
    engine's and Jira's figures (and their dates) as they were, in the fixed order."""
    import pytest

    from bench import readme

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(readme, "service_block", lambda name, args: f"**{name}** fresh")
    monkeypatch.setattr(readme, "machine", lambda: "test machine")
    current = ("Regenerate ...\n\n<!-- bench:part engine -->\nMeasured on 2026-01-01, m.\n\n"
               "engine table\n\n<!-- bench:part todoist -->\nMeasured on 2026-01-01, m.\n\n"
               "**todoist** old\n\n<!-- bench:part jira -->\nMeasured on 2026-01-02, m.\n\n"
               "**jira** old")
    body = readme.section({"todoist"}, current)
    parts = readme.parts_of(body)
    assert list(parts) == ["engine", "jira", "todoist"]
    assert parts["engine"].endswith("engine table") and "2026-01-01" in parts["engine"]
    assert parts["jira"].endswith("**jira** old") and "2026-01-02" in parts["jira"]
    assert parts["todoist"].endswith("**todoist** fresh")
    assert "test machine" in parts["todoist"] and "old" not in parts["todoist"]

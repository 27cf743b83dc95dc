"""The README's main job: `synchub demo`, through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app


def test_demo_tells_the_whole_story_and_exits_zero(tmp_path: Path) -> None:
    state = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--state", str(state)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "matched, not duplicated" in out
    for service in ("jira", "todoist", "notion", "gcal"):
        assert f"→ {service}: create" in out  # every service took part, over HTTP
    assert "todoist wins (conflict: newest)" in out
    assert "policy complete" in out
    assert "drag the block to Monday" in out
    assert "Demo finished: every change arrived, nothing was duplicated." in out
    assert state.exists()  # it ran on the real SQLite store

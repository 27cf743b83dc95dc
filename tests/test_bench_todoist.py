"""The Todoist bench runs (small) in both directions with Todoist's limits on: every round
ok, no 429, the creates at their floor (one command each, 100 a request)."""

from __future__ import annotations

from bench import todoist


def test_the_bench_runs_at_its_floor_without_refusals(capsys: object) -> None:
    todoist.main(["--tasks", "150"])
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    rows = [line.split() for line in out.splitlines()
            if line and not line.startswith(("--", "operation", "note"))]
    assert len(rows) == 9
    for row in rows:
        assert row[-1] == "ok" and row[-5] == "0"  # status ok, no 429 from the limits
    create = next(r for r in rows if r[0] == "create")
    assert create[1:4] == ["2", "2", "1.00x"]  # 150 creates: 2 requests of <= 100 commands
    quiet = [r for r in rows if r[0].startswith("quiet")]
    assert quiet and all(r[-6] == "1" for r in quiet)  # a quiet round: one sync

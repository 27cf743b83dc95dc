"""The calendar bench runs (small, with a raised quota so it does not wait) and its floors are
Google's documented sizes."""

from __future__ import annotations

from bench import gcal


def test_floors_are_googles_batch_and_page_sizes() -> None:
    assert gcal.floor(2000, 0) == 2 + 1  # two batch requests of 1,000, one empty listing
    assert gcal.floor(0, 2000) == 1 and gcal.floor(0, 10_000) == 4
    assert gcal.floor(0, 0) == 1


def test_the_bench_runs_at_its_floor_without_refusals(capsys: object) -> None:
    gcal.main(["--events", "30", "--quota", "100000"])
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    rows = [line.split() for line in out.splitlines()
            if line and not line.startswith(("--", "operation", "peak"))]
    assert len(rows) == 15
    for row in rows:
        assert row[-1] == "ok" and row[-6] == "0"  # status ok, no 403 from the quota
    create = next(r for r in rows if r[0] == "create")
    assert create[1:4] == ["2", "2", "1.00x"] and create[4] == "31"  # 30 calls + 1 listing
    moved = next(r for r in rows if r[0] == "10%")
    # 3 patches, each reading its event first (a new adapter): a read batch, a write batch
    assert moved[4:8] == ["3", "2", "1.50x", "7"]  # listing + 3 reads + 3 patches

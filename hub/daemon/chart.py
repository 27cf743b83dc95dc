"""The status page's chart of recent rounds: writes and errors per round, one chart per flow.

Drawn here as inline SVG, server-side: no JavaScript, no library, nothing fetched, so the page
works offline and under a strict Content-Security-Policy (an inline ``<svg>`` element is
markup, not a script or a style sheet). Colours are SVG attributes rather than CSS for the
same reason. A chart says what it shows in its ``<title>`` and ``aria-label``, and a small
table beside it holds the same numbers, so the page reads the same without the picture (a
screen reader, a text browser, ``--dump-dom``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from hub.store.base import RunRecord

#: how many of a flow's latest runs the chart shows
CHART_RUNS = 30
WIDTH, HEIGHT, BAR = 360, 80, 12  # px; a bar pair per round, BAR wide
BROKEN = frozenset({"crashed", "failed"})  # a round that ended before it could count


@dataclass(frozen=True)
class RoundPoint:
    """One round as the chart draws it."""

    run_id: int
    when: str  # started, "YYYY-MM-DD HH:MM" UTC
    status: str
    writes: int
    errors: int


def points(runs: Sequence[RunRecord]) -> list[RoundPoint]:
    """The chart's rounds, oldest first, from the store's runs (newest first, as
    :meth:`hub.store.base.Store.runs` returns them). A round that crashed or failed counts
    at least one error, even when it stopped before recording its counts; a round still
    running is left out (its numbers are not known yet)."""
    out = []
    for r in reversed(runs):
        if r.status == "running":
            continue
        errors = int(r.counts.get("errors", 0))
        if r.status in BROKEN:
            errors = max(errors, 1)
        out.append(RoundPoint(r.id, r.started_at.strftime("%Y-%m-%d %H:%M"), r.status,
                              int(r.counts.get("writes", 0)), errors))
    return out


def summary(flow: str, pts: Sequence[RoundPoint]) -> str:
    """The chart in one sentence: its title and aria-label."""
    if not pts:
        return f"{flow}: no finished rounds yet"
    return (f"{flow}: last {len(pts)} rounds, {sum(p.writes for p in pts)} writes and "
            f"{sum(p.errors for p in pts)} errors in all; latest round "
            f"{pts[-1].writes} writes, {pts[-1].errors} errors")


def svg(flow: str, pts: Sequence[RoundPoint]) -> str:
    """Bars of writes (green) and errors (red) per round, on one scale (the largest value)."""
    label = html.escape(summary(flow, pts), quote=True)
    top = max([1, *(p.writes for p in pts), *(p.errors for p in pts)])
    step = WIDTH / max(len(pts), 1)
    bars = []
    for i, p in enumerate(pts):
        x = i * step
        for offset, value, colour, what in ((0, p.writes, "#17803d", "writes"),
                                             (BAR / 2, p.errors, "#b91c1c", "errors")):
            h = round(value / top * (HEIGHT - 2), 1)
            bars.append(f'<rect x="{x + offset:.1f}" y="{HEIGHT - h:.1f}" width="{BAR / 2:g}" '
                        f'height="{h:g}" fill="{colour}" data-{what}="{value}">'
                        f"<title>run {p.run_id}: {value} {what}</title></rect>")
    return (f'<svg class="runs" role="img" aria-label="{label}" width="{WIDTH}" '
            f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
            f'<line x1="0" y1="{HEIGHT}" x2="{WIDTH}" y2="{HEIGHT}" stroke="#999"/>'
            + "".join(bars) + "</svg>")


def table(flow: str, pts: Sequence[RoundPoint]) -> str:
    """The chart's numbers as a table (folded away under ``<details>``)."""
    rows = "".join(f"<tr><td>{p.run_id}</td><td>{html.escape(p.when)}</td>"
                   f"<td>{html.escape(p.status)}</td><td>{p.writes}</td><td>{p.errors}</td></tr>"
                   for p in reversed(pts))
    return (f"<details><summary>Rounds of {html.escape(flow)} as a table</summary>"
            "<table><thead><tr><th>Run</th><th>Started (UTC)</th><th>Result</th>"
            f"<th>Writes</th><th>Errors</th></tr></thead><tbody>{rows}</tbody></table>"
            "</details>")


def section(charts: Sequence[tuple[str, Sequence[RunRecord]]]) -> str:
    """The page's "Recent rounds" section: per flow, its chart and its table."""
    if not charts:
        return ""
    parts = []
    for flow, runs in charts:
        pts = points(runs)
        parts.append(f'<figure id="runs-{html.escape(flow, quote=True)}">'
                     f"<figcaption>{html.escape(summary(flow, pts))}</figcaption>"
                     f"{svg(flow, pts)}{table(flow, pts)}</figure>")
    return ("<h2>Recent rounds</h2><p>Writes (green) and errors (red) per round, oldest "
            "left.</p>" + "".join(parts))

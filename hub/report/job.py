"""One report from start to end (collect, render, deliver), as ``synchub report`` and the
daemon's schedule both make it, so a scheduled report is the one the command shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from hub.report.collect import collect, period_of
from hub.report.deliver import Destination, Document, deliver, destinations
from hub.report.facts import Format, Period
from hub.store.base import Store


def report_flows(rt: Any, selected: Sequence[str] | None = None) -> list[str]:
    """The flows reported on: those asked for, else ``report.flows``, else every enabled
    flow (unknown names are a located config error, as for ``sync --flow``)."""
    cfg = rt.config.report
    chosen = list(selected or (cfg.flows if cfg is not None and cfg.flows else ()))
    flows: list[str] = rt.flows(chosen)
    return flows


def document(rt: Any, flows: Sequence[str], period: Period, fmt: Format,
             store: Store | None = None) -> Document:
    """The report of ``flows`` from ``store`` (default: the runtime's)."""
    return Document.of(collect(store or rt.store, flows, period), fmt)


def scheduled(rt: Any, now: dt.datetime, *, store: Store | None = None,
              to: Sequence[Destination] | None = None) -> list[str]:
    """The configured report (``report:``) for the days up to ``now``, delivered to its
    targets (or ``to``); returns where it went. The daemon passes its thread-safe store."""
    cfg = rt.config.report
    assert cfg is not None, "only called with a report: section"
    period = period_of(now=now, timezone=rt.config.timezone, days=cfg.days)
    doc = document(rt, report_flows(rt), period, cfg.format, store)
    return deliver(doc, to if to is not None else destinations(rt.loaded, cfg.to))

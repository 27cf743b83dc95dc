"""A report written out: Markdown and HTML format the one outline
(:mod:`hub.report.outline`), JSON the facts themselves (:mod:`hub.report.facts`), for
scripts. The HTML is one self-contained document (its style inline, nothing fetched) with
every text escaped, so an item titled ``<script>`` is shown, never run.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence

from adapters.publishing import Block
from hub.report.facts import DIMENSIONS, SECTIONS, Format, Report, item_json, when
from hub.report.outline import outline, title_of

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_MD_LEADING = re.compile(r"^([-+=]|\d+(?=[.)]))")  # what would start a list or underline


def md_escape(text: str) -> str:
    """``text`` shown as written in Markdown (``*``, ``_``, ``#``, a leading ``- `` or
    ``1.``... are not markup)."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    m = _MD_LEADING.match(text)
    if m is None:
        return text
    if m.group(0)[0].isdigit():  # 1. -> 1\.
        end = m.end()
        return text[:end] + "\\" + text[end:]
    return "\\" + text


_MD = {"h1": "# {}", "h2": "## {}", "h3": "### {}", "p": "{}", "li": "- {}"}


def markdown(blocks: Sequence[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if lines and not (b.kind == "li" and lines[-1].startswith("- ")):
            lines.append("")  # a blank line between blocks, none inside a list
        lines.append(_MD[b.kind].format(md_escape(b.text)))
    return "\n".join(lines) + "\n"


STYLE = ("body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;"
         "padding:0 1rem;line-height:1.45;color:#1d1d1f}h1{font-size:1.5rem}"
         "h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ddd}"
         "li{margin:.15rem 0}")


def page(blocks: Sequence[Block]) -> str:
    body: list[str] = []
    in_list = False
    for b in blocks:
        if b.kind == "li" and not in_list:
            body.append("<ul>")
        elif b.kind != "li" and in_list:
            body.append("</ul>")
        in_list = b.kind == "li"
        tag = {"p": "p", "li": "li"}.get(b.kind, b.kind)
        body.append(f"<{tag}>{html.escape(b.text)}</{tag}>")
    if in_list:
        body.append("</ul>")
    title = html.escape(blocks[0].text if blocks else "Report")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def as_json(report: Report) -> str:
    p, act = report.period, report.activity
    data = {
        "title": title_of(report),
        "period": {"since": when(p.since), "until": when(p.until), "timezone": p.timezone,
                   "today": p.today.isoformat()},
        "flows": list(report.flows),
        "totals": report.totals(),
        "sections": {k: [item_json(i) for i in report.sections[k]] for k, _ in SECTIONS},
        "groups": {d: report.groups(d) for d, _ in DIMENSIONS},
        "changes": {"fields_from": dict(act.fields_from), "items_from": dict(act.items_from),
                    "items": [item_json(i) for i in report.changed]},
        "rounds": {"count": act.rounds, "writes": act.writes,
                   "by_status": dict(act.rounds_by_status)},
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[Format, Callable[[Report], str]] = {
    Format.MD: lambda r: markdown(outline(r)),
    Format.HTML: lambda r: page(outline(r)),
    Format.JSON: as_json,
}


def render(report: Report, fmt: Format) -> str:
    return RENDERERS[fmt](report)

"""Markdown <-> Notion rich text (title, rich_text properties and paragraph blocks).

Marks: ``**bold**``, ``*italic*`` (or ``_italic_``), ``~~strikethrough~~``, ```code``` and
``[text](url)``, nested as in Markdown (``[**x**](u)``, ``**`x`**``), read with the toolkit's
CommonMark reader (:mod:`adapters.toolkit.markdown`) as inline text: a line "- x" stays text,
as Notion's rich text holds no lists. Bold and italic together are written ``**_x_**`` (as
the Jira adapter writes them): ``***x***`` is read as bold italic too, but as the output it
would be wrapped once per mark and read back wrong. Text is written as typed and escaped
only where it would otherwise read back as formatting.

What Markdown cannot say (mentions, equations, underline, colours) is not written into the
Markdown the other services see; :func:`merge` keeps it in Notion instead: when a value
written back has the same text as before, the elements stay exactly as they were, and where
part of it changed, the unchanged elements stay as they were and the rest takes the new
text, keeping the colour and underline of the text it replaces.

Notion holds at most 2,000 characters per rich text element, counted in UTF-16 code units (the
API is JavaScript). Long text is split into several elements, each keeping its run's
annotations and link, and a split never cuts a character in two; reading joins neighbouring
elements of the same style before adding marks, so a split run reads back as one. A request
carries at most 100 elements in one array: text with more style runs than that keeps the
styles of its first elements and the rest as plain text (:func:`fit`), so the write is
accepted and no character is lost; past 200,000 characters nothing fits.
"""

from __future__ import annotations

import difflib
import itertools
import re
from typing import Any

from adapters.toolkit import markdown
from hub.errors import ValidationRejected

CHUNK = 2000  # UTF-16 code units per element
#: Notion's most elements in one rich-text array of a request (request limits, "Size limits":
#: more is a 400 ``validation_error``)
MAX_ELEMENTS = 100
#: the toolkit's marks as Notion's annotations
ANNOTATION = {"strong": "bold", "em": "italic", "code": "code", "strike": "strikethrough"}
MARKS = ("bold", "italic", "strikethrough", "code")
#: escaped in the escaping pass: what could read back as formatting, HTML or an entity
SPECIAL = re.compile(r"([\\`*_\[\]<&~])")
Style = tuple[frozenset[str], str | None]  # (marks among MARKS, link url)
#: nesting orders tried when writing Markdown, outermost first (links outermost preferred)
ORDERS = [(*o, "strikethrough") for o in (
    ("link", "bold", "italic"), ("link", "italic", "bold"), ("bold", "link", "italic"),
    ("italic", "link", "bold"), ("bold", "italic", "link"), ("italic", "bold", "link"))]


def _runs(text: str) -> list[tuple[str, Style]]:
    """Inline Markdown as runs of text and style; a line break is a newline in the text, and
    HTML is the text typed."""
    return [("\n" if span.kind == "break" else span.text,
             (frozenset(ANNOTATION[m] for m in span.marks), span.link))
            for span in markdown.parse_inline(text)]


def _merged(runs: list[tuple[str, Style]]) -> list[tuple[str, Style]]:
    out: list[tuple[str, Style]] = []
    for text, style in runs:
        if not text:
            continue
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    return out


def chunks(text: str, limit: int = CHUNK) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 code units, never splitting a
    character (one outside the Basic Multilingual Plane counts two)."""
    out: list[str] = []
    start = units = 0
    for i, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > limit:
            out.append(text[start:i])
            start, units = i, 0
        units += width
    out.append(text[start:])
    return [c for c in out if c]


def _text_of(part: dict[str, Any]) -> str:
    """An element to be written, as its characters (a mention: the name it showed)."""
    if part.get("type", "text") == "text":
        return str((part.get("text") or {}).get("content", ""))
    if part.get("type") == "equation":
        return str((part.get("equation") or {}).get("expression", ""))
    return str(part.get("plain_text", ""))


def fit(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``parts`` within Notion's :data:`MAX_ELEMENTS`: the first elements as they are, the
    tail as plain text in the fewest elements of :data:`CHUNK` (its styles are what is lost);
    ValidationRejected when even plain text needs more (over 200,000 UTF-16 code units): the
    request would be refused, so it is not sent."""
    if len(parts) <= MAX_ELEMENTS:
        return parts
    for keep in range(MAX_ELEMENTS - 1, -1, -1):
        tail = chunks("".join(_text_of(p) for p in parts[keep:]))
        if keep + len(tail) <= MAX_ELEMENTS:
            return parts[:keep] + [{"type": "text", "text": {"content": piece, "link": None}}
                                   for piece in tail]
    raise ValidationRejected(f"the text needs {len(parts)} rich-text elements and more than "
                     f"{MAX_ELEMENTS * CHUNK} characters as plain text; Notion holds at most "
                     f"{MAX_ELEMENTS} of {CHUNK}", service="notion")


def md_to_rich(text: str | None) -> list[dict[str, Any]]:
    """Markdown as the rich-text elements to write (within :data:`MAX_ELEMENTS`: :func:`fit`)."""
    return fit(_md_to_rich(text))


def _md_to_rich(text: str | None) -> list[dict[str, Any]]:
    if not text:
        return []
    out = []
    for content, (marks, url) in _merged(_runs(text)):
        for piece in chunks(content):
            part: dict[str, Any] = {"type": "text", "text": {
                "content": piece, "link": {"url": url} if url else None}}
            if marks:
                part["annotations"] = {m: True for m in sorted(marks)}
            out.append(part)
    return out


def _plain(part: dict[str, Any]) -> str:
    """An element's text: its ``plain_text`` as Notion answers it (a mention's name, an
    equation's expression), else the text written."""
    text = part.get("plain_text")
    return str(text) if text is not None else str((part.get("text") or {}).get("content", ""))


def _style(part: dict[str, Any]) -> Style:
    ann = part.get("annotations") or {}
    link = (part.get("text") or {}).get("link") or (
        {"url": part["href"]} if part.get("href") else None)
    return (frozenset(m for m in MARKS if ann.get(m)), link["url"] if link else None)


def _code(text: str) -> str:
    """Inline code that holds its text as is: fenced by one backtick more than the longest
    run inside, padded where the text starts or ends with a backtick or with spaces both ends
    (CommonMark strips one such space)."""
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = text[:1] == "`" or text[-1:] == "`" or (
        text[:1] == " " and text[-1:] == " " and bool(text.strip()))
    return f"{ticks} {text} {ticks}" if pad else f"{ticks}{text}{ticks}"


def _escaped(runs: list[tuple[str, Style]]) -> list[tuple[str, Style]]:
    """The runs' text escaped where it would read back as formatting, and the spaces at
    its lines' edges as entities (CommonMark strips them: an indented line would lose its
    indent)."""
    last = len(runs) - 1
    return [(t if "code" in style[0] else markdown.edge_entities(
        SPECIAL.sub(r"\\\1", t), at_start=i == 0, at_end=i == last), style)
        for i, (t, style) in enumerate(runs)]


def _render(runs: list[tuple[str, Style]], levels: tuple[str, ...],
            outer: frozenset[str] = frozenset()) -> str:
    """Runs as Markdown, grouping neighbours that share a mark: links outermost, then the marks
    in ``levels`` order, code innermost. Italic is ``_x_`` inside bold or outside it when it
    comes first (``*x*`` cannot hold ``**``), ``*x*`` otherwise."""
    if not levels:
        return "".join(_code(t) if "code" in marks else t for t, (marks, _) in runs)
    level, rest = levels[0], levels[1:]
    out = []
    for key, group in itertools.groupby(runs, key=lambda r: (
            r[1][1] if level == "link" else level in r[1][0])):
        inner = _render(list(group), rest, outer | ({level} if key else set()))
        if level == "link" and key:
            inner = f"[{inner}](<{key}>)" if re.search(r"[()\s<>]", str(key)) else \
                f"[{inner}]({key})"
        elif level == "bold" and key:
            inner = f"**{inner}**"
        elif level == "strikethrough" and key:
            inner = f"~~{inner}~~"
        elif level == "italic" and key:
            underscore = "bold" in outer or "bold" in rest
            inner = f"_{inner}_" if underscore else f"*{inner}*"
        out.append(inner)
    return "".join(out)


def _unstyled_edges(runs: list[tuple[str, Style]]) -> list[tuple[str, Style]]:
    """The runs with the spaces at each styled run's edges out of its marks (code aside:
    its spaces show), and out of a link for a run of spaces alone."""
    out: list[tuple[str, Style]] = []
    for text, (marks, link) in runs:
        if "code" in marks or (not marks and link is None):
            out.append((text, (marks, link)))
            continue
        core = text.strip()
        if not core:
            out.append((text, (frozenset(), None)))
            continue
        lead, trail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        out += [(lead, (frozenset(), link)), (core, (marks, link)), (trail, (frozenset(), link))]
    return _merged(out)


def rich_to_md(parts: list[dict[str, Any]] | None) -> str | None:
    """Markdown for Notion's elements: the shortest of a few spellings that reads back as the
    same runs (``**a _b_ c**``, ``_a **b** c_``), else the plainest one."""
    runs = _merged([(_plain(p), _style(p)) for p in parts or []])
    if not runs:
        return None
    for attempt, escape in itertools.product((runs, _unstyled_edges(runs)), (False, True)):
        # Markdown cannot style a run's edge spaces ("** x**" is not bold): the second
        # attempt moves them out of the marks, where nobody sees the difference. Plain text
        # first ("a*b" stays "a*b"), escaped only where it would read back as formatting.
        written = [_render(_escaped(attempt) if escape else attempt, order)
                   for order in ORDERS]
        fitting = [md for md in written if _merged(_runs(md)) == attempt]
        if fitting:  # the shortest spelling: "_a **b** c_", not "*a ***_b_*** c*"
            return min(fitting, key=len)
    return _render(_escaped(runs), ORDERS[0])


def normalise(text: str | None) -> str | None:
    """What ``text`` reads back as after a trip through Notion (``***x***`` becomes
    ``**_x_**``, a link with a bold part is split into links)."""
    return rich_to_md(md_to_rich(text))


#: annotations Markdown cannot say, carried onto new text that replaces an element's text
EXTRA = ("underline", "color")


def special(parts: list[dict[str, Any]] | None) -> bool:
    """Whether the elements hold what Markdown cannot say (a mention, an equation, underline,
    a colour): what :func:`merge` keeps."""
    return any(p.get("type", "text") != "text" or any(
        (p.get("annotations") or {}).get(k) not in (None, False, "default") for k in EXTRA)
        for p in parts or [])


def _element(text: str, style: Style, extra: dict[str, Any]) -> list[dict[str, Any]]:
    marks, url = style
    out = []
    for piece in chunks(text):
        part: dict[str, Any] = {"type": "text", "text": {
            "content": piece, "link": {"url": url} if url else None}}
        annotations = {m: True for m in sorted(marks)} | extra
        if annotations:
            part["annotations"] = annotations
        out.append(part)
    return out


#: the mentions the API can write, and the keys of each it takes (Notion answers more:
#: a user's name and avatar, which a write must not carry)
WRITABLE_MENTIONS = {"user": ("id",), "page": ("id",), "database": ("id",),
                     "date": ("start", "end", "time_zone")}


def _written(p: dict[str, Any]) -> dict[str, Any]:
    """An element as it can be written back: what Notion answers without its read-only keys
    (``plain_text``, ``href``); a mention with only what a write takes. A mention the API
    cannot make (a link preview, a template mention) is written as its text, linked where it
    had a link: the closest form."""
    out = {k: v for k, v in p.items() if k not in ("plain_text", "href")}
    if p.get("type") != "mention":
        return out
    mention = p.get("mention") or {}
    kind = str(mention.get("type"))
    keys = WRITABLE_MENTIONS.get(kind)
    if keys is None or not isinstance(mention.get(kind), dict):
        link = p.get("href")
        return {"type": "text", "text": {"content": _plain(p),
                                         "link": {"url": link} if link else None},
                "annotations": p.get("annotations") or {}}
    body = {k: v for k, v in mention[kind].items() if k in keys}
    return out | {"mention": {"type": kind, kind: body}}


def merge(old: list[dict[str, Any]] | None, text: str | None) -> list[dict[str, Any]]:
    """The elements to write for ``text`` (Markdown) where ``old`` (as Notion answered) is
    there now: the old elements where the text reads the same, character by character; new
    text elsewhere, with the underline and colour of the old text it replaces. A mention or
    an equation stays only where its whole text and style are unchanged (else it becomes
    its text, the closest form)."""
    new = _merged(_runs(text)) if text else []
    if not old or not special(old):
        return md_to_rich(text)
    old_runs = [(_plain(p), _style(p)) for p in old]
    if _merged(old_runs) == new:
        return fit([_written(p) for p in old])  # unchanged: exactly as it is
    # each old character: (the element it belongs to, its offset there)
    owner = [(i, k) for i, (t, _) in enumerate(old_runs) for k in range(len(t))]
    old_text = "".join(t for t, _ in old_runs)
    new_text = "".join(t for t, _ in new)
    styles = [style for t, style in new for _ in t]
    source = _sources(old_text, new_text)  # new character -> old character
    out: list[dict[str, Any]] = []
    j = 0
    while j < len(new_text):
        src = source[j]
        part = owner[src][0] if src is not None else None
        k = j + 1  # the segment: same new style, consecutive characters of the same element
        while k < len(new_text) and styles[k] == styles[j] and (
                (src is None and source[k] is None) or (
                    src is not None and source[k] == src + k - j
                    and owner[source[k] or 0][0] == part)):
            k += 1
        if part is not None and owner[src or 0][1] == 0 and k - j == len(old_runs[part][0]) \
                and styles[j] == old_runs[part][1]:
            out.append(_written(old[part]))  # the whole element, unchanged
        else:
            near = part if part is not None else _nearest(source, owner, j)
            ann = (old[near].get("annotations") or {}) if near is not None else {}
            out += _element(new_text[j:k], styles[j], {
                key: ann[key] for key in EXTRA if ann.get(key) not in (None, False,
                                                                       "default")})
        j = k
    return fit(_joined(out))


def _tokens(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"\w+|\s+|[^\w\s]", text)]


def _sources(old: str, new: str) -> list[int | None]:
    """For each character of ``new``, the character of ``old`` it is (None: new text). The
    texts are compared word by word (words too common to tell apart in a long text, which
    difflib treats as junk, count as new and take the colour of the text before them), then
    character by character inside a changed stretch of a few words: a long text costs
    little, and a word edited in place keeps the rest."""
    source: list[int | None] = [None] * len(new)
    a, b = _tokens(old), _tokens(new)
    words = difflib.SequenceMatcher(None, [t for _, t in a], [t for _, t in b])
    for tag, a0, a1, b0, b1 in words.get_opcodes():
        if tag == "equal":
            for (i, t), (j, _) in zip(a[a0:a1], b[b0:b1], strict=True):
                for k in range(len(t)):
                    source[j + k] = i + k
        elif tag == "replace" and a1 - a0 <= 8 and b1 - b0 <= 8:
            i0, j0 = a[a0][0], b[b0][0]
            i1 = a[a1 - 1][0] + len(a[a1 - 1][1])
            j1 = b[b1 - 1][0] + len(b[b1 - 1][1])
            chars = difflib.SequenceMatcher(None, old[i0:i1], new[j0:j1], autojunk=False)
            for op, c0, _, d0, d1 in chars.get_opcodes():
                if op == "equal":
                    for k in range(d1 - d0):
                        source[j0 + d0 + k] = i0 + c0 + k
    return source


def _joined(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Neighbouring text elements of one style as one (then chunked again)."""
    out: list[dict[str, Any]] = []
    for part in parts:
        last = out[-1] if out else None
        if (last is not None and last.get("type") == part.get("type") == "text"
                and _shown(last) == _shown(part)
                and last["text"].get("link") == part["text"].get("link")):
            last["text"] = {**last["text"],
                            "content": last["text"]["content"] + part["text"]["content"]}
        else:
            out.append(dict(part))
    result: list[dict[str, Any]] = []
    for p in out:
        if p.get("type") != "text":
            result.append(p)
            continue
        result += [{**p, "text": {**p["text"], "content": piece}}
                   for piece in chunks(p["text"]["content"])]
    return result


def _shown(part: dict[str, Any]) -> dict[str, Any]:
    """The annotations that show (Notion answers every one, false or default included)."""
    return {k: v for k, v in (part.get("annotations") or {}).items()
            if v not in (None, False, "default")}


def _nearest(source: list[int | None], owner: list[tuple[int, int]], j: int) -> int | None:
    """The old element that new text at ``j`` replaces: the one before it in the text."""
    for i in range(j - 1, -1, -1):
        if source[i] is not None:
            return owner[source[i] or 0][0]
    return None

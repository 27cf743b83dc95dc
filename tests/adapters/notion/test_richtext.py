"""Markdown <-> Notion rich text: long styled runs split into elements of at most 2,000
UTF-16 code units that keep their annotations, and bold italic that reads back as written."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from adapters.notion.emu_richtext import utf16_len
from adapters.notion.richtext import chunks, md_to_rich, normalise, rich_to_md


def _notion(parts: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """What Notion answers for what was written: plain_text and every annotation filled in."""
    out = []
    for p in parts:
        ann = {"bold": False, "italic": False, "strikethrough": False, "underline": False,
               "code": False, "color": "default"} | p.get("annotations", {})
        link = p["text"]["link"]
        out.append({"type": "text", "text": p["text"], "annotations": ann,
                    "plain_text": p["text"]["content"], "href": link["url"] if link else None})
    return out


def test_plain_text_is_chunked() -> None:
    parts = md_to_rich("x" * 4500)
    assert [len(p["text"]["content"]) for p in parts] == [2000, 2000, 500]


def test_a_long_styled_run_keeps_its_annotations_in_every_chunk() -> None:
    text = "**" + "b" * 2500 + "**"
    parts = md_to_rich(text)
    assert [(len(p["text"]["content"]), p["annotations"]) for p in parts] == \
        [(2000, {"bold": True}), (500, {"bold": True})]
    assert rich_to_md(_notion(parts)) == text


def test_a_long_link_keeps_its_url_in_every_chunk() -> None:
    text = "[" + "a" * 2100 + "](https://ex.org/x)"
    parts = md_to_rich(text)
    assert [p["text"]["link"] for p in parts] == [{"url": "https://ex.org/x"}] * 2
    assert rich_to_md(_notion(parts)) == text


def test_chunks_count_utf16_units_and_never_split_a_character() -> None:
    text = "a" + "😀" * 1500  # 1 + 3000 units
    pieces = chunks(text)
    assert "".join(pieces) == text
    assert [utf16_len(p) for p in pieces] == [1999, 1002]


def test_bold_italic_reads_back_as_written() -> None:
    real = [{"type": "text", "text": {"content": "x", "link": None},
             "annotations": {"bold": True, "italic": True, "strikethrough": False,
                             "underline": False, "code": False, "color": "default"},
             "plain_text": "x", "href": None}]
    assert rich_to_md(real) == "**_x_**"
    assert md_to_rich("**_x_**") == [{"type": "text", "text": {"content": "x", "link": None},
                                      "annotations": {"bold": True, "italic": True}}]
    assert md_to_rich("***x***") == md_to_rich("**_x_**")
    assert normalise("a ***x*** b") == "a **_x_** b"


def test_nested_marks() -> None:
    for text in ("a **b** *c* `d` [e](https://x.org/y) f", "[**x**](https://x.org)",
                 "**`x`**", "*`x` y*", "**a _b_ c**", "**_[x](https://x.org)_**"):
        assert rich_to_md(_notion(md_to_rich(text))) == normalise(text)
    assert normalise("[**x**](https://x.org)") == "[**x**](https://x.org)"
    assert normalise("**a _b_ c**") == "**a _b_ c**"
    assert normalise("_a **b** c_") == "_a **b** c_"  # italic around bold


words = st.text(alphabet=st.characters(categories=("Ll", "Lu", "Nd"),
                                       include_characters="😀é"), min_size=1, max_size=8)
long_words = st.builds(lambda w, n: w * n, words, st.integers(200, 700))
word = words | long_words
styled = st.one_of(word, word.map(lambda w: f"**{w}**"), word.map(lambda w: f"*{w}*"),
                   word.map(lambda w: f"**_{w}_**"), word.map(lambda w: f"`{w}`"),
                   word.map(lambda w: f"**`{w}`**"),
                   st.builds(lambda w, u: f"[{w}](https://ex.org/{u})", word, words),
                   st.builds(lambda w, u: f"[**_{w}_**](https://ex.org/{u})", word, words))
markdown = st.lists(styled, min_size=1, max_size=8).map(" ".join)


@given(markdown)
def test_markdown_round_trips_through_rich_text(text: str) -> None:
    parts = md_to_rich(text)
    assert all(utf16_len(p["text"]["content"]) <= 2000 for p in parts)
    assert rich_to_md(_notion(parts)) == text


marks = st.frozensets(st.sampled_from(["bold", "italic", "code"]))
links = st.none() | st.sampled_from(["https://ex.org/a", "https://ex.org/b"])


@st.composite
def notion_runs(draw: st.DrawFn) -> list[tuple[str, frozenset[str], str | None]]:
    """Styled words as a person makes them in Notion: the space between two words carries the
    marks (and link) both have, as when a phrase is styled at once."""
    styled = draw(st.lists(st.tuples(word, marks, links), min_size=1, max_size=6))
    runs = [styled[0]]
    for prev, cur in itertools.pairwise(styled):
        runs.append((" ", prev[1] & cur[1], prev[2] if prev[2] == cur[2] else None))
        runs.append(cur)
    return runs


@given(notion_runs())
def test_notion_styling_round_trips_through_markdown(
        runs: list[tuple[str, frozenset[str], str | None]]) -> None:
    real = _notion([{"type": "text", "text": {"content": t, "link": {"url": u} if u else None},
                     "annotations": {m: True for m in ms}} for t, ms, u in runs])
    md = rich_to_md(real)
    back = _notion(md_to_rich(md))

    def spans(parts: list[dict]) -> list[tuple[str, frozenset[str], str | None]]:  # type: ignore[type-arg]
        out: list[tuple[str, frozenset[str], str | None]] = []
        for p in parts:
            key = (frozenset(m for m in ("bold", "italic", "code") if p["annotations"][m]),
                   p["href"])
            if out and out[-1][1:] == key:
                out[-1] = (out[-1][0] + p["plain_text"], *key)
            else:
                out.append((p["plain_text"], *key))
        return out
    assert spans(back) == spans(real), md

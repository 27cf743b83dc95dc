"""Markdown <-> Notion rich text: long styled runs split into elements of at most 2,000
UTF-16 code units that keep their annotations, and bold italic that reads back as written."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from adapters.notion.emu_richtext import utf16_len
from adapters.notion.richtext import chunks, md_to_rich, merge, normalise, rich_to_md


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

    def seen(parts: list[dict]) -> list[tuple[str, frozenset[str], str | None]]:  # type: ignore[type-arg]
        """Each character with the marks it shows: a space's bold or italic does not show
        (and Markdown cannot say it: "** x**" is not bold)."""
        out = []
        for p in parts:
            marks = frozenset(m for m in ("bold", "italic", "code") if p["annotations"][m])
            for ch in p["plain_text"]:
                shown = marks if not ch.isspace() or "code" in marks else frozenset()
                out.append((ch, shown, p["href"]))
        return out
    assert seen(back) == seen(real), md


def _ann(**on: object) -> dict:  # type: ignore[type-arg]
    return {"bold": False, "italic": False, "strikethrough": False, "underline": False,
            "code": False, "color": "default"} | on


def _text(text: str, **on: object) -> dict:  # type: ignore[type-arg]
    return {"type": "text", "text": {"content": text, "link": None}, "annotations": _ann(**on),
            "plain_text": text, "href": None}


MENTION = {"type": "mention", "mention": {"type": "user", "user": {"object": "user", "id": "u1"}},
           "annotations": _ann(), "plain_text": "@Ana", "href": None}
EQUATION = {"type": "equation", "equation": {"expression": "E=mc^2"}, "annotations": _ann(),
            "plain_text": "E=mc^2", "href": None}


def _as_written(p: dict) -> dict:  # type: ignore[type-arg]
    """An element as a write gives it back: without Notion's read-only keys, a mention with
    only its id (Notion answers more about the user than a write may carry)."""
    out = {k: v for k, v in p.items() if k not in ("plain_text", "href")}
    if p["type"] == "mention":
        out["mention"] = {"type": "user", "user": {"id": p["mention"]["user"]["id"]}}
    return out


def test_a_mention_the_api_cannot_write_is_kept_as_its_linked_text() -> None:
    preview = {"type": "mention", "mention": {"type": "link_preview", "link_preview": {
        "url": "https://github.com/o/r/pull/1"}}, "annotations": _ann(),
        "plain_text": "o/r#1", "href": "https://github.com/o/r/pull/1"}
    old = [_text("See "), preview, _text(" today", color="red")]
    md = rich_to_md(old)
    assert md == "See [o/r#1](https://github.com/o/r/pull/1) today"
    got = merge(old, md.replace("today", "tomorrow"))
    assert [p["type"] for p in got if p["type"] != "text"] == []
    assert any(p["text"]["link"] == {"url": "https://github.com/o/r/pull/1"}
               and p["text"]["content"] == "o/r#1" for p in got)


def _visible(parts: list[dict]) -> str:  # type: ignore[type-arg]
    return "".join(p["plain_text"] for p in _notion_all(parts))


def test_unchanged_text_keeps_mentions_equations_and_colours_exactly() -> None:
    old = [_text("Call "), MENTION, _text(" about "), EQUATION, _text(" today", color="red")]
    md = rich_to_md(old)
    assert md == "Call @Ana about E=mc^2 today"  # what the other services see
    kept = merge(old, md)
    assert kept == [_as_written(p) for p in old]


def test_an_edit_elsewhere_keeps_the_mention_and_the_colour_of_the_text_it_replaces() -> None:
    old = [_text("Call "), MENTION, _text(" today", color="red")]
    got = merge(old, "Call @Ana **tomorrow**")
    assert got[1] == _as_written(MENTION)
    assert _visible(got) == "Call @Ana tomorrow"
    tail = [p for p in got if p.get("type") == "text" and "morrow" in p["text"]["content"]]
    assert tail and all(p["annotations"].get("color") == "red" for p in tail)
    assert any(p["annotations"].get("bold") for p in tail)


def test_an_edited_mention_becomes_its_text() -> None:
    got = merge([_text("Call "), MENTION], "Call @Anna")
    assert [p["type"] for p in got] == ["text"]
    assert _visible(got) == "Call @Anna"


def test_without_anything_markdown_cannot_say_merge_is_a_plain_write() -> None:
    assert merge([_text("a")], "**b**") == md_to_rich("**b**")
    assert merge(None, "x") == md_to_rich("x")


specials = st.sampled_from([MENTION, EQUATION, _text("red", color="red"),
                            _text("under", underline=True)])


@given(st.lists(st.one_of(words.map(_text), specials), min_size=1, max_size=5),
       st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3), words), max_size=3))
def test_merge_writes_the_new_text_and_keeps_every_untouched_element(
        old: list[dict], edits: list[tuple[int, int, str]]) -> None:  # type: ignore[type-arg]
    md = rich_to_md(old) or ""
    for at, cut, put in edits:  # edits of the Markdown, as another service's user makes
        at = min(at, len(md))
        md = md[:at] + put + md[at + cut:]
    got = merge(old, md)
    assert rich_to_md(_notion_all(got)) == normalise(md)
    for part in old:  # an element whose text is still there whole, alone, is kept
        if part.get("type") != "text" and md == rich_to_md(old):
            assert _as_written(part) in got


def _notion_all(parts: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """What Notion answers: text elements filled in as :func:`_notion` does, others as they
    were (a kept mention answers its plain_text again)."""
    out = []
    for p in parts:
        if p.get("type") == "text":
            out += _notion([p])
        else:
            original = next(o for o in (MENTION, EQUATION) if o["type"] == p["type"])
            out.append(p | {"plain_text": original["plain_text"], "href": None})
    return out

"""ADF <-> Markdown: the supported structures round-trip both ways; unknown nodes survive."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.jira.adf import from_markdown, lossy, merge, to_markdown

words = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1,
                max_size=8)
inline = st.lists(st.one_of(words, words.map(lambda w: f"**{w}**"), words.map(lambda w: f"*{w}*"),
                            words.map(lambda w: f"`{w}`"),
                            words.map(lambda w: f"[{w}](https://ex.org/{w})")),
                  min_size=1, max_size=5).map(" ".join)
block = st.one_of(
    inline,
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 6), inline),
    st.lists(inline, min_size=1, max_size=3).map(lambda xs: "\n".join(f"- {x}" for x in xs)),
    st.lists(inline, min_size=1, max_size=3).map(
        lambda xs: "\n".join(f"{i}. {x}" for i, x in enumerate(xs, 1))),
    st.builds(lambda lang, code: f"```{lang}\n{code}\n```", st.sampled_from(["", "python"]),
              words),
)


def _apart(blocks: list[str]) -> str:
    """Blocks as a document, a list right after a list of its kind written with the other
    bullet, as to_markdown writes it (with the same bullet Markdown reads one list)."""
    out: list[str] = []
    for b in blocks:
        prev = out[-1] if out else ""
        if b.startswith("- ") and prev.startswith("- "):
            b = b.replace("- ", "* ")
        elif b[:1].isdigit() and b[1:3] == ". " and prev[:1].isdigit() and prev[1:3] == ". ":
            b = "\n".join(line.replace(". ", ") ", 1) for line in b.split("\n"))
        out.append(b)
    return "\n\n".join(out)


documents = st.lists(block, min_size=1, max_size=5).map(_apart)


@given(documents)
def test_markdown_survives_adf_and_back(md: str) -> None:
    assert to_markdown(from_markdown(md)) == md


@given(documents)
def test_adf_survives_markdown_and_back(md: str) -> None:
    adf = from_markdown(md)
    assert from_markdown(to_markdown(adf)) == adf


def test_unknown_nodes_and_marks_are_kept_not_lost() -> None:
    """A table travels whole (hidden in a comment); a mention and a colour show as their text
    elsewhere and stay in Jira while that text is unchanged (issue 15)."""
    table = {"type": "table", "attrs": {"layout": "default"}, "content": [
        {"type": "tableRow", "content": [{"type": "tableCell", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "cell"}]}]}]}]}
    colored = {"type": "text", "text": "red", "marks": [
        {"type": "textColor", "attrs": {"color": "#ff0000"}}]}
    mention = {"type": "mention", "attrs": {"id": "abc", "text": "@Ana"}}
    adf = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "see "}, colored, mention]},
        table]}
    md = to_markdown(adf)
    assert md is not None and md.startswith("see red@Ana\n\n<!--adf:")  # what others show
    assert lossy(adf) and from_markdown(md) == _doc(_para(_text("see red@Ana")), table)
    assert merge(adf, md) == adf  # unchanged: Jira keeps the mention and the colour
    edited = merge(adf, md + "\n\nand a new line")
    assert edited is not None and edited["content"][:2] == adf["content"]
    changed = merge(adf, md.replace("see", "ask"))
    assert changed is not None and changed["content"][0] == _para(_text("ask red@Ana"))


def test_inline_nodes_show_as_their_closest_text() -> None:
    card = {"type": "inlineCard", "attrs": {"url": "https://ex.org/x"}}
    date = {"type": "date", "attrs": {"timestamp": "1796083200000"}}  # 2026-12-01 UTC
    emoji = {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}}
    status = {"type": "status", "attrs": {"text": "IN REVIEW", "color": "blue"}}
    md = to_markdown(_doc(_para(card, _text(" "), date, _text(" "), emoji, _text(" "), status)))
    assert md == "[https://ex.org/x](https://ex.org/x) 2026-12-01 😄 IN REVIEW"


def test_empty() -> None:
    assert to_markdown(None) is None and from_markdown(None) is None and from_markdown("") is None


def _doc(*blocks: dict) -> dict:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def _para(*nodes: dict) -> dict:
    return {"type": "paragraph", "content": list(nodes)}


def _text(text: str, *marks: str, href: str | None = None) -> dict:
    node: dict = {"type": "text", "text": text}
    ms = [{"type": m} for m in marks]
    if href is not None:
        ms.append({"type": "link", "attrs": {"href": href}})
    if ms:
        node["marks"] = ms
    return node


def test_text_that_looks_like_markdown_stays_text() -> None:
    for literal in ("- not a list", "1. not a list either", "# not a heading", "**not bold**",
                    "a*b*c", "snake_case_name", "[x](y)", "back\\slash", "`tick`", "```"):
        adf = _doc(_para(_text(literal)))
        assert from_markdown(to_markdown(adf)) == adf, literal


def test_a_paragraph_starting_with_a_fence_does_not_swallow_the_next_one() -> None:
    adf = _doc(_para(_text("```1")), _para(_text("1")))  # found by Hypothesis
    assert from_markdown(to_markdown(adf)) == adf


def test_plain_text_is_not_escaped_when_it_needs_no_escaping() -> None:
    assert to_markdown(_doc(_para(_text("2*3 = 6 and a_b")))) == "2*3 = 6 and a_b"


def test_nested_marks_survive() -> None:
    adf = _doc(_para(_text("both", "strong", "em"), _text(" and "),
                     _text("bold link", "strong", href="https://ex.org/a"), _text(" "),
                     _text("code link", "code", href="https://ex.org/(b)")))
    md = to_markdown(adf)
    assert md is not None and "<!--adf" not in md  # plain Markdown, not a kept blob
    assert from_markdown(md) == adf


def test_what_markdown_cannot_say_is_kept_whole() -> None:
    titled = _text("t", href="https://ex.org")
    titled["marks"][0]["attrs"]["title"] = "a title"
    for block in (_para(titled), {"type": "paragraph"},
                  {"type": "heading", "attrs": {"level": 2},
                   "content": [_text("a"), {"type": "hardBreak"}, _text("b")]}):
        adf = _doc(_para(_text("before")), block)
        assert from_markdown(to_markdown(adf)) == adf


specials = st.text(alphabet="ab *_#-.1[]()`\\!<>", min_size=1, max_size=12)
marks = st.sets(st.sampled_from(["strong", "em", "code"]), max_size=2)


@st.composite
def paragraphs(draw: st.DrawFn) -> dict:
    nodes: list[dict] = []
    for text, ms in draw(st.lists(st.tuples(specials, marks), min_size=1, max_size=4)):
        if "code" in ms and "`" in text:
            continue  # inline code cannot hold a backtick in Markdown
        node = _text(text, *sorted(ms, key=["code", "strong", "em"].index))
        if nodes and nodes[-1].get("marks") == node.get("marks"):
            nodes[-1]["text"] += text  # ADF joins equal neighbours
        else:
            nodes.append(node)
    return _para(*nodes) if nodes else _para(_text("x"))


@given(st.lists(paragraphs(), min_size=1, max_size=3))
def test_any_text_and_marks_survive_markdown_and_back(blocks: list[dict]) -> None:
    adf = _doc(*blocks)
    assert from_markdown(to_markdown(adf)) == adf


def test_a_comment_that_holds_no_node_is_text_not_a_crash() -> None:
    for md in ("see <!--adf:not json--> here", "<!--adf:{oops-->", "<!--adf:[1,2]-->"):
        adf = from_markdown(md)
        assert adf is not None and to_markdown(adf) == md


@given(st.text(alphabet="ab *_#-.1[]()`\\!<>\n", min_size=1, max_size=30))
def test_markdown_settles_after_one_trip(md: str) -> None:
    """What Jira reads back from any Markdown reads back the same again: the adapter declares
    that spelling (represent), so another service's text is rewritten at most once."""
    once = to_markdown(from_markdown(md))
    assert to_markdown(from_markdown(once)) == once


def _list(kind: str, *items: list[dict], order: int = 1) -> dict:
    node: dict = {"type": kind, "content": [{"type": "listItem", "content": list(item)}
                                            for item in items]}
    if order != 1:
        node["attrs"] = {"order": order}
    return node


def test_every_common_spelling_reads_as_it_renders() -> None:
    """CommonMark as people type it in Todoist or Notion: ``*`` bullets, ``1)`` lists, nested
    lists, quotes, strikethrough, a link whose URL holds parentheses (issue 15)."""
    md = ("* one\n* two\n  * nested\n\n3) third\n4) fourth\n\n> quoted **bold**\n\n"
          "~~gone~~ and [x](http://e.com/a_(b))\n\n---")
    assert from_markdown(md) == _doc(
        _list("bulletList", [_para(_text("one"))],
              [_para(_text("two")), _list("bulletList", [_para(_text("nested"))])]),
        _list("orderedList", [_para(_text("third"))], [_para(_text("fourth"))], order=3),
        {"type": "blockquote", "content": [_para(_text("quoted "), _text("bold", "strong"))]},
        _para(_text("gone", "strike"), _text(" and "), _text("x", href="http://e.com/a_(b)")),
        {"type": "rule"})
    back = to_markdown(from_markdown(md))
    assert back is not None and "<!--adf" not in back  # all of it plain Markdown
    assert from_markdown(back) == from_markdown(md)


def test_two_lists_in_a_row_stay_two_lists() -> None:
    adf = _doc(_list("bulletList", [_para(_text("a"))]), _list("bulletList", [_para(_text("b"))]),
               _list("orderedList", [_para(_text("c"))]), _list("orderedList", [_para(_text("d"))]))
    md = to_markdown(adf)
    assert md == "- a\n\n* b\n\n1. c\n\n1) d"
    assert from_markdown(md) == adf


def test_links_are_kept_as_typed() -> None:
    for href in ("https://ex.org/µ", "https://ex.org/a b", "javascript:alert(1)",
                 "https://ex.org/?q=a&b=c"):
        adf = _doc(_para(_text("x", href=href)))
        assert from_markdown(to_markdown(adf)) == adf, href


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> dict:
    """An ADF block: a paragraph, a quote of paragraphs, or a list whose items may hold a
    nested list (two levels)."""
    kind = draw(st.sampled_from(["paragraph", "quote", "bulletList", "orderedList"]
                                if depth < 2 else ["paragraph"]))
    if kind == "paragraph":
        return draw(paragraphs())
    if kind == "quote":
        return {"type": "blockquote", "content": draw(st.lists(paragraphs(), min_size=1,
                                                               max_size=2))}
    items = []
    for _ in range(draw(st.integers(1, 3))):
        item = [draw(paragraphs())]
        if depth < 1 and draw(st.booleans()):
            nested = draw(trees(depth + 1))
            if nested["type"] in ("bulletList", "orderedList"):
                item.append(nested)
        items.append(item)
    return _list(kind, *items, order=draw(st.sampled_from([1, 1, 5])) if
                 kind == "orderedList" else 1)


@given(st.lists(trees(), min_size=1, max_size=4))
def test_any_nested_document_survives_markdown_and_back(blocks: list[dict]) -> None:
    adf = _doc(*blocks)
    assert from_markdown(to_markdown(adf)) == adf

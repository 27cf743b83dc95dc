"""ADF <-> Markdown: the supported structures round-trip both ways; unknown nodes survive."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.jira.adf import from_markdown, to_markdown

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
documents = st.lists(block, min_size=1, max_size=5).map("\n\n".join)


@given(documents)
def test_markdown_survives_adf_and_back(md: str) -> None:
    assert to_markdown(from_markdown(md)) == md


@given(documents)
def test_adf_survives_markdown_and_back(md: str) -> None:
    adf = from_markdown(md)
    assert from_markdown(to_markdown(adf)) == adf


def test_unknown_nodes_and_marks_are_kept_not_lost() -> None:
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
    assert md is not None and "see " in md
    assert from_markdown(md) == adf


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

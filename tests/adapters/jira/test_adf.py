"""ADF <-> Markdown: the supported structures round-trip both ways; unknown nodes survive."""

from __future__ import annotations

from hypothesis import given, settings
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


@settings(max_examples=300)
@given(documents)
def test_markdown_survives_adf_and_back(md: str) -> None:
    assert to_markdown(from_markdown(md)) == md


@settings(max_examples=200)
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

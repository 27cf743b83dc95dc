"""What Markdown shows only as text stays in Jira (issue 15): a mention and a colour in an
issue's description survive an edit of another paragraph made elsewhere, over the emulator."""

from __future__ import annotations

from typing import Any

from tests.adapters.jira.conftest import JiraHarness

MENTION = {"type": "mention", "attrs": {"id": "u1-account", "text": "@Ana"}}
RED = {"type": "text", "text": "urgent", "marks": [
    {"type": "textColor", "attrs": {"color": "#ff5630"}}]}


def _para(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(nodes)}


def test_a_description_edited_elsewhere_keeps_its_mention_and_colour(
        harness: JiraHarness) -> None:
    first = _para({"type": "text", "text": "Ask "}, MENTION, {"type": "text", "text": ", "},
                  RED)
    doc = {"type": "doc", "version": 1, "content": [
        first, _para({"type": "text", "text": "Second paragraph"})]}
    issue = harness.emu.create({"project": {"key": harness.sandbox.options["project"]},
                                "issuetype": {"name": "Task"}, "summary": "Offsite",
                                "description": doc})
    got = harness.adapter.get(str(issue["id"]))
    assert got is not None
    assert got.item.description == "Ask @Ana, urgent\n\nSecond paragraph"  # as others show it
    edited = got.item.model_copy(update={
        "description": "Ask @Ana, urgent\n\nSecond paragraph, edited in Todoist"})
    harness.adapter.update(got.ref, edited, fields=frozenset({"description"}),
                           expected_version=got.version, idempotency_key="k")
    stored = harness.emu._by_key(issue["key"])["fields"]["description"]
    assert stored["content"][0] == first  # the mention and the colour, as they were
    assert stored["content"][1] == _para({"type": "text",
                                          "text": "Second paragraph, edited in Todoist"})

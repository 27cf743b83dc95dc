"""The copy header and its marker (adapters.toolkit.comments): written and read back, with
every service's spelling of the emphasis, and a copy whose marker was lost still a copy."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from adapters.toolkit import comments as text

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=200))
def test_render_then_parse_gives_the_thread_and_the_body(author: str, body: str) -> None:
    md = text.render(thread="ab12cd34ef", author=author, service="Jira", at=AT,
                     link="https://x.example/browse/OPS-1", body=body)
    parsed = text.parse(md)
    assert parsed.thread == "ab12cd34ef"
    assert parsed.body == text.normalise(body)


def test_a_header_whose_link_a_service_dropped_is_still_a_copy() -> None:
    for head in ("*Ana Lima on Jira · 2026-12-01 09:30 UTC*",
                 "_Ana Lima on Jira · 2026-12-01 09:30 UTC_",
                 "Ana Lima on Jira · 2026-12-01 09:30 UTC"):
        parsed = text.parse(f"{head}\n\nthe words")
        assert parsed.unmarked_copy and parsed.thread is None and parsed.body == "the words"
    person = text.parse("I met Ana on Monday.\n\nShe agreed.")
    assert not person.unmarked_copy and person.body == "I met Ana on Monday.\n\nShe agreed."


def test_a_long_comment_is_shortened_within_the_limit_keeping_the_header() -> None:
    md = text.render(thread="ab12cd34ef", author="Ana", service="Jira", at=AT,
                     link="https://x.example/a", body="x" * 1000, limit=200)
    assert len(md) <= 200 and text.parse(md).thread == "ab12cd34ef"
    assert "shortened" in md


def test_a_reply_quoting_a_copy_is_a_persons_comment() -> None:
    """Quoting a copy (header, marker and all) at the top of a reply does not make the reply
    ours: it is copied like any comment, never taken for (or "edited" into) the copy."""
    md = text.render(thread="ab12cd34ef", author="Ana", service="Jira", at=AT,
                     link="https://x.example/browse/OPS-1", body="Ship it?")
    quoted = "\n".join(f"> {line}" for line in md.split("\n")) + "\n\nYes, on Friday."
    parsed = text.parse(quoted)
    assert (parsed.thread, parsed.unmarked_copy) == (None, False)
    assert parsed.body == text.normalise(quoted)
    plain = text.parse("> *Ana on Jira · 2026-12-01 09:30 UTC*\n\nAgreed.")
    assert (plain.thread, plain.unmarked_copy) == (None, False)

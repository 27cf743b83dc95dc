"""Notion's limits as the emulator answers them (https://developers.notion.com/reference/
request-limits): an average of three requests a second per integration, a 429
``rate_limited`` with ``Retry-After`` in whole seconds beyond it (off unless asked for, as in
unit tests); arrays of at most 100 elements a request (rich text, options, people, related
pages, children), a 400 ``validation_error`` beyond; and the adapter writing within them."""

from __future__ import annotations

import httpx
import pytest

from adapters.notion import richtext
from hub.errors import ValidationRejected
from hub.model import Item
from tests.adapters.notion.conftest import HEADERS, NotionHarness, build


def _runs(n: int) -> str:
    """Markdown with ``2n`` style runs (bold, plain, bold, ...)."""
    return " ".join(f"**w{i}** and" for i in range(n))


def test_no_rate_limit_unless_asked_for(harness: NotionHarness) -> None:
    with httpx.Client(base_url=harness.emu.base_url, headers=HEADERS) as http:
        codes = {http.get("/v1/users/me").status_code for _ in range(20)}
    assert codes == {200}


def test_over_three_a_second_is_429_rate_limited_with_retry_after(harness: NotionHarness
                                                                  ) -> None:
    emu = harness.emu
    now = [100.0]
    emu.rate.clock = lambda: now[0]  # the window's clock, moved by hand: the test never sleeps
    emu.rps = 3
    with httpx.Client(base_url=emu.base_url, headers=HEADERS) as http:
        assert [http.get("/v1/users/me").status_code for _ in range(3)] == [200] * 3
        now[0] += 0.4
        refused = http.get("/v1/users/me")
        assert refused.status_code == 429
        body = refused.json()
        assert body["object"] == "error" and body["status"] == 429
        assert body["code"] == "rate_limited" and body["request_id"]
        assert refused.headers["Retry-After"] == "1"  # an integer number of seconds
        now[0] += 0.6  # "requests made after waiting this minimum ... no longer limited"
        assert http.get("/v1/users/me").status_code == 200
        emu.rps = None  # off again
        assert {http.get("/v1/users/me").status_code for _ in range(10)} == {200}


def test_arrays_over_100_elements_are_400_validation_error(harness: NotionHarness) -> None:
    many = [{"type": "text", "text": {"content": "x"}} for _ in range(101)]
    with httpx.Client(base_url=harness.emu.base_url, headers=HEADERS) as http:
        page = http.post("/v1/pages", json={
            "parent": {"data_source_id": harness.ds},
            "properties": {"Name": {"title": [{"text": {"content": "p"}}]}}}).json()
        for props in ({"Description": {"rich_text": many}},
                      {"Tags": {"multi_select": [{"name": f"t{i}"} for i in range(101)]}}):
            answer = http.patch(f"/v1/pages/{page['id']}", json={"properties": props})
            assert answer.status_code == 400, answer.text
            assert answer.json()["code"] == "validation_error"
            assert "length should be ≤ `100`, instead was `101`" in answer.json()["message"]
        block = http.patch(f"/v1/blocks/{page['id']}/children", json={"children": [
            {"paragraph": {"rich_text": many}}]})
        assert block.status_code == 400 and block.json()["code"] == "validation_error"
        fine = http.patch(f"/v1/pages/{page['id']}",
                          json={"properties": {"Description": {"rich_text": many[:100]}}})
        assert fine.status_code == 200


def test_rich_text_is_written_within_100_elements_and_2000_characters() -> None:
    parts = richtext.md_to_rich(_runs(80))  # 160 runs
    assert len(parts) == richtext.MAX_ELEMENTS
    assert richtext.rich_to_md(parts).replace("*", "") == _runs(80).replace("*", "")
    assert richtext.rich_to_md(parts).startswith("**w0** and **w1**")  # styles kept first
    long = richtext.md_to_rich("é" * 5000)
    assert [len(p["text"]["content"]) for p in long] == [2000, 2000, 1000]
    with pytest.raises(ValidationRejected):
        richtext.md_to_rich(_runs(60) + " " + "x" * 200_000)


def test_a_description_with_many_styles_is_written_in_one_accepted_request(
        harness: NotionHarness) -> None:
    a = harness.adapter
    a.map  # noqa: B018 (the schema)
    a._users()
    created = a.create(Item(title="t"), origin="L", idempotency_key="k")
    harness.emu.reset_counts()
    updated = a.update(created.ref, Item(title="t", description=_runs(80)),
                       fields=frozenset({"description"}), expected_version=None,
                       idempotency_key="u")
    assert harness.emu.total_requests == 1
    assert (updated.item.description or "").replace("*", "") == _runs(80).replace("*", "")


def test_body_mode_a_line_with_many_styles_is_accepted(harness: NotionHarness) -> None:
    a = build(harness.emu, harness.db, options={"targets": {"description": "body"}})
    text = _runs(80) + "\n" + "short"
    created = a.create(Item(title="b", description=text), origin="L", idempotency_key="k")
    got = a.get(created.ref)
    assert got is not None and got.item.description is not None
    assert got.item.description.replace("*", "") == text.replace("*", "")

"""Every recorded cassette of notion-sdk-py (``cassettes/``: 79 files, 334 calls of real Notion
traffic, API 2025-09-03) replayed against the Notion emulator over HTTP, one test per cassette.

Each cassette gets a fresh emulator, seeded with the workspace the calls were recorded in
(:func:`tests.adapters.notion.recorded.workspace`: the page the SDK's tests work under and the
workspace's users, the integration among them, all with their recorded ids). Then every recorded
request is sent as recorded (method, path, query, body; a valid token, or a wrong one where the
SDK sent a wrong one), and the emulator's answer must have the recorded status and the recorded
answer's shape (defined in :mod:`tests.adapters.notion.recorded`: key sets, JSON types, ``object``
and ``type`` values, dashed ids, timestamps, list lengths).

Ids the emulator makes differ from the recorded ones: where a recorded answer and ours hold an id
(``id``, ``*_id``, ``next_cursor``) at the same place, the recorded id stands for ours from then
on, and later requests name ours (dashed or not, as the recording wrote it).

An interaction that cannot match for a stated reason is allow-listed: :data:`NOT_EMULATED`
(endpoints the emulator does not serve) and :data:`DIFFERS` (single calls). A listed call that
starts matching fails the test (so the lists only shrink), as does a call that differs unlisted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from adapters.notion.emulator import NotionEmulator
from tests.adapters.notion.recorded import (
    BARE_UUID,
    UUID,
    Interaction,
    cassettes,
    integration,
    interactions,
    shape_diffs,
    workspace,
)

TOKEN = "secret-test"

#: endpoints the emulator does not serve, as a pattern of ``METHOD https://host/path``, and why;
#: every recorded call to one is expected to differ (the emulator answers 400
#: ``invalid_request_url`` for a path it does not know, as Notion does)
NOT_EMULATED: dict[str, str] = {
    r"^GET https://mock\.httpstatus\.io/":
        "not a Notion call: the SDK's test fetches mock.httpstatus.io/400 to see how a "
        "non-JSON 400 is raised; the emulator serves Notion's API only",
    r"^\w+ https://api\.notion\.com/v1/views\b":
        "database views (/v1/views, their queries) are not emulated: synchub and the tools "
        "it works with read data sources (query, filter, sort) directly",
    r"^\w+ https://api\.notion\.com/v1/file_uploads\b":
        "file uploads (create, send, list, retrieve) are not emulated: the emulator stores no "
        "files, and synchub syncs no attachments",
    r"^\w+ https://api\.notion\.com/v1/pages/[^/]+/markdown$":
        "the markdown endpoints are not emulated: rendering blocks as Notion's enhanced "
        "markdown (and parsing it into blocks) is Notion's own converter",
    r"^GET https://api\.notion\.com/v1/async_tasks/":
        "async tasks are not emulated: only the markdown endpoints start one",
}

#: single recorded calls, ``cassette#index``, that differ, and why
DIFFERS: dict[str, str] = {}


def allowed(it: Interaction) -> str | None:
    """Why ``it`` may differ, if it is allow-listed."""
    for pattern, why in NOT_EMULATED.items():
        if re.search(pattern, it.line):
            return why
    return DIFFERS.get(f"{it.cassette}#{it.index}")


# -- replay --------------------------------------------------------------------------------


@dataclass
class Ids:
    """Recorded id -> the emulator's id for the same object (learnt from the answers)."""

    ours: dict[str, str] = field(default_factory=dict)

    def learn(self, real: Any, mine: Any) -> None:
        if isinstance(real, dict) and isinstance(mine, dict):
            for key in real.keys() & mine.keys():
                a, b = real[key], mine[key]
                if (key == "id" or key == "next_cursor" or key.endswith("_id")) and \
                        key != "request_id" and isinstance(a, str) and isinstance(b, str):
                    if UUID.match(a) and a != b:
                        self.ours.setdefault(a, b)
                else:
                    self.learn(a, b)
        elif isinstance(real, list) and isinstance(mine, list):
            for a, b in zip(real, mine, strict=False):
                self.learn(a, b)

    def apply(self, text: str) -> str:
        for real, mine in self.ours.items():
            text = text.replace(real, mine)
            if UUID.match(mine):
                text = text.replace(real.replace("-", ""), mine.replace("-", ""))
        return text


def _request(it: Interaction, ids: Ids) -> dict[str, Any]:
    parts = urlsplit(it.uri)
    target = ids.apply(parts.path + (f"?{parts.query}" if parts.query else ""))
    token = "wrong-token" if it.request.get("auth") == "invalid" else TOKEN
    headers = {"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"}
    if it.request.get("content_type"):
        headers["Content-Type"] = it.request["content_type"]
    body: str | None = None
    if "json" in it.request:
        body = json.dumps(it.request["json"], ensure_ascii=False, separators=(",", ":"))
    elif "text" in it.request:
        body = it.request["text"]
    content = ids.apply(body).encode() if body is not None else None
    return {"method": it.method, "url": target, "headers": headers, "content": content}


def differences(it: Interaction, resp: httpx.Response) -> list[str]:
    """How the emulator's answer differs from the recorded one (nothing: it matches)."""
    if resp.status_code != it.status:
        return [f"status {it.status} recorded, {resp.status_code} here: {resp.text[:160]}"]
    json_here = "json" in resp.headers.get("content-type", "")
    if not it.is_json or not json_here:
        if it.is_json != json_here:
            return [f"body: {'JSON' if it.is_json else 'text'} recorded, "
                    f"{resp.headers.get('content-type')} here"]
        return [] if resp.text == it.body else ["body: a different text"]
    return list(shape_diffs(it.body, resp.json()))


def replay(name: str) -> Iterator[tuple[Interaction, list[str]]]:
    """Each interaction of the cassette and how the emulator's answer differed."""
    emu = NotionEmulator(token=TOKEN)
    emu.seed(workspace(), integration=integration())
    emu.start()
    ids = Ids()
    try:
        with httpx.Client(base_url=emu.base_url, timeout=10) as http:
            for it in cassettes()[name]:
                resp = http.request(**_request(it, ids))
                diffs = differences(it, resp)
                if resp.status_code == it.status and it.is_json and \
                        "json" in resp.headers.get("content-type", ""):
                    ids.learn(it.body, resp.json())
                yield it, diffs
    finally:
        emu.stop()


@pytest.mark.parametrize("name", sorted(cassettes()))
def test_cassette_replays_with_the_recorded_status_and_shape(name: str) -> None:
    unexpected, fixed = [], []
    for it, diffs in replay(name):
        why = allowed(it)
        if diffs and why is None:
            unexpected.append(f"{it}\n    " + "\n    ".join(diffs[:8]))
        elif not diffs and why is not None:
            fixed.append(f"{it} matches now: take it off the allow-list ({why})")
    assert not unexpected, "the emulator differs from the recording:\n" + "\n".join(unexpected)
    assert not fixed, "\n".join(fixed)


# -- the allow-list and the seeding themselves ----------------------------------------------


def test_every_allow_list_entry_names_recorded_calls_and_says_why() -> None:
    lines = [it.line for it in interactions()]
    for pattern, why in NOT_EMULATED.items():
        assert any(re.search(pattern, line) for line in lines), f"{pattern} matches no call"
        assert len(why) > 40, pattern
    for key, why in DIFFERS.items():
        name, _, index = key.partition("#")
        assert name in cassettes() and int(index) < len(cassettes()[name]), key
        assert len(why) > 40, key


def _named_ids(it: Interaction) -> set[str]:
    """The ids a request names: in its path, query and body, dashed or not."""
    text = it.uri + json.dumps(it.request.get("json", it.request.get("text", "")))
    found = set()
    for token in re.findall(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}",
                            text):
        bare = token.replace("-", "")
        if BARE_UUID.match(bare):
            found.add(f"{bare[:8]}-{bare[8:12]}-{bare[12:16]}-{bare[16:20]}-{bare[20:]}")
    return found


def test_every_id_a_request_names_is_seeded_or_made_earlier_or_recorded_missing() -> None:
    """The seeded workspace is the whole workspace the calls needed: each id a recorded request
    names is in it, or was made by an earlier call of its cassette, or Notion answered 404."""
    seeded = {obj["id"] for obj in workspace()}
    for recorded in cassettes().values():
        known = set(seeded)
        for it in recorded:
            unknown = _named_ids(it) - known
            assert not unknown or it.status == 404 or allowed(it), f"{it}: {unknown}"
            if it.is_json:
                known |= {str(v) for v in _ids_in(it.body)}


def _ids_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for inner in value.values():
            if isinstance(inner, str) and UUID.match(inner):
                yield inner
            else:
                yield from _ids_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _ids_in(inner)

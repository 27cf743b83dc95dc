"""notion-sdk-py's recorded real traffic (``cassettes/``, trimmed; see its README): the
interactions, the workspace they were recorded in, and what "the same shape" of an answer is.

The shape of a JSON value, compared by :func:`shape_diffs` (recorded answer against ours):

- the JSON type: null, boolean, number (integer or not), array, object, and for strings the
  kind of string: a dashed UUID (``"393abc1e-edcd-80f3-813b-e205934558c6"``, so ids must have
  their dashes), an ISO 8601 timestamp, a date (``2022-12-16``), or any other string;
- an object: the same set of keys, each value of the same shape; the values of ``object`` and
  ``type`` (what an object is, which variant it is) are equal, and an error's ``code`` too;
- an array: the same length, element by element (each element the same shape, so of the same
  ``object`` and ``type``).

Values otherwise (names, texts, ids, times, urls) are the recording's own and may differ.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.conformance.shapes import json_type

CASSETTES = Path(__file__).parent / "cassettes"

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
BARE_UUID = re.compile(r"^[0-9a-f]{32}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
DISCRIMINATORS = ("object", "type")

#: the objects a workspace holds, and a key only their full form has (not a bare reference
#: such as ``{"object": "user", "id": ...}``)
KINDS = {"user": "type", "page": "properties", "database": "data_sources",
         "data_source": "properties", "block": "type", "comment": "rich_text"}


@dataclass(frozen=True)
class Interaction:
    cassette: str
    index: int
    method: str
    uri: str
    request: dict[str, Any]
    status: int
    response: dict[str, Any]

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def line(self) -> str:
        """``METHOD https://host/path``, what the allow-list's patterns are matched against."""
        parts = urlsplit(self.uri)
        return f"{self.method} {parts.scheme}://{parts.netloc}{parts.path}"

    @property
    def body(self) -> Any:
        """The answer's body: parsed JSON, or the text of a non-JSON one."""
        return self.response.get("json", self.response.get("text"))

    @property
    def is_json(self) -> bool:
        return "json" in self.response

    def __str__(self) -> str:
        return f"{self.cassette}#{self.index} {self.method} {self.uri}"


@functools.cache
def cassettes() -> dict[str, tuple[Interaction, ...]]:
    """Every cassette by name (its file's stem), its interactions in the order made."""
    out = {}
    for path in sorted(CASSETTES.glob("test_*.json")):
        data = json.loads(path.read_text())
        out[path.stem] = tuple(
            Interaction(path.stem, n, i["request"]["method"], i["request"]["uri"],
                        i["request"], i["response"]["status"], i["response"])
            for n, i in enumerate(data["interactions"]))
    return out


def interactions() -> Iterator[Interaction]:
    for recorded in cassettes().values():
        yield from recorded


def answers(cassette: str, method: str, path: str = "") -> list[Interaction]:
    """The cassette's ``method`` calls whose path matches the pattern ``path``, in order."""
    return [it for it in cassettes()[cassette]
            if it.method == method and re.search(path, it.path)]


def answer(cassette: str, method: str, path: str = "") -> Interaction:
    """The first of :func:`answers`."""
    return answers(cassette, method, path)[0]


def objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object with an ``object`` key in ``value``, outermost first."""
    if isinstance(value, dict):
        if "object" in value:
            yield value
        for inner in value.values():
            yield from objects(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from objects(inner)


def full_objects(kind: str) -> Iterator[dict[str, Any]]:
    """Every full recorded object of ``kind`` in every answer (an object answered several
    times, as it changed, is there each time)."""
    for it in interactions():
        if it.is_json and it.status < 300:
            for obj in objects(it.body):
                if obj["object"] == kind and KINDS[kind] in obj:
                    yield obj


def made_by(it: Interaction) -> set[str]:
    """The ids of the objects the call made: what a POST answers (a database with its data
    sources), the blocks an append answers."""
    body = it.body
    if it.status >= 300 or not isinstance(body, dict):
        return set()
    if it.method == "POST" and isinstance(body.get("id"), str):
        return {body["id"], *(ds["id"] for ds in body.get("data_sources") or [])}
    if it.method == "PATCH" and it.path.endswith("/children"):
        return {b["id"] for b in body.get("results") or []}
    return set()


@functools.cache
def created() -> frozenset[str]:
    return frozenset().union(*(made_by(it) for it in interactions()))


@functools.cache
def workspace() -> tuple[dict[str, Any], ...]:
    """The workspace as it was before the recorded calls: every full object answered that no
    call made (its first full form), in the order first seen. For these cassettes: the page
    the SDK's tests work under (shared with the integration) and the workspace's two users."""
    seen: dict[str, dict[str, Any]] = {}
    for it in interactions():
        if not it.is_json or it.status >= 300:
            continue
        for obj in objects(it.body):
            kind, ident = obj["object"], obj.get("id")
            if kind in KINDS and KINDS[kind] in obj and isinstance(ident, str) \
                    and ident not in created():
                seen.setdefault(ident, obj)
    return tuple(seen.values())


@functools.cache
def integration() -> str:
    """The id of the integration the cassettes were recorded with (``/v1/users/me``)."""
    me = next(it for it in interactions() if it.path == "/v1/users/me" and it.status == 200)
    return str(me.body["id"])


# -- shapes --------------------------------------------------------------------------------


def kind(value: Any) -> str:
    """A value's JSON type (as the conformance shapes name it), strings told apart further:
    ids, timestamps and dates."""
    if not isinstance(value, str):
        return json_type(value)
    text = value
    for name, pattern in (("uuid", UUID), ("timestamp", TIMESTAMP), ("date", DATE)):
        if pattern.match(text):
            return name
    return "string"


def shape_diffs(real: Any, ours: Any, where: str = "$") -> Iterator[str]:
    """Where ``ours`` is not of ``real``'s shape (the module's docstring says what that is)."""
    if kind(real) != kind(ours):
        yield f"{where}: {kind(real)} recorded, {kind(ours)} here ({json.dumps(ours)[:80]})"
        return
    if isinstance(real, dict):
        if set(real) != set(ours):
            yield (f"{where}: keys missing here {sorted(set(real) - set(ours))}, "
                   f"extra here {sorted(set(ours) - set(real))}")
        names = (*DISCRIMINATORS, "code") if real.get("object") == "error" else DISCRIMINATORS
        for key in names:
            if key in real and key in ours and real[key] != ours[key]:
                yield f"{where}.{key}: {real[key]!r} recorded, {ours[key]!r} here"
        for key in real.keys() & ours.keys():
            yield from shape_diffs(real[key], ours[key], f"{where}.{key}")
    elif isinstance(real, list):
        if len(real) != len(ours):
            yield f"{where}: {len(real)} elements recorded, {len(ours)} here"
        for n, (a, b) in enumerate(zip(real, ours, strict=False)):
            yield from shape_diffs(a, b, f"{where}[{n}]")

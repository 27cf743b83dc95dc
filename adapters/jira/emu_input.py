"""Reading a request to the Jira emulator as Jira reads it: a body that is not JSON, or not
of the shape an operation takes (an object where it wants one, a list where it wants a
list), and a query parameter that is not a number are Jira's 400 with its error body
(``{"errorMessages": [...], "errors": {}}``), never the emulator's 500. Jira's Java stack
answers these from its JSON reader (Jackson) before any field is looked at; the wording here
follows Jackson's first words ("Unexpected character", "No content to map", "Can not
deserialize"), the rest is the emulator's.

List query parameters (``fields``, ``properties``, ``expand``) are read as Jira reads them:
repeated (``fields=a&fields=b``) or comma-separated (``fields=a,b``), or both."""

from __future__ import annotations

import json
from typing import Any

from adapters.emulation import Request
from adapters.jira.emu_errors import JiraError

_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
          int: "a number", float: "a number", type(None): "null"}


def kind(value: Any) -> str:
    """What a JSON value is, in words (for an error message)."""
    return _KINDS.get(type(value), type(value).__name__)


def json_body(req: Request) -> Any:
    """The body as JSON (None when there is none); not JSON: Jira's 400."""
    if not req.body.strip():
        return None
    try:
        return json.loads(req.body)
    except UnicodeDecodeError:
        raise JiraError(400, ["Invalid UTF-8 start byte in the request body"]) from None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(exc.doc):
            raise JiraError(400, ["Unexpected end-of-input in the request body"]) from None
        char = exc.doc[exc.pos]
        raise JiraError(400, [f"Unexpected character ('{char}' (code {ord(char)})): "
                              f"{exc.msg.lower()}\n at [line: {exc.lineno}, column: "
                              f"{exc.colno}]"]) from None


def object_body(req: Request, *, required: bool = False) -> dict[str, Any]:
    """The body as a JSON object ({} when there is none, unless ``required``)."""
    data = json_body(req)
    if data is None and not required:
        return {}
    if data is None:
        raise JiraError(400, ["No content to map due to end-of-input"])
    return expect_object(data, "the request body")


def expect_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JiraError(400, [f"Can not deserialize {what}: expected an object, got "
                              f"{kind(value)}"])
    return value


def expect_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise JiraError(400, [f"Can not deserialize {what}: expected an array, got "
                              f"{kind(value)}"])
    return value


def number(value: Any, what: str, *, digits: bool = False) -> int:
    """An integer where the spec has one; with ``digits`` a string of digits too, as
    Jackson coerces it (the jira client sends ``timeSpentSeconds`` as the string it is
    given)."""
    if isinstance(value, str) and digits and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise JiraError(400, [f"Can not deserialize {what}: expected a number, got "
                              f"{kind(value)} {json.dumps(value)[:40]}"])
    return value


def query_int(req: Request, name: str, default: int) -> int:
    """An integer query parameter (``startAt``, ``maxResults``); not one: Jira's 400."""
    raw = req.q(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise JiraError(400, [f"The value '{raw}' of the query parameter '{name}' is not a "
                              "valid integer."]) from None


def query_list(req: Request, name: str) -> list[str]:
    """Every value of a list parameter, repeated or comma-separated."""
    return [part.strip() for raw in req.query.get(name) or [] for part in raw.split(",")
            if part.strip()]


def properties(value: Any) -> dict[str, Any]:
    """An issue's ``properties`` as a create or an edit carries them: a list of
    ``{"key", "value"}`` (EntityProperty)."""
    if value is None:
        return {}
    out = {}
    for entry in expect_list(value, "properties"):
        entry = expect_object(entry, "an entity property")
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            raise JiraError(400, [], {"properties": "The property key can not be empty."})
        if len(key) > 255:
            raise JiraError(400, [], {"properties": "The property key is too long."})
        out[key] = entry.get("value")
    return out

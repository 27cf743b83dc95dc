"""What the Calendar emulator checks in a request before acting on it, as Google does.

The body is read as JSON (Google's 400 ``parseError`` when it is not, or is not an object)
and checked against the request schema in the Calendar API's discovery document, the copy
google-api-python-client ships: a field the schema lacks is refused (Google: "Invalid JSON
payload received. Unknown name ..."), a value of the wrong JSON type too (400 ``invalid``),
and so are dates and date-times that do not read. Then the event's own rules: a ``timeZone``
must name a zone (Google: "Invalid time zone definition for start time.", reason
``invalid``), and each recurrence line must be an RRULE, EXRULE, RDATE or EXDATE that reads.

The wording of the type errors is the emulator's (Google's names the proto type); reasons
and statuses are Google's. These checks are for requests: what a test plants with the
emulator's helpers (``GcalEmulator.insert``) is stored as given.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path
from typing import Any

import googleapiclient

from adapters.gcal import recurrence
from adapters.gcal.emu_wire import GError

DOCUMENT = (Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
            / "calendar.v3.json")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "boolean": bool, "object": dict, "array": list,
    "integer": int, "number": (int, float)}


@functools.cache
def _schemas() -> dict[str, Any]:
    return dict(json.loads(DOCUMENT.read_text())["schemas"])


def parse_body(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object (an empty body is ``{}``)."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise GError(400, "Invalid JSON payload received. Unexpected token.",
                     "parseError") from None
    if not isinstance(data, dict):
        raise GError(400, "Invalid JSON payload received. Root element must be a message.",
                     "parseError")
    return data


def _invalid(where: str) -> GError:
    return GError(400, f"Invalid value at '{where}'", "invalid")


def _format_ok(value: str, fmt: str | None) -> bool:
    if fmt == "date":
        if not DATE_RE.match(value):
            return False
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
    elif fmt == "date-time":
        return bool(DATE_TIME_RE.match(value)) and recurrence.instant(value) is not None
    elif fmt in ("int64", "uint64"):
        return bool(re.fullmatch(r"-?\d+", value))
    return True


def _typed(value: Any, kind: str) -> bool:
    """Whether a JSON value is of the schema's type (an integer may come as a string of
    digits, as Google reads it; a boolean is no number)."""
    if kind == "integer" and isinstance(value, str):
        return value.lstrip("-").isdigit()
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, JSON_TYPES.get(kind, object))


def _check(value: Any, schema: dict[str, Any], where: str) -> None:
    """``value`` against a discovery schema; ``None`` is allowed (a patch clears a field)."""
    if value is None:
        return
    if "$ref" in schema:
        return _check(value, _schemas()[schema["$ref"]], where)
    kind = schema.get("type", "any")
    if kind == "any":
        return None
    if kind == "object" or "properties" in schema:
        return _object(value, schema, where)
    if not _typed(value, kind):
        raise _invalid(where)
    if kind == "array":
        for i, item in enumerate(value):
            _check(item, schema.get("items", {}), f"{where}[{i}]")
    elif kind == "string" and not _format_ok(value, schema.get("format")):
        raise _invalid(where)
    return None


def _object(value: Any, schema: dict[str, Any], where: str) -> None:
    if not isinstance(value, dict):
        raise _invalid(where)
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if key in props:
            _check(item, props[key], f"{where}.{key}")
        elif extra is not None:
            _check(item, extra, f"{where}.{key}")
        else:
            raise GError(400, f'Invalid JSON payload received. Unknown name "{key}" at '
                         f"'{where}': Cannot find field.", "invalid")


def body(data: dict[str, Any], schema: str) -> dict[str, Any]:
    """``data`` checked against the named request schema (``Event``, ``Calendar``...)."""
    _check(data, {"$ref": schema}, "resource")
    return data


def zones(ev: dict[str, Any]) -> None:
    """An event's ``timeZone`` names must be zones (checked on what a request sends)."""
    for key in ("start", "end"):
        name = (ev.get(key) or {}).get("timeZone")
        if name is not None and recurrence.known_zone(name) is None:
            raise GError(400, f"Invalid time zone definition for {key} time.", "invalid")


def calendar_zone(name: Any) -> None:
    if name is not None and recurrence.known_zone(name) is None:
        raise GError(400, "Invalid time zone definition.", "invalid")


def recurrence_lines(ev: dict[str, Any]) -> None:
    """Malformed recurrence is Google's 400."""
    lines = ev.get("recurrence")
    if lines is None:
        return
    try:
        recurrence.check_lines(list(lines))
    except (ValueError, TypeError):
        raise GError(400, "Invalid recurrence rule.", "invalid") from None


def zoned_times(ev: dict[str, Any]) -> None:
    """A ``dateTime`` written without an offset is a wall-clock time in its ``timeZone``, as
    Google reads it (and answers it with the offset); without either it is Google's 400. A
    zone this host does not know (planted by a test) leaves the time as it is."""
    for key in ("start", "end"):
        edge = ev.get(key)
        if not isinstance(edge, dict) or not edge.get("dateTime"):
            continue
        at = recurrence.instant(edge["dateTime"])
        if at is None or at.tzinfo is not None:
            continue
        if not edge.get("timeZone"):
            raise GError(400, f"Missing time zone definition for {key} time.", "required")
        zone = recurrence.known_zone(edge["timeZone"])
        if zone is not None:
            edge["dateTime"] = at.replace(tzinfo=zone).isoformat()


def times(ev: dict[str, Any], recurring_zone: bool = True) -> None:
    """Start and end are required; a recurring timed event needs a ``timeZone``."""
    for key in ("start", "end"):
        edge = ev.get(key)
        if not isinstance(edge, dict) or not (edge.get("date") or edge.get("dateTime")):
            raise GError(400, f"Missing {key} time.", "required")
    if recurring_zone and ev.get("recurrence") and "dateTime" in ev["start"] and \
            not ev["start"].get("timeZone"):
        raise GError(400, "Missing time zone definition for start time.", "required")

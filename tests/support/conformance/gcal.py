"""Google Calendar exchanges validated against the Calendar API's discovery document: the
copy googleapiclient ships and builds its requests from (``discovery_cache/documents/
calendar.v3.json``), so the check moves with the client synchub pins.

The document describes each method's path, parameters (location, type, enum, repeated,
required) and request and response schemas; its schemas become JSON Schemas here. Google
refuses a request body with a field its schema lacks ("Invalid JSON payload received.
Unknown name"), and answers only fields of its schemas, so both directions are closed
(``additionalProperties: false``) unless the document says otherwise. Errors follow Google's
documented error model (cloud.google.com/apis/design/errors); a batch (``/batch/calendar/v3``)
is checked part by part.
"""

from __future__ import annotations

import email.parser
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import googleapiclient
import jsonschema

from tests.support.conformance.exchange import Exchange, Violation

DOCUMENT = (Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
            / "calendar.v3.json")

#: Google's error model, as every Google API answers an error
ERROR = {"type": "object", "additionalProperties": False, "required": ["error"],
         "properties": {"error": {
             "type": "object", "additionalProperties": False, "required": ["code", "message"],
             "properties": {
                 "code": {"type": "integer"}, "message": {"type": "string"},
                 "status": {"type": "string"},
                 "details": {"type": "array"},
                 "errors": {"type": "array", "items": {
                     "type": "object", "additionalProperties": False,
                     "properties": {k: {"type": "string"} for k in (
                         "domain", "reason", "message", "location", "locationType",
                         "extendedHelp", "sendReport")}}}}}}}

_FORMATS = {"date": r"^\d{4}-\d{2}-\d{2}$",
            "date-time": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
            "local-date-time": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?"
                               r"(Z|[+-]\d{2}:\d{2})?$",
            "int64": r"^-?\d+$", "uint64": r"^\d+$"}




@dataclass(frozen=True)
class Method:
    id: str  # calendar.events.list
    http: str
    template: str  # /calendar/v3/calendars/{calendarId}/events
    pattern: re.Pattern[str]
    parameters: dict[str, dict[str, Any]]
    request: str | None  # schema name
    response: str | None


@functools.cache
def _document() -> dict[str, Any]:
    return dict(json.loads(DOCUMENT.read_text()))


@functools.cache
def _methods() -> tuple[Method, ...]:
    doc = _document()
    base = "/" + doc["servicePath"].strip("/")
    out = []

    def walk(resources: dict[str, Any]) -> None:
        for resource in resources.values():
            for m in resource.get("methods", {}).values():
                template = f"{base}/{m.get('flatPath', m['path'])}"
                regex = re.sub(r"\\\{\+?\w+\\\}", "[^/]+", re.escape(template))
                out.append(Method(m["id"], m["httpMethod"], template, re.compile(f"^{regex}$"),
                                  m.get("parameters", {}),
                                  (m.get("request") or {}).get("$ref"),
                                  (m.get("response") or {}).get("$ref")))
            walk(resource.get("resources", {}))

    walk(doc["resources"])
    out.sort(key=lambda m: m.template.count("{"))  # fixed segments before parameters
    return tuple(out)


def _schema(discovery: dict[str, Any], closed: bool, method: str | None) -> dict[str, Any]:
    """A discovery schema as a JSON Schema; ``method`` marks the request of that method
    (the fields its ``annotations.required`` name are required then)."""
    if "$ref" in discovery:
        return {"$ref": f"#/definitions/{discovery['$ref']}"}
    kind = discovery.get("type")
    if kind == "object" or "properties" in discovery:
        props = discovery.get("properties", {})
        out: dict[str, Any] = {"type": "object", "properties": {
            k: _schema(v, closed, method) for k, v in props.items()}}
        if "additionalProperties" in discovery:
            out["additionalProperties"] = _schema(discovery["additionalProperties"], closed,
                                                  method)
        elif closed:
            out["additionalProperties"] = False
        if method:
            out["required"] = [k for k, v in props.items()
                               if method in v.get("annotations", {}).get("required", [])]
        return out
    if kind == "array":
        return {"type": "array", "items": _schema(discovery.get("items", {}), closed, method)}
    if kind == "any" or kind is None:
        return {}
    out = {"type": kind}
    fmt = discovery.get("format")
    if fmt == "date-time" and method:
        # "A time zone offset is required unless a time zone is explicitly specified in
        # timeZone" (EventDateTime.dateTime): a request may leave the offset out
        out["pattern"] = _FORMATS["local-date-time"]
    elif fmt in _FORMATS and kind == "string":
        out["pattern"] = _FORMATS[fmt]
    if "enum" in discovery:
        out["enum"] = discovery["enum"]
    return out


@functools.cache
def _validator(name: str, request_of: str | None) -> jsonschema.Draft7Validator:
    schemas = _document()["schemas"]
    closed = True
    root = {"$ref": f"#/definitions/{name}",
            "definitions": {k: _schema(v, closed, request_of) for k, v in schemas.items()}}
    return jsonschema.Draft7Validator(root)


def method_for(http: str, path: str) -> Method | None:
    for m in _methods():
        if m.http == http and m.pattern.match(path):
            return m
    return None


def validate(ex: Exchange) -> list[Violation]:
    if ex.path == "/batch/calendar/v3" and ex.status == 200:
        return [v for part in _batch_parts(ex) for v in validate(part)]
    m = method_for(ex.method, ex.path)
    if ex.path == "/batch/calendar/v3":  # refused whole (auth): an error body of its own
        return [Violation("gcal", "POST /batch/calendar/v3", f"response {ex.status}: {msg}")
                for msg in _body(ex.response_body, jsonschema.Draft7Validator(ERROR))]
    if m is None:
        op = f"{ex.method} {ex.path}"
        if any(x.pattern.match(ex.path) for x in _methods()):
            return [] if ex.status in (404, 405) else [Violation("gcal", op, "undescribed: no "
                                                                 "such method")]
        return [Violation("gcal", op, "undescribed: not in the Calendar API")]
    op = f"{m.http} {m.template}"
    found = [Violation("gcal", op, f"request: {msg}") for msg in _params(m, ex.query)]
    if m.request and ex.request_body.strip():
        found += [Violation("gcal", op, f"request: {msg}")
                  for msg in _body(ex.request_body, _validator(m.request, m.id),
                                   patch=ex.method == "PATCH")]
    if found and 400 <= ex.status < 500:
        found = []  # refused as Google refuses it
    elif found:
        found = [Violation(v.service, v.operation, f"accepted an invalid {v.message}")
                 for v in found]
    if ex.status >= 400:
        schema = jsonschema.Draft7Validator(ERROR)
        found += [Violation("gcal", op, f"response {ex.status}: {msg}")
                  for msg in _body(ex.response_body, schema)]
    elif ex.status == 204 or not m.response:
        if ex.response_body.strip():
            found.append(Violation("gcal", op, f"response {ex.status}: a body where the "
                                               "method answers none"))
    else:
        found += [Violation("gcal", op, f"response {ex.status}: {msg}")
                  for msg in _body(ex.response_body, _validator(m.response, None))]
    return found


def _params(m: Method, query: dict[str, list[str]]) -> list[str]:
    known = {**_document()["parameters"], **m.parameters}
    out = []
    for name, values in query.items():
        spec = known.get(name)
        if spec is None or spec.get("location") == "path":
            out.append(f"?{name}: unknown parameter")
            continue
        if len(values) > 1 and not spec.get("repeated"):
            out.append(f"?{name}: repeated")
        for value in values:
            if "enum" in spec and value not in spec["enum"]:
                out.append(f"?{name}: not one of its enum")
            elif spec.get("type") == "boolean" and value not in ("true", "false"):
                out.append(f"?{name}: not a boolean")
            elif spec.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
                out.append(f"?{name}: not an integer")
    out += [f"?{name}: required" for name, spec in m.parameters.items()
            if spec.get("required") and spec.get("location") == "query" and name not in query]
    return out


def _body(raw: bytes, schema: jsonschema.Draft7Validator, patch: bool = False) -> list[str]:
    """The body's departures from the schema. A patch's nulls are left out: in patch
    semantics a null clears the field, whatever its type."""
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        return ["(body): not JSON"]
    if patch:
        data = _without_nulls(data)
    return sorted({_error(e) for e in schema.iter_errors(data)})


def _without_nulls(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_nulls(v) for v in data]
    return data


def _error(e: jsonschema.ValidationError) -> str:
    where = "/".join("*" if isinstance(p, int) else str(p) for p in e.absolute_path)
    if e.validator in ("required", "additionalProperties"):
        what = e.message[:200]
    elif e.validator == "pattern":
        what = "format " + next((k for k, v in _FORMATS.items() if v == e.validator_value), "?")
    else:
        what = f"{e.validator} {e.validator_value!r}"[:200]
    return f"{where or '(body)'}: {what}"


def _batch_parts(ex: Exchange) -> list[Exchange]:
    """The batch's requests and their answers, paired by Content-ID (in order, where two
    parts share one). A part the emulator could not have read (a client cut off while
    sending) is skipped; a request part without an answer is an answer of status 0, which
    no description allows, since Google answers every part."""
    answers: dict[str, list[bytes]] = {}
    for cid, raw in _parts(ex.response_headers, ex.response_body):
        answers.setdefault(cid.removeprefix("response-"), []).append(raw)
    out = []
    for cid, raw in _parts(ex.request_headers, ex.request_body):
        request = _http(raw)
        if request is None:
            continue
        (line, headers, body) = request
        method, target = line.split(" ")[:2]  # _http made sure of two
        url = urlsplit(target)
        answered = _http(answers.get(cid, [b""]).pop(0) if answers.get(cid) else b"")
        status_line, aheaders, abody = answered or ("HTTP/1.1 0", {}, b"")
        status = status_line.split()[1] if len(status_line.split()) > 1 else "0"
        out.append(Exchange("gcal", method, unquote(url.path) if "%40" in url.path else url.path,
                            parse_qs(url.query, keep_blank_values=True), headers, body,
                            int(status) if status.isdigit() else 0, aheaders, abody))
    return out


def _http(raw: bytes) -> tuple[str, dict[str, str], bytes] | None:
    """A message of a batch part: its first line, headers and body; None when it is no
    HTTP message."""
    head, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else \
        raw.partition(b"\n\n")
    lines = head.decode("utf-8", "replace").splitlines()
    if not lines or len(lines[0].split(" ")) < 2:
        return None
    return lines[0], _headers(lines[1:]), body.strip()


def _parts(headers: dict[str, str], body: bytes) -> list[tuple[str, bytes]]:
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + body)
    out = []
    for part in message.walk():
        if part.get_content_type() == "application/http":
            cid = str(part.get("Content-ID", "")).strip("<>")
            payload = part.get_payload(decode=True)
            out.append((cid, payload if isinstance(payload, bytes) else b""))
    return out


def _headers(lines: list[str]) -> dict[str, str]:
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)
            if k.strip()}

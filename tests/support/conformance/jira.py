"""Jira exchanges validated against Atlassian's official Jira Cloud platform OpenAPI spec
(``specs/jira-cloud-platform-v3.openapi.json.gz``) with openapi-core.

The spec describes ``/rest/api/3``; ``/rest/api/latest`` is Jira's alias of it and is checked
as 3. ``/rest/api/2`` differs from 3 only where a field holds text (a string in 2, an
Atlassian document in 3); the spec's issue ``fields`` are free-form, so the rest of a 2 answer
is checked against 3 too, and the differences are allow-listed. The agile API
(``/rest/agile/1.0``) is another spec, not held here: its exchanges are reported as
undescribed and allow-listed.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

from tests.support.conformance.exchange import Exchange, Violation

SPEC = Path(__file__).parent / "specs" / "jira-cloud-platform-v3.openapi.json.gz"
HOST = "https://your-domain.atlassian.net"  # the spec's server


@functools.cache
def _api() -> OpenAPI:
    spec = json.loads(gzip.decompress(SPEC.read_bytes()))
    # The spec itself fails openapi-spec-validator (a default outside its enum, in project
    # classifications), so the check of the spec is skipped; exchanges are still validated.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    paths = json.loads(gzip.decompress(SPEC.read_bytes()))["paths"]
    out = []
    for template in paths:
        regex = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
        out.append((re.compile(f"^{regex}$"), template))
    # fixed paths before templates, as the service routes them
    out.sort(key=lambda pt: pt[1].count("{"))
    return out


def operation(method: str, path: str) -> str:
    """``METHOD /template`` of the spec's operation for the exchange (the path itself when
    the spec has none)."""
    spec_path = _spec_path(path)
    for regex, template in _templates():
        if regex.match(spec_path):
            return f"{method} {template}"
    return f"{method} {spec_path}"


def _spec_path(path: str) -> str:
    return re.sub(r"^/rest/api/(2|latest)(?=/)", "/rest/api/3", path)


def _content_type(headers: dict[str, str], missing: str = "application/json") -> str:
    for k, v in headers.items():
        if k.lower() == "content-type":
            return v.split(";")[0].strip()
    return missing


def validate(ex: Exchange) -> list[Violation]:
    """The exchange's departures from the spec, one per kind of departure.

    A request the spec calls invalid is the emulator's departure only if it accepted it
    (answered 2xx): refusing it is what the service does. An answer of 405 on a path the
    spec has under other methods is Jira's own answer to such a request."""
    op = operation(ex.method, ex.path)
    if not ex.path.startswith("/rest/api/"):
        return [Violation("jira", op, "undescribed: not in the Jira Cloud platform spec")]
    req = MockRequest(HOST, ex.method, _spec_path(ex.path), args=_multi(ex.query),
                      headers=ex.request_headers, data=ex.request_body or None,
                      content_type=_content_type(ex.request_headers))
    api = _api()
    try:
        api.validate_request(req)
    except PathNotFound:
        return [Violation("jira", op, "undescribed: no such path in the spec")]
    except OperationNotFound:
        return [] if ex.status == 405 else [Violation("jira", op, "undescribed: no such "
                                                                  "method in the spec")]
    except Exception as exc:  # openapi-core's errors: one class per kind of departure
        if 200 <= ex.status < 300:
            return [Violation("jira", op, f"accepted an invalid request: {m}")
                    for m in _describe(exc)]
        # refused, as Jira refuses it: the refusal's own body is still checked (below, by
        # the request with its body left out: the answer does not depend on it)
        req = MockRequest(HOST, ex.method, _spec_path(ex.path), args={},
                          headers=ex.request_headers, content_type="application/json")
    if ex.response_body.strip() and _content_type(ex.response_headers, "") != \
            "application/json":
        return [Violation("jira", op, f"response {ex.status}: a body that is not JSON "
                                      f"({_content_type(ex.response_headers, 'none')})")]
    resp = MockResponse(ex.response_body, status_code=ex.status, headers=ex.response_headers,
                        content_type=_content_type(ex.response_headers))
    try:
        api.validate_response(req, resp)
    except Exception as exc:
        return [Violation("jira", op, f"response {ex.status}: {m}") for m in _describe(exc)]
    return []


def _multi(query: dict[str, list[str]]) -> Any:
    from werkzeug.datastructures import ImmutableMultiDict

    return ImmutableMultiDict([(k, v) for k, vs in query.items() for v in vs])


def _describe(exc: BaseException) -> list[str]:
    """openapi-core's error as the schema errors under it: where in the body (list indexes
    as ``*``) and what, without the body's values, so equal departures read alike."""
    cause: BaseException | None = exc
    while cause is not None:
        errors = getattr(cause, "schema_errors", None)
        if errors:
            return sorted({m for m in map(_schema_error, errors) if m is not None})
        cause = cause.__cause__ or cause.__context__
    return [f"{type(exc).__name__}: {str(exc)[:300]}"]


#: the form Jira Cloud writes times in (no colon in the offset), which the spec's date-time
#: format refuses: a time in this form is Jira's own, any other string is a departure
JIRA_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")


def _schema_error(error: Any) -> str | None:
    if error.validator == "format" and error.validator_value == "date-time" and isinstance(
            error.instance, str) and JIRA_TIME.match(error.instance):
        return None
    where = "/".join("*" if isinstance(p, int) else str(p) for p in error.absolute_path)
    what = str(error.validator)
    if error.validator in ("required", "additionalProperties", "nullable"):
        what = error.message[:200]
    elif error.validator in ("type", "format", "enum"):
        what = f"{error.validator} {error.validator_value!r}"
    return f"{where or '(body)'}: {what}"

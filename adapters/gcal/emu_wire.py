"""Google's wire shapes for the Calendar emulator, kept apart from its state: the error body
``{"error": {"code", "message", "errors": [{domain, reason, message}], "status"}}`` (clients
decide on ``errors[0].reason``, so the reason and domain must be Google's), and the batch
envelope (multipart/mixed in and out, one ``application/http`` part per call, each answer
with its own status and headers)."""

from __future__ import annotations

import email.parser
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adapters.emulation import Request, Response

REASONS = {400: ("badRequest", "INVALID_ARGUMENT"), 401: ("authError", "UNAUTHENTICATED"),
           403: ("forbidden", "PERMISSION_DENIED"), 404: ("notFound", "NOT_FOUND"),
           409: ("duplicate", "ALREADY_EXISTS"), 410: ("deleted", "GONE"),
           412: ("conditionNotMet", "FAILED_PRECONDITION"),
           429: ("rateLimitExceeded", "RESOURCE_EXHAUSTED"),
           500: ("backendError", "INTERNAL"), 501: ("notImplemented", "UNIMPLEMENTED"),
           503: ("backendError", "UNAVAILABLE")}
#: the base emulator's generic fault codes -> Google's reasons
FAULT_REASONS = {"rate_limited": "rateLimitExceeded", "service_unavailable": "backendError",
                 "internal_server_error": "backendError"}
DOMAINS = {"rateLimitExceeded": "usageLimits", "userRateLimitExceeded": "usageLimits",
           "quotaExceeded": "usageLimits", "requiredAccessLevel": "calendar",
           "timeRangeEmpty": "calendar"}
STATUS_TEXT = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
               403: "Forbidden", 404: "Not Found", 409: "Conflict", 410: "Gone",
               412: "Precondition Failed", 429: "Too Many Requests"}

#: calls in one batch request: the Calendar batch guide's limit (googleapiclient's
#: ``MAX_BATCH_LIMIT`` refuses more before sending). What Google answers to more is not
#: documented; a 400 ``badRequest`` naming the limit is this emulator's guess.
MAX_BATCH_CALLS = 1000

#: (method, path, query, lower-cased headers, body) -> (status, JSON result, extra headers)
Call = Callable[[str, str, dict[str, str], dict[str, str], bytes],
                tuple[int, Any, dict[str, str]]]


class GError(Exception):
    """An error answer: HTTP status, message, Google's reason and, for a bad parameter, the
    parameter's name (``location``, with ``locationType`` "parameter")."""

    def __init__(self, status: int, message: str, reason: str | None = None,
                 location: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.location = status, message, location
        self.reason = reason or REASONS.get(status, ("backendError", ""))[0]

    def result(self) -> dict[str, Any]:
        return {"message": self.message, "reason": self.reason, "location": self.location}


def error_response(status: int, message: str, code: str | None = None,
                   location: str | None = None) -> Response:
    reason, text = REASONS.get(status, ("backendError", "UNKNOWN"))
    if code:  # our own reasons, or the base class's generic fault codes
        reason = FAULT_REASONS.get(code, code)
    error = {"domain": DOMAINS.get(reason, "global"), "reason": reason, "message": message}
    if location:
        error |= {"locationType": "parameter", "location": location}
    return Response.json({"error": {"code": status, "message": message, "errors": [error],
                                    "status": text}}, status)


def answer(status: int, result: Any, headers: dict[str, str]) -> Response:
    """One call's answer as an HTTP response (``result`` is the error dict for >= 400)."""
    if status == 204:
        return Response(204, b"", dict(headers))
    if status >= 400:
        resp = error_response(status, result["message"], result.get("reason"),
                              result.get("location"))
        resp.headers.update(headers)
        return resp
    return Response.json(result, status, headers)


def batch(req: Request, call: Call) -> Response:
    """Run each part of a batch request through ``call`` and wrap the answers."""
    ctype = req.headers.get("content-type", "")
    msg = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body)
    boundary = "batch_" + uuid.uuid4().hex
    out = []
    parts: list[Any] = list(msg.get_payload())
    if len(parts) > MAX_BATCH_CALLS:
        return error_response(400, f"A batch request cannot contain more than "
                              f"{MAX_BATCH_CALLS} calls ({len(parts)} sent).")
    for part in parts:
        payload = str(part.get_payload())
        head, _, body = payload.replace("\r\n", "\n").partition("\n\n")
        lines = head.split("\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, v in
                   (line.split(":", 1) for line in lines[1:] if ":" in line)}
        url = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        resp = answer(*call(method, url.path, q, headers, body.encode()))
        # Google sends a Content-Length in every part, a 204's (a delete) included: a part
        # with no header line at all is one googleapiclient cannot read back
        headers_out = {**resp.headers, "Content-Length": str(len(resp.body))}
        head_lines = "".join(f"{k}: {v}\r\n" for k, v in headers_out.items())
        cid = part.get("Content-ID", "<x+0>")
        out.append(f"--{boundary}\r\nContent-Type: application/http\r\n"
                   f"Content-ID: <response-{cid[1:]}\r\n\r\n"
                   f"HTTP/1.1 {resp.status} {STATUS_TEXT.get(resp.status, 'Error')}\r\n"
                   f"{head_lines}\r\n{resp.body.decode()}\r\n")
    payload = "".join(out) + f"--{boundary}--\r\n"
    return Response(200, payload.encode(),
                    {"Content-Type": f"multipart/mixed; boundary={boundary}"})


def etag_header(result: Any) -> dict[str, str]:
    """Google sends an event's etag as the ``ETag`` header too (get, insert, patch, update)."""
    if isinstance(result, dict) and result.get("kind") == "calendar#event" and "etag" in result:
        return {"ETag": str(result["etag"])}
    return {}


__all__ = ["Call", "GError", "answer", "batch", "error_response", "etag_header"]

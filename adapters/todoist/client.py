"""HTTP access to Todoist: the official SDK for what it covers, its httpx client for /sync.

The SDK builds absolute ``https://api.todoist.com/api/v1/...`` URLs from a module constant;
rather than patching that (process-wide), the injected httpx client carries a transport that
rewrites the scheme and host to the configured base URL (the emulator in tests), per client.
The SDK has no retries, which is what we want: the executor retries, honouring Retry-After.
The same transport paces every request under Todoist's per-user limits (:mod:`.quota`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from todoist_api_python.api import TodoistAPI

from adapters.context import secret_id
from adapters.todoist.quota import Pacing, pacing_for
from adapters.toolkit import status_error
from hub.errors import Fatal, NotFound, SyncHubError, Transient

SERVICE = "todoist"
#: Todoist's part of the status table (:func:`adapters.toolkit.status_error` has the rest)
OVERRIDES: dict[int, type[SyncHubError]] = {410: Fatal}
ADVICE = {401: "; check the Todoist API token", 403: "; check the Todoist API token",
          410: ": this Todoist API was removed; update synchub"}


class RewriteTransport(httpx.BaseTransport):
    """Sends to the configured base URL; with a :class:`Pacing`, every request (the SDK's
    pages too) waits for its place under Todoist's limits first (:mod:`.quota`)."""

    def __init__(self, base_url: str, inner: httpx.BaseTransport | None = None,
                 pacing: Pacing | None = None) -> None:
        parts = urlsplit(base_url)
        self.scheme, self.host, self.port = parts.scheme, parts.hostname or "", parts.port
        self.inner = inner or httpx.HTTPTransport()
        self.pacing = pacing

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self.scheme, host=self.host, port=self.port)
        request.headers["host"] = request.url.netloc.decode()
        if self.pacing is None:
            return self.inner.handle_request(request)
        full = request.url.path.endswith("/sync") and b"sync_token=%2A" in request.content
        self.pacing.before(full)
        try:
            return self.inner.handle_request(request)
        finally:
            self.pacing.after(full)

    def close(self) -> None:
        self.inner.close()


def error_for(status: int, body: Any, headers: httpx.Headers | None = None,
              *, what: str = "request") -> SyncHubError:
    """The one table from Todoist's HTTP status (or a command's ``http_code``) to our errors."""
    message = body.get("error") if isinstance(body, dict) else None
    text = f"{what}: HTTP {status}" + (f" ({message})" if message else "")
    extra = body.get("error_extra", {}) if isinstance(body, dict) else {}
    return status_error(status, text, service=SERVICE, overrides=OVERRIDES, advice=ADVICE,
                        retry_after=headers.get("Retry-After") if headers is not None else None,
                        retry_default=float(extra.get("retry_after", 60)))


PAGE = 200  # REST listings' largest page (limit <= 200)


class TodoistClient:
    def __init__(self, token: str, base_url: str = "https://api.todoist.com",
                 timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.account = secret_id(token)  # as the discovery cache keys it (not the token)
        self.pacing = pacing_for(self.base_url, token)
        self.http = httpx.Client(transport=RewriteTransport(self.base_url, pacing=self.pacing),
                                 timeout=timeout,
                                 headers={"Authorization": f"Bearer {token}"})
        self.sdk = TodoistAPI(token, client=self.http)  # keep the reference while paging
        self.requests = 0

    def close(self) -> None:
        self.http.close()

    def _send(self, fn: Any, *, write: bool, what: str) -> Any:
        self.requests += 1
        try:
            return fn()
        except httpx.HTTPStatusError as exc:
            resp = exc.response
            try:
                body = resp.json()
            except ValueError:
                body = None
            raise error_for(resp.status_code, body, resp.headers, what=what) from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise Transient(f"{what}: {type(exc).__name__}", service=SERVICE,
                            maybe_applied=write) from None

    def sync(self, sync_token: str | None, resource_types: Sequence[str] = (),
             commands: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        data: dict[str, str] = {}
        if sync_token is not None:
            data["sync_token"] = sync_token
            data["resource_types"] = json.dumps(list(resource_types))
        if commands:
            data["commands"] = json.dumps(list(commands))

        def call() -> dict[str, Any]:
            resp = self.http.post("https://api.todoist.com/api/v1/sync", data=data)
            resp.raise_for_status()
            result: dict[str, Any] = resp.json()
            return result

        return self._send(call, write=bool(commands), what="sync")

    def projects(self) -> list[Any]:
        """Every active project, 200 a page (the API's largest)."""
        def call() -> list[Any]:
            return [p for page in self.sdk.get_projects(limit=PAGE) for p in page]
        return self._send(call, write=False, what="list projects")

    def sections(self, project_id: str) -> list[Any]:
        """A project's active sections, 200 a page."""
        def call() -> list[Any]:
            return [s for page in self.sdk.get_sections(project_id, limit=PAGE) for s in page]
        return self._send(call, write=False, what="list sections")

    def collaborators(self, project_id: str) -> dict[str, str]:
        def call() -> dict[str, str]:
            return {c.id: c.email.lower() for page in self.sdk.get_collaborators(project_id)
                    for c in page}
        return self._send(call, write=False, what="list collaborators")

    def filter_ids(self, query: str) -> set[str]:
        """Ids of the open tasks a Todoist filter query selects (all pages)."""
        def call() -> set[str]:
            return {t.id for page in self.sdk.filter_tasks(query=query, limit=200)
                    for t in page}
        return self._send(call, write=False, what="filter tasks")

    def completed(self, project_id: str, since: dt.datetime, until: dt.datetime
                  ) -> list[dict[str, Any]]:
        """Tasks of a project completed in [since, until] (raw v1 shape, every page of 200;
        Todoist allows at most three months a query). A full sync does not list them."""
        return self._pages("tasks/completed/by_completion_date", "items", "list completed tasks",
                           since=_stamp(since), until=_stamp(until), project_id=project_id)

    def comments(self, task_id: str) -> list[dict[str, Any]]:
        """Every comment of a task (raw v1 shape, pages of 200, one request each)."""
        return self._pages("comments", "results", "list comments", task_id=task_id)

    def _pages(self, path: str, key: str, what: str, **query: Any) -> list[dict[str, Any]]:
        """Every page of a v1 listing paged by ``cursor`` / ``next_cursor`` (one request a
        page, each counted)."""
        out: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {**query, "limit": PAGE}
            if cursor:
                params["cursor"] = cursor

            def call(params: dict[str, Any] = params) -> dict[str, Any]:
                resp = self.http.get(f"https://api.todoist.com/api/v1/{path}", params=params)
                resp.raise_for_status()
                result: dict[str, Any] = resp.json()
                return result

            page = self._send(call, write=False, what=what)
            out += page.get(key) or []
            cursor = page.get("next_cursor")
            if not cursor:
                return out

    def add_comment(self, task_id: str, content: str) -> Any:
        """A comment on a task through the SDK (its ``Comment``, as Todoist answered it)."""
        return self._send(lambda: self.sdk.add_comment(content, task_id=task_id), write=True,
                          what="add comment")

    def update_comment(self, comment_id: str, content: str) -> Any:
        return self._send(lambda: self.sdk.update_comment(comment_id, content), write=True,
                          what=f"update comment {comment_id}")

    def delete_comment(self, comment_id: str) -> None:
        self._send(lambda: self.sdk.delete_comment(comment_id), write=True,
                   what=f"delete comment {comment_id}")

    def task(self, task_id: str) -> dict[str, Any] | None:
        """One task (raw v1 shape) or None if it does not exist."""
        def call() -> dict[str, Any]:
            resp = self.http.get(f"https://api.todoist.com/api/v1/tasks/{task_id}")
            resp.raise_for_status()
            result: dict[str, Any] = resp.json()
            return result
        try:
            return self._send(call, write=False, what="get task")
        except NotFound:
            return None


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

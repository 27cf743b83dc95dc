"""A Jira Cloud JQL scope as a synchub endpoint.

Reading: ``/rest/api/3/search/jql`` only (the old ``/search`` is gone). Incremental rounds ask
for ``updated >= "<cursor minus one minute>"`` (JQL has minute precision and reads times in the
API user's zone, so the window overlaps) and drop what they have already seen by issue id and
``updated``: a quiet round is one search. Deleted issues never show up in JQL, so every
``reconcile_every`` rounds the scope's ids are listed and compared with the known ones.

Status only moves through transitions: the value map names the target status and the adapter
finds the transition leading there, or says clearly that the workflow has no such path.

Origin marker: an issue entity property (``synchub.origin``) sent in the create request itself,
so an issue can never exist without it; after a lost answer or a lost state it is found by
JQL on the property instead of being created twice.

Versions: Jira has no If-Match; ``fields.updated`` is the version and is checked by reading
the issue just before an update (a change in between is not detected).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any
from zoneinfo import ZoneInfo

from adapters.base import (
    Capabilities,
    ChangeSet,
    EndpointContext,
    Gone,
    RemoteItem,
    ValueMap,
)
from adapters.jira import adf
from adapters.jira.client import SERVICE, JiraClient
from hub.errors import Conflict, NotFound, ValidationRejected
from hub.model import DateOnly, Item, Status, StatusKind

PROPERTY = "synchub"
FIELDS = ["summary", "description", "status", "priority", "labels", "duedate", "assignee",
          "parent", "updated", "issuetype", "project"]
DEFAULT_STATUS = ValueMap.from_pairs(
    {"To Do": "open", "In Progress": "in_progress", "In Review": "in_progress", "Done": "done"},
    {"in_progress": "In Progress"})
DEFAULT_PRIORITY = ValueMap.from_pairs(
    {"Highest": "4", "High": "3", "Medium": "2", "Low": "1", "Lowest": "1"}, {"1": "Low"})
OVERLAP = dt.timedelta(minutes=1)


def _updated(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


class JiraAdapter:
    def __init__(self, client: JiraClient, ctx: EndpointContext, *, jql: str,
                 reconcile_every: int = 10, read_only: bool = False) -> None:
        self.client = client
        self.name = ctx.name
        self.ctx = ctx
        self.jql = jql
        self.reconcile_every = max(1, reconcile_every)
        self.status_map = ctx.value_maps.get("status") or DEFAULT_STATUS
        self.priority_map = ctx.value_maps.get("priority") or DEFAULT_PRIORITY
        fields = {"title", "description", "status", "priority", "labels", "due", "assignee",
                  "parent"}
        if ctx.fields is not None:
            fields &= set(ctx.fields)
        self.capabilities = Capabilities(fields=frozenset(fields), read_only=read_only)
        self.accounts: dict[str, str] = {}  # accountId -> email (cached)
        self._zone: ZoneInfo | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The API user's profile zone: JQL reads `updated >= "..."` in it, so the cursor is
        written in it (formatted in UTC, a user west of UTC would miss changes)."""
        if self._zone is None:
            me = self.client.call(lambda: self.client.jira.myself())
            self._zone = ZoneInfo(me.get("timeZone") or "UTC")
        return self._zone

    # -- conversion ---------------------------------------------------------------------------

    def represent(self, field: str, value: Any) -> Any:
        if field == "priority":  # Jira always has one; None reads back as the default
            prio = self.priority_map.to_remote.get(str(value or 2), "Medium")
            return int(self.priority_map.to_canonical.get(prio, 2))
        if field == "status" and isinstance(value, Status):
            name: str | None = self.status_map.to_remote.get(value.kind.value)
            if name is None:  # e.g. no cancelled status: it is done in Jira
                return Status(kind=StatusKind.DONE if value.kind.closed else StatusKind.OPEN)
            return Status(kind=StatusKind(self.status_map.to_canonical[name]), raw=name)
        return value

    def _email(self, user: dict[str, Any] | None) -> str | None:
        if not user:
            return None
        aid = user["accountId"]
        if aid not in self.accounts and user.get("emailAddress"):
            self.accounts[aid] = user["emailAddress"].lower()
        return self.accounts.get(aid)

    def _account(self, email: str) -> str | None:
        for aid, known in self.accounts.items():
            if known == email:
                return aid
        users = self.client.call(lambda: self.client.jira.search_users(query=email))
        for u in users:
            if getattr(u, "emailAddress", "").lower() == email:
                self.accounts[u.accountId] = email
                return str(u.accountId)
        return None

    def _to_item(self, raw: dict[str, Any]) -> Item:
        f = raw["fields"]
        status_name = (f.get("status") or {}).get("name")
        kind = self.status_map.to_canonical.get(status_name or "")
        status = Status(kind=StatusKind(kind) if kind else (
            StatusKind.DONE if (f.get("status") or {}).get("statusCategory", {}).get("key")
            == "done" else StatusKind.OPEN), raw=status_name)
        prio = self.priority_map.to_canonical.get((f.get("priority") or {}).get("name", ""))
        origin = ((raw.get("properties") or {}).get(PROPERTY) or {}).get("origin")
        return Item(
            title=f.get("summary") or "", description=adf.to_markdown(f.get("description")),
            status=status, priority=int(prio) if prio else None, labels=f.get("labels") or (),
            due=DateOnly(date=dt.date.fromisoformat(f["duedate"])) if f.get("duedate")
            else None,
            assignee=self._email(f.get("assignee")),
            parent=(f.get("parent") or {}).get("id"),
            url=f"{self.client.url}/browse/{raw['key']}",
            updated_at=_updated(f["updated"]) if f.get("updated") else None, origin=origin)

    def _remote(self, raw: dict[str, Any]) -> RemoteItem:
        return RemoteItem(ref=raw["id"], item=self._to_item(raw),
                          version=raw["fields"].get("updated"))

    def _fields(self, item: Item, fields: frozenset[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "title" in fields:
            out["summary"] = item.title
        if "description" in fields:
            out["description"] = adf.from_markdown(item.description)
        if "priority" in fields:
            out["priority"] = {"name": self.priority_map.to_remote.get(
                str(item.priority or 2), "Medium")}
        if "labels" in fields:
            out["labels"] = list(item.labels)
        if "due" in fields:
            due = item.due
            out["duedate"] = due.date.isoformat() if isinstance(due, DateOnly) else (
                due.at.date().isoformat() if due is not None else None)
        if "assignee" in fields:
            aid = self._account(item.assignee) if item.assignee else None
            out["assignee"] = {"accountId": aid} if aid else None
        if "parent" in fields:
            out["parent"] = {"id": item.parent} if item.parent else None
        return out

    # -- reading ------------------------------------------------------------------------------

    def _search(self, jql: str, fields: list[str] | str) -> list[dict[str, Any]]:
        issues = self.client.call(lambda: self.client.jira.enhanced_search_issues(
            jql, maxResults=0, fields=fields, properties=PROPERTY, use_post=True))
        return [i.raw for i in issues]

    def changes(self, cursor: str | None) -> ChangeSet:
        before = self.client.requests
        zone = self.zone  # once per adapter (the first round), not per quiet round
        state = json.loads(cursor) if cursor else {}
        since = state.get("since")
        jql = f"({self.jql})"
        if since:  # the cursor is UTC; JQL wants the user's wall-clock time
            start = dt.datetime.strptime(since, "%Y/%m/%d %H:%M").replace(
                tzinfo=dt.UTC) - OVERLAP
            jql += f' AND updated >= "{start.astimezone(zone):%Y/%m/%d %H:%M}"'
        raws = self._search(jql + " ORDER BY updated ASC", FIELDS)
        seen: dict[str, str] = state.get("seen", {})
        known = set(state.get("known", []))
        items = [self._remote(r) for r in raws if seen.get(r["id"]) != r["fields"]["updated"]]
        known |= {r["id"] for r in raws}
        gone: dict[str, Gone] = {}
        rounds = int(state.get("round", 0)) + 1
        if since and rounds % self.reconcile_every == 0:
            present = {r["id"] for r in self._search(f"({self.jql}) ORDER BY key", "id")}
            for ref in sorted(known - present):
                gone[ref] = Gone.OUT_OF_SCOPE if self._exists(ref) else Gone.DELETED
            known = present
        latest = max([_updated(r["fields"]["updated"]) for r in raws], default=None)
        new_since = latest.astimezone(dt.UTC).strftime("%Y/%m/%d %H:%M") if latest else (
            since or dt.datetime.now(dt.UTC).strftime("%Y/%m/%d %H:%M"))
        horizon = dt.datetime.strptime(new_since, "%Y/%m/%d %H:%M").replace(
            tzinfo=dt.UTC) - OVERLAP
        keep = {r["id"]: r["fields"]["updated"] for r in raws
                if _updated(r["fields"]["updated"]) >= horizon}
        return ChangeSet(items=tuple(items), gone=gone, requests=self.client.requests - before,
                         cursor=json.dumps({"since": new_since, "seen": keep,
                                            "known": sorted(known), "round": rounds}))

    def _exists(self, ref: str) -> bool:
        try:
            self.client.raw("GET", f"issue/{ref}")
        except NotFound:
            return False
        return True

    def get(self, ref: str) -> RemoteItem | None:
        try:
            raw = self.client.raw("GET", f"issue/{ref}")
        except NotFound:
            return None
        try:
            prop = self.client.raw("GET", f"issue/{ref}/properties/{PROPERTY}")
            raw["properties"] = {PROPERTY: prop["value"]}
        except NotFound:
            pass
        return self._remote(raw)

    def find_by_origin(self, origin: str) -> RemoteItem | None:
        found = self._search(f'issue.property[{PROPERTY}].origin = "{origin}"', FIELDS)
        return self._remote(found[0]) if found else None

    # -- writing ------------------------------------------------------------------------------

    def _transition(self, ref: str, status: Status) -> None:
        target = self.status_map.to_remote.get(status.kind.value)
        if target is None:
            return
        current = self.client.raw("GET", f"issue/{ref}")["fields"]["status"]["name"]
        if current == target:
            return
        options = self.client.call(lambda: self.client.jira.transitions(ref))
        for t in options:
            if t["to"]["name"] == target:
                self.client.call(functools.partial(self.client.jira.transition_issue, ref,
                                                   t["id"]), write=True)
                return
        names = ", ".join(f"{t['name']} (to {t['to']['name']})" for t in options) or "none"
        raise ValidationRejected(
            f"the workflow has no transition from {current!r} to {target!r} for issue {ref}; "
            f"available: {names}. Map the status to a reachable one.", service=SERVICE)

    def create(self, item: Item, *, origin: str, idempotency_key: str) -> RemoteItem:
        fields = self._fields(item, self.capabilities.fields)
        fields["project"] = {"key": self.ctx.options.get("project")}
        fields["issuetype"] = {"name": self.ctx.options.get("issue_type", "Task")}
        created = self.client.raw("POST", "issue", {
            "fields": fields, "properties": [{"key": PROPERTY, "value": {"origin": origin}}]},
            write=True)
        if "status" in self.capabilities.fields:
            self._transition(created["id"], item.status)
        remote = self.get(created["id"])
        assert remote is not None
        return remote

    def update(self, ref: str, item: Item, *, fields: frozenset[str],
               expected_version: str | None, idempotency_key: str) -> RemoteItem:
        if expected_version is not None:
            current = self.get(ref)
            if current is None:
                raise NotFound(f"issue {ref} does not exist", service=SERVICE)
            if current.version != expected_version:
                raise Conflict(f"issue {ref} changed since it was read", service=SERVICE)
        wanted = fields & self.capabilities.fields
        edits = self._fields(item, frozenset(wanted - {"status"}))
        if edits:
            self.client.raw("PUT", f"issue/{ref}", {"fields": edits}, write=True)
        if "status" in wanted:
            self._transition(ref, item.status)
        remote = self.get(ref)
        if remote is None:
            raise NotFound(f"issue {ref} does not exist", service=SERVICE)
        return remote

    def delete(self, ref: str, *, expected_version: str | None) -> None:
        try:
            self.client.raw("DELETE", f"issue/{ref}", write=True)
        except NotFound:
            return

    def close(self) -> None:
        self.client.jira.close()

"""A Jira Cloud JQL scope as a synchub endpoint.

Reading: ``/rest/api/3/search/jql`` only (the old ``/search`` is gone). Incremental rounds ask
for ``updated >= "<cursor minus one minute>"`` (JQL has minute precision and reads times in the
API user's zone, so the window overlaps) and drop what they have already seen by issue id and
``updated``: a quiet round is one search. Deleted issues never show up in JQL, so every
``reconcile_every`` rounds the scope's ids are listed and compared with the known ones.

Status only moves through transitions: the value map names the target status and the adapter
finds the transition leading there, or says clearly that the workflow has no such path.

Writing (:mod:`.writes`): creates 50 a request (``POST /issue/bulk``), updates one ``PUT``
each, nothing read back (the adapter ``echoes_writes``).

Origin marker: an issue entity property (``synchub.origin``) sent in the create request itself,
so an issue can never exist without it; after a lost answer it is found among the project's
recent issues by that property (JQL cannot search it without an app), and a lost state is
healed by the first full listing, which carries it: never created twice.

Versions: ``fields.updated`` is the version a listing reports. Jira has no conditional update
(no ETag, no If-Match), so ``expected_version`` is not checked: a read just before the edit
cost a request per update and still left the race open; the hub's merge of the listing is
the check.

Sprint and story points are custom fields found in the site's field list on first use
(:mod:`adapters.jira.planning`); a site without them does not sync them.

Discovery (the user's zone and account id, ``GET /myself``; the site's fields, ``GET
/field``, which the client library also needs to read JQL names) goes through the context's
:class:`~adapters.context.DiscoveryCache` when there is one, so a one-shot run after another
asks neither: its quiet round is the search alone. A write refused for a field id the cached
list gave (a sprint or points field deleted or replaced on the site) drops the list, reads it
again and retries those writes once.

Per-field edit times (for the ``newest`` conflict policy) come from the changelog, expanded on
the listing's own search and on ``get``, so they cost no request: for each field, the newest
history by anyone but synchub's API user. The search returns only the most recent histories
(40 an issue); a field whose last edit is older than those has no time of its own and falls
back to ``updated``, as for services without per-field history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from adapters.base import (
    Capabilities,
    ChangeSet,
    EndpointContext,
    Gone,
    RemoteItem,
    ValueMap,
    WriteOp,
    WriteResult,
)
from adapters.context import DiscoveryKey, recall
from adapters.jira import adf, planning, writes
from adapters.jira.client import SERVICE, JiraClient
from adapters.jira.comments import JiraComments
from adapters.jira.people import PEOPLE_PROPERTY, People
from adapters.jira.planning import PlanningFields
from adapters.reading import convert_each, convert_one, zone_name
from adapters.toolkit import AdapterBase, BatchWrites, WindowCursor
from hub.errors import ConfigError, NotFound, ValidationRejected
from hub.model import DateOnly, Item, Status, StatusKind, ZonedDateTime

log = logging.getLogger("synchub.jira")
PROPERTY = "synchub"
FIELDS = ["summary", "description", "status", "priority", "labels", "duedate", "assignee",
          "parent", "updated", "issuetype", "project", "timeoriginalestimate"]
DEFAULT_STATUS = ValueMap.from_pairs(
    {"To Do": "open", "In Progress": "in_progress", "In Review": "in_progress", "Done": "done"},
    {"in_progress": "In Progress"})
DEFAULT_PRIORITY = ValueMap.from_pairs(
    {"Highest": "4", "High": "3", "Medium": "2", "Low": "1", "Lowest": "1"}, {"1": "Low"})
OVERLAP = dt.timedelta(minutes=1)
#: How long Jira's search index may lag behind a write (results are eventually consistent):
#: the window never moves closer than this to Jira's "now".
SETTLE = dt.timedelta(minutes=1)
RECONCILE_PAGE = 5000  # ids only: Jira's largest page
RECOVERY_DAYS = 14  # how far back a lost create is looked for
#: the cursor's window start: a UTC minute as "YYYY/MM/DD HH:MM" (stored cursors keep it)
CURSOR_KEY = "since"
MARKER_LAG = SETTLE + OVERLAP  # a new issue may be missing from search results this long
#: changelog field (``fieldId``, else ``field``) -> canonical field
CHANGELOG_FIELDS = {"summary": "title", "description": "description", "status": "status",
                    "priority": "priority", "labels": "labels", "duedate": "due",
                    "assignee": "assignee", "parent": "parent",
                    "timeoriginalestimate": "duration",
                    "IssueParentAssociation": "parent"}


def _due_date(due: Any) -> DateOnly | None:
    """The day Jira holds for a due: the date in the due's own zone (a zoned time is stored
    in UTC, whose date is the day before for 00:30 in Berlin) or its wall-clock date."""
    if due is None or isinstance(due, DateOnly):
        return due
    if isinstance(due, ZonedDateTime):
        return DateOnly(date=due.local().date())
    return DateOnly(date=due.at.date())


def _minutes(fields: dict[str, Any]) -> int | None:
    """The original estimate in minutes (Jira keeps seconds)."""
    seconds = fields.get("timeoriginalestimate")
    if seconds is None:
        seconds = (fields.get("timetracking") or {}).get("originalEstimateSeconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return None
    return round(seconds / 60) or None


def _untracked(exc: ValidationRejected) -> bool:
    """Jira's 400 for a time tracking field it does not take (time tracking is off, or
    the field is not on the project's screens)."""
    return "timetracking" in str(exc) or "timeoriginalestimate" in str(exc)


def _field_facts(f: dict[str, Any]) -> dict[str, Any]:
    """What synchub reads of one of the site's fields (the discovery cache keeps no more)."""
    schema = f.get("schema") or {}
    return {"id": f.get("id"), "key": f.get("key"), "name": f.get("name"),
            "clauseNames": list(f.get("clauseNames") or []),
            "schema": {k: schema[k] for k in ("type", "custom", "customId") if k in schema}}


def _refuses_field(result: WriteResult, ids: Sequence[str]) -> bool:
    """A write Jira refused (a 400: nothing applied) naming one of the field ids ``ids``."""
    err = result.error
    return (isinstance(err, ValidationRejected)
            and not result.partial and any(i in str(err) for i in ids))


def _updated(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


class JiraAdapter(JiraComments, BatchWrites, AdapterBase):
    def __init__(self, client: JiraClient, ctx: EndpointContext, *, jql: str,
                 reconcile_every: int = 10, read_only: bool = False,
                 search_lag: dt.timedelta = MARKER_LAG) -> None:
        self.client = client
        self.name = ctx.name
        self.ctx = ctx
        self.jql = jql
        self.reconcile_every = max(1, reconcile_every)
        self.status_map = ctx.value_maps.get("status") or DEFAULT_STATUS
        self.priority_map = ctx.value_maps.get("priority") or DEFAULT_PRIORITY
        #: issue id -> its description as last read, where it holds mentions, colours or
        #: the like that its Markdown shows as text: an update merges into it (adf.merge)
        self._lossy: dict[str, dict[str, Any]] = {}
        fields = {"title", "description", "status", "priority", "labels", "due", "assignee",
                  "parent", "duration", "sprint", "points"}
        if ctx.fields is not None:
            fields &= set(ctx.fields)
        self._planned = frozenset(fields)
        self.capabilities = Capabilities(fields=frozenset(fields), read_only=read_only,
                                         marker_lag=search_lag.total_seconds(),
                                         batch_size=writes.BULK, echoes_writes=True)
        self.writer = writes.JiraWriter(self)
        self.people = People(client)
        self.listed_at: dt.datetime | None = None  # Jira's clock at a listing's first page
        self._zone: ZoneInfo | None = None
        self._me: str | None = None  # synchub's own account: its changelog entries are ours
        self._planning: planning.PlanningFields | None = None
        self._site: list[dict[str, Any]] | None = None  # the site's fields (GET /field)
        self._site_cached = False  # ... as the discovery cache gave them
        project, board = ctx.options.get("project"), ctx.options.get("board")
        self.sprints = planning.SprintDirectory(client, str(project) if project else None,
                                                str(board) if board is not None else None)

    @property
    def zone(self) -> ZoneInfo:
        """The API user's profile zone: JQL reads `updated >= "..."` in it, so the cursor is
        written in it (formatted in UTC, a user west of UTC would miss changes)."""
        if self._zone is None:
            me, _ = recall(self.ctx.cache, self._discovery_key("jira.myself"), self._myself)
            # a profile zone this host does not know: the endpoint's zone, logged (the
            # one-minute overlap does not cover a wrong zone, so it is worth a warning)
            self._zone = ZoneInfo(zone_name(me.get("timeZone"), self.ctx.timezone,
                                            what=f"Jira user {me.get('accountId')}"))
            self._me = me.get("accountId")
        return self._zone

    @property
    def planning(self) -> planning.PlanningFields:
        """The site's sprint and story points fields, read once (one request, none when the
        flow syncs neither); the ones the site lacks leave this endpoint's fields."""
        if self._planning is None:
            wanted = self.capabilities.fields & {"sprint", "points"}
            found = self._find_planning() if wanted else planning.PlanningFields()
            if wanted & found.missing():
                log.info("jira %s: the site has no %s field; not synced here", self.name,
                         " or ".join(sorted(wanted & found.missing())))
                self.capabilities = dataclasses.replace(
                    self.capabilities, fields=self.capabilities.fields - found.missing())
            self._planning = found
        return self._planning

    def _find_planning(self) -> PlanningFields:
        targets = self.ctx.options.get("targets") or {}
        try:
            return planning.find(self.site_fields(), targets, self.name)
        except ConfigError:
            if not self._site_cached:
                raise
            # a field the rules name is not in the cached list: perhaps made since
            self._forget_fields()
            return planning.find(self.site_fields(), targets, self.name)

    def _forget_fields(self) -> None:
        if self.ctx.cache is not None:
            self.ctx.cache.forget(self._discovery_key("jira.fields"))
        self._site, self._site_cached = None, False

    def _discovery_key(self, kind: str) -> DiscoveryKey:
        return DiscoveryKey(kind, self.client.url, self.client.email)

    def _myself(self) -> dict[str, Any]:
        me = self.client.call(lambda: self.client.jira.myself())
        return {"timeZone": me.get("timeZone"), "accountId": me.get("accountId")}

    def site_fields(self) -> list[dict[str, Any]]:
        """The site's fields (what planning and JQL names need of them), read once, from
        the discovery cache when it has them; the client library is handed their JQL names,
        so its searches do not read the list again."""
        if self._site is not None:
            return self._site
        site, self._site_cached = recall(
            self.ctx.cache, self._discovery_key("jira.fields"),
            lambda: [_field_facts(f) for f in self.client.raw("GET", "field") or []])
        names = {n: str(f["id"]) for f in site for n in f.get("clauseNames") or []}
        if names:
            self.client.jira._fields_cache_value = names
        self._site = site
        return site

    def _rediscover_fields(self) -> None:
        """The cached field list proved stale: forget it and read it again (once)."""
        self._forget_fields()
        self._planning = None
        self.capabilities = dataclasses.replace(
            self.capabilities, fields=self.capabilities.fields | (
                self._planned & {"sprint", "points"}))
        self.planning  # noqa: B018 (read again now)

    # -- conversion ---------------------------------------------------------------------------

    def represent(self, field: str, value: Any) -> Any:
        if field == "due":  # Jira's due date has no time: a timed due is held as its day
            return _due_date(value)
        if field == "description" and value:  # as ADF reads back (one Markdown spelling)
            return adf.to_markdown(adf.from_markdown(value))
        if field == "assignee":
            return self.people.represent(value)
        if field == "priority":  # Jira always has one; None reads back as the default
            prio = self.priority_map.to_remote.get(str(value or 2), "Medium")
            return int(self.priority_map.to_canonical.get(prio, 2))
        if field == "status" and isinstance(value, Status):
            name: str | None = self.status_map.to_remote.get(value.kind.value)
            if name is None:  # e.g. no cancelled status: it is done in Jira
                return Status(kind=StatusKind.DONE if value.kind.closed else StatusKind.OPEN)
            return Status(kind=StatusKind(self.status_map.to_canonical[name]), raw=name)
        return super().represent(field, value)

    def _to_item(self, raw: dict[str, Any]) -> Item:
        f = raw["fields"]
        status_name = (f.get("status") or {}).get("name")
        kind = self.status_map.to_canonical.get(status_name or "")
        status = Status(kind=StatusKind(kind) if kind else (
            StatusKind.DONE if (f.get("status") or {}).get("statusCategory", {}).get("key")
            == "done" else StatusKind.OPEN), raw=status_name)
        prio = self.priority_map.to_canonical.get((f.get("priority") or {}).get("name", ""))
        origin = ((raw.get("properties") or {}).get(PROPERTY) or {}).get("origin")
        if self.planning.sprint:
            self.sprints.learn(f.get(self.planning.sprint))
        return Item(
            **planning.read(f, self.planning),
            title=f.get("summary") or "", description=self._description(raw["id"], f),
            status=status, priority=int(prio) if prio else None, labels=f.get("labels") or (),
            due=DateOnly(date=dt.date.fromisoformat(f["duedate"])) if f.get("duedate")
            else None,
            assignee=self.people.email(f.get("assignee"), raw.get("properties")),
            parent=(f.get("parent") or {}).get("id"), duration=_minutes(f),
            url=f"{self.client.url}/browse/{raw['key']}",
            updated_at=_updated(f["updated"]) if f.get("updated") else None, origin=origin)

    def _convert(self, raw: dict[str, Any]) -> RemoteItem:
        return RemoteItem(ref=raw["id"], item=self._to_item(raw),
                          version=raw["fields"].get("updated"),
                          field_times=self._field_times(raw.get("changelog")))

    def _field_times(self, changelog: dict[str, Any] | None) -> dict[str, dt.datetime]:
        """When a person last changed each field, from the histories that came with the
        issue. synchub's own edits are skipped: the value they wrote was decided from another
        copy. Until the API user is known (no listing yet) nothing is claimed."""
        out: dict[str, dt.datetime] = {}
        if not changelog or self._me is None:
            return out
        for history in changelog.get("histories") or []:
            if (history.get("author") or {}).get("accountId") == self._me:
                continue
            at = _updated(history["created"])
            for change in history.get("items") or []:
                fid = change.get("fieldId") or change.get("field") or ""
                name = CHANGELOG_FIELDS.get(fid) or self.planning.canonical().get(fid)
                if name in self.capabilities.fields and (name not in out or out[name] < at):
                    out[name] = at
        return out

    def _remote(self, raw: dict[str, Any]) -> RemoteItem:
        """One issue as read; one no converter accepts is ValidationRejected (get)."""
        return convert_one(raw, self._convert, service=SERVICE,
                           what=f"issue {raw.get('key') or raw.get('id')}")

    def _description(self, ref: str, f: dict[str, Any]) -> str | None:
        """The description as Markdown; a document holding what Markdown shows only as text
        (a mention, a colour) is kept for the next update of this issue (adf.merge)."""
        doc = f.get("description")
        md = adf.to_markdown(doc)
        if isinstance(doc, dict) and adf.lossy(doc, md):
            self._lossy[ref] = doc
        else:
            self._lossy.pop(ref, None)
        return md

    def _fields(self, item: Item, fields: frozenset[str], ref: str | None = None
                ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "title" in fields:
            out["summary"] = item.title
        if "description" in fields:
            out["description"] = adf.merge(self._lossy.get(ref or ""), item.description)
        if "priority" in fields:
            out["priority"] = {"name": self.priority_map.to_remote.get(
                str(item.priority or 2), "Medium")}
        if "labels" in fields:
            out["labels"] = list(item.labels)
        if "due" in fields:
            due = _due_date(item.due)
            out["duedate"] = due.date.isoformat() if due is not None else None
        if "assignee" in fields:  # unknown to Jira: unassigned there (see People)
            aid = self.people.account(item.assignee) if item.assignee else None
            out["assignee"] = {"accountId": aid} if aid else None
        if "parent" in fields:
            out["parent"] = {"id": item.parent} if item.parent else None
        if "duration" in fields:  # "0m" clears: Jira keeps no estimate of nothing
            out["timetracking"] = {"originalEstimate": f"{item.duration or 0}m"}
        return out | planning.write(item.sprint, item.points, fields, self.planning,
                                    self.sprints)

    def _without_estimates(self, exc: ValidationRejected) -> None:
        """Time tracking refused: duration is unsupported here from now on (as if the
        flow's fields left it out), said once; the write is made again without it."""
        if not _untracked(exc) or "duration" not in self.capabilities.fields:
            raise exc
        log.warning("jira %s: time tracking is not available (%s); duration is not synced "
                    "here", self.name, exc)
        self.capabilities = dataclasses.replace(
            self.capabilities, fields=self.capabilities.fields - {"duration"})

    # -- reading ------------------------------------------------------------------------------

    def _search(self, jql: str, fields: list[str], *, page: int = 100,
                expand: str | None = None) -> list[dict[str, Any]]:
        """Every issue matching ``jql``, paged by ``nextPageToken``. Jira hands out up to 5,000
        issues a page when only ``id`` is asked for, 100 with fields."""
        out: list[dict[str, Any]] = []
        token: str | None = None
        first = True
        while True:
            data = self.client.call(functools.partial(
                self.client.jira.enhanced_search_issues, jql, nextPageToken=token,
                maxResults=page, fields=fields, expand=expand,
                properties=[PROPERTY, PEOPLE_PROPERTY],
                json_result=True, use_post=True))
            if first:  # a listing is as of its first page: later pages may come minutes on
                self.listed_at, first = self.client.server_time, False
            out.extend(data.get("issues") or [])
            token = data.get("nextPageToken")
            if data.get("isLast", True) or not token:
                return out

    def verify(self) -> str:
        """The scope's JQL is valid (Jira answers 400 otherwise, naming the clause) and the
        project issues are created in exists: two requests."""
        data = self.client.call(functools.partial(
            self.client.jira.enhanced_search_issues, self.jql, maxResults=1, fields=["id"],
            json_result=True, use_post=True))
        found = "matches issues" if data.get("issues") else "is valid (no issue matches yet)"
        project = self.ctx.options.get("project")
        if project:
            self.client.call(functools.partial(self.client.jira.project, str(project)))
            found += f"; creates in project {project}"
        return f"JQL {self.jql!r} {found}"

    def changes(self, cursor: str | None) -> ChangeSet:
        before = self.client.requests
        zone = self.zone  # once per adapter (the first round), not per quiet round
        self.site_fields()  # ditto (the search's JQL names: the client library's own read)
        self.sprints.forget()  # a new round: sprints may have opened or closed
        cur = WindowCursor.from_json(cursor, key=CURSOR_KEY)
        since = cur.start
        jql = f"({self.jql})"
        if since:  # the cursor is UTC; JQL wants the user's wall-clock time
            start = dt.datetime.strptime(since, "%Y/%m/%d %H:%M").replace(
                tzinfo=dt.UTC) - OVERLAP
            jql += f' AND updated >= "{start.astimezone(zone):%Y/%m/%d %H:%M}"'
        raws = self._search(jql + " ORDER BY updated ASC", FIELDS + self.planning.ids(),
                            expand="changelog")
        asked_at = self.listed_at
        items, unreadable = convert_each(
            [r for r in raws if cur.unseen(r["id"], r["fields"]["updated"])], self._convert,
            ref=lambda r: r["id"], title=lambda r: r["fields"].get("summary") or "",
            service=self.name)
        known = set(cur.known) | {r["id"] for r in raws}
        gone: dict[str, Gone] = {}
        if cur.reconciles(self.reconcile_every):
            present = {r["id"] for r in self._search(f"({self.jql}) ORDER BY key", ["id"],
                                                     page=RECONCILE_PAGE)}
            for ref in sorted(known - present):
                gone[ref] = Gone.OUT_OF_SCOPE if self._exists(ref) else Gone.DELETED
            known = present
        new_since = self._next_since(since, raws, asked_at)
        horizon = dt.datetime.strptime(new_since, "%Y/%m/%d %H:%M").replace(
            tzinfo=dt.UTC) - OVERLAP
        keep = {r["id"]: r["fields"]["updated"] for r in raws
                if _updated(r["fields"]["updated"]) >= horizon}
        return ChangeSet(items=tuple(items), gone=gone, requests=self.client.requests - before,
                         cursor=cur.advance(new_since, keep, known).to_json(),
                         unreadable=tuple(unreadable))

    def remember_created(self, cursor: str | None, refs: Sequence[str]) -> str | None:
        """Issues the hub made this round join the known ids, so the reconcile misses them if
        a person deletes one before any listing returned it (Jira reports no deletes)."""
        if cursor is None:
            return None
        return WindowCursor.from_json(cursor, key=CURSOR_KEY).learn(refs).to_json()

    @staticmethod
    def _next_since(since: str | None, raws: list[dict[str, Any]],
                    asked_at: dt.datetime | None) -> str:
        """Where the next window starts (UTC, minute precision).

        The newest ``updated`` seen is always safe. Jira's own clock at the time of the search,
        less :data:`SETTLE` for its search index to catch up, moves the window past a burst of
        updates, so rounds after a bulk change do not list the whole burst again (a quiet
        round stays one request). Jira's clock, not ours: a skewed local clock must not skip.
        """
        marks = [_updated(r["fields"]["updated"]).astimezone(dt.UTC) for r in raws]
        if since:
            marks.append(dt.datetime.strptime(since, "%Y/%m/%d %H:%M").replace(tzinfo=dt.UTC))
        if asked_at is not None:
            marks.append(asked_at.astimezone(dt.UTC) - SETTLE)
        elif not marks:
            marks.append(dt.datetime.now(dt.UTC) - SETTLE)
        return max(marks).strftime("%Y/%m/%d %H:%M")

    def _exists(self, ref: str) -> bool:
        try:
            self.client.raw("GET", f"issue/{ref}")
        except NotFound:
            return False
        return True

    def get(self, ref: str) -> RemoteItem | None:
        self.planning  # noqa: B018 (read before the issue: converting it makes no request)
        try:  # one request: the issue with synchub's entity properties
            raw = self.client.raw(
                "GET", f"issue/{ref}?properties={PROPERTY},{PEOPLE_PROPERTY}&expand=changelog")
        except NotFound:
            return None
        return self._remote(raw)

    def find_by_origin(self, origin: str) -> RemoteItem | None:
        """The issue synchub created for ``origin``, if it exists.

        JQL can search an entity property only when an installed app indexes it (a
        Connect/Forge ``jira:entityProperty`` module); an API-token integration cannot, and
        real Jira answers 400 to ``issue.property[synchub].origin = ...``. So the issues created
        recently where synchub creates them are listed, ids and the property only (up to 5,000
        a page), and matched here. Recovery runs in the round after a lost answer or a crash;
        a lost state file is healed by the full first listing, which carries the property.
        """
        project = self.ctx.options.get("project")
        where = f'project = "{project}"' if project else f"({self.jql})"
        jql = f"{where} AND created >= -{RECOVERY_DAYS}d ORDER BY created DESC"
        for raw in self._search(jql, ["id"], page=RECONCILE_PAGE):
            if ((raw.get("properties") or {}).get(PROPERTY) or {}).get("origin") == origin:
                return self.get(raw["id"])
        return None

    # -- writing ------------------------------------------------------------------------------

    def _target(self, status: Status) -> str | None:
        """The Jira status a canonical one is written as (None: it is not written)."""
        return self.status_map.to_remote.get(status.kind.value)

    def _transition(self, ref: str, status: Status) -> None:
        """Move an issue to ``status``: its transitions (one read) and the one leading there
        (one write). Only when none leads there is the issue read, to tell "already there"
        from "no path"."""
        target = self._target(status)
        if target is None:
            return
        options = self.client.call(lambda: self.client.jira.transitions(ref))
        for t in options:
            if t["to"]["name"] == target:
                self.client.call(functools.partial(self.client.jira.transition_issue, ref,
                                                   t["id"]), write=True)
                return
        current = self.client.raw("GET", f"issue/{ref}?fields=status")["fields"]["status"]["name"]
        if current == target:
            return
        names = ", ".join(f"{t['name']} (to {t['to']['name']})" for t in options) or "none"
        raise ValidationRejected(
            f"the workflow has no transition from {current!r} to {target!r} for issue {ref}; "
            f"available: {names}. Map the status to a reachable one.", service=SERVICE)

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Creates 50 a request, updates one each, nothing read back (:mod:`.writes`);
        create, update and delete are :class:`BatchWrites`': one op through here. Writes
        refused for a field id from a cached field list are retried once on a fresh one."""
        results = self.writer.write_batch(ops)
        if not self._site_cached:
            return results
        stale = [i for i, r in enumerate(results) if _refuses_field(r, self.planning.ids())]
        if not stale:
            return results
        log.info("jira %s: a write was refused for a field id the cached field list gave; "
                 "reading the site's fields again", self.name)
        self._rediscover_fields()
        again = self.writer.write_batch([results[i].op for i in stale])
        for i, r in zip(stale, again, strict=True):
            results[i] = r
        return results

    def close(self) -> None:
        self.client.jira.close()

"""The system fields a Jira Cloud issue carries beyond the ones the emulator edits, so a
client that reads a whole issue (bugwarrior, a script on ``*all``) finds them where Jira puts
them: ``creator``, ``subtasks``, ``comment``, ``issuelinks``, ``watches``, ``votes``,
``worklog``, time tracking, versions, ``resolutiondate``...; and the nested objects
(priority, issue type, project) with the links and keys Jira gives them
(``priority.iconUrl``, ``issuetype.avatarId``, ``project.projectTypeKey``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator

#: fields Jira has for every issue that no operation here changes
EMPTY: dict[str, Any] = {
    "attachment": [], "components": [], "fixVersions": [], "versions": [],
    "environment": None, "security": None, "lastViewed": None, "timetracking": {},
    "timeestimate": None, "timeoriginalestimate": None, "timespent": None,
    "aggregatetimeestimate": None, "aggregatetimeoriginalestimate": None,
    "aggregatetimespent": None, "workratio": -1,
    "progress": {"progress": 0, "total": 0}, "aggregateprogress": {"progress": 0, "total": 0}}


def system_fields(emu: JiraEmulator, issue: dict[str, Any]) -> dict[str, Any]:
    """The whole field set of ``issue`` as GET issue answers it (``fields`` not limited)."""
    base = emu.base_url
    f = dict(issue["fields"])
    iid = issue["id"]
    children = [i for i in emu.issues.values()
                if (i["fields"].get("parent") or {}).get("id") == iid]
    comments = emu.comments.get(iid, [])
    out: dict[str, Any] = dict(EMPTY) | f | {
        "creator": f.get("reporter"),
        "subtasks": [{"id": c["id"], "key": c["key"], "self": f"{base}/rest/api/3/issue/"
                      f"{c['id']}", "fields": {k: c["fields"].get(k) for k in (
                          "summary", "status", "priority", "issuetype")}} for c in children],
        "comment": {"comments": [emu._comment_json(c) for c in comments],
                    "self": f"{base}/rest/api/3/issue/{iid}/comment", "maxResults":
                    len(comments), "total": len(comments), "startAt": 0},
        "worklog": {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
        "watches": {"self": f"{base}/rest/api/3/issue/{issue['key']}/watchers",
                    "watchCount": 0, "isWatching": False},
        "votes": {"self": f"{base}/rest/api/3/issue/{issue['key']}/votes", "votes": 0,
                  "hasVoted": False},
        "issuelinks": _links(emu, iid),
        "resolutiondate": f["updated"] if f.get("resolution") else None,
        "statuscategorychangedate": f.get("updated"),
    }
    if f.get("priority"):
        pid = f["priority"].get("id", "3")
        out["priority"] = f["priority"] | {
            "self": f"{base}/rest/api/3/priority/{pid}",
            "iconUrl": f"{base}/images/icons/priorities/{f['priority']['name'].lower()}.svg"}
    if f.get("issuetype"):
        t = f["issuetype"]
        out["issuetype"] = t | {"self": f"{base}/rest/api/3/issuetype/{t['id']}",
                                "description": "", "avatarId": 10318, "iconUrl":
                                f"{base}/rest/api/2/universal_avatar/view/type/issuetype/"
                                "avatar/10318?size=medium"}
    if f.get("project"):
        p = f["project"]
        out["project"] = p | {"self": f"{base}/rest/api/3/project/{p['id']}",
                              "projectTypeKey": "software", "simplified": False,
                              "avatarUrls": {"48x48": f"{base}/rest/api/3/universal_avatar/"
                                             f"view/type/project/avatar/{p['id']}"}}
    if out.get("parent") is None:  # Jira leaves it out for a top-level issue, not null
        out.pop("parent", None)
    return out


def _links(emu: JiraEmulator, iid: str) -> list[dict[str, Any]]:
    """The issue's links as Jira lists them: the other issue under ``inwardIssue`` or
    ``outwardIssue``, with the link type's names."""
    out = []
    for link in emu.links:
        if iid not in (link["inward"], link["outward"]):
            continue
        side = "outwardIssue" if link["inward"] == iid else "inwardIssue"
        other = emu.issues.get(link["outward"] if side == "outwardIssue" else link["inward"])
        if other is None:
            continue
        out.append({"id": link["id"], "type": link["type"], side: {
            "id": other["id"], "key": other["key"],
            "self": f"{emu.base_url}/rest/api/3/issue/{other['id']}",
            "fields": {k: other["fields"].get(k) for k in ("summary", "status", "priority",
                                                          "issuetype")}}})
    return out

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

#: fields Jira has for every issue that no operation here changes (no estimates are kept)
EMPTY: dict[str, Any] = {
    "attachment": [], "components": [], "fixVersions": [], "versions": [],
    "environment": None, "security": None, "lastViewed": None,
    "timeestimate": None, "timeoriginalestimate": None,
    "aggregatetimeestimate": None, "aggregatetimeoriginalestimate": None, "workratio": -1}
WORKLOG_PAGE = 20  # the worklogs an issue's ``worklog`` field holds (the rest: /worklog)
#: the comments an issue's ``comment`` field holds: the newest ones, ``total`` counting all
#: (Jira Cloud caps the field and drops the oldest; the rest are on the paged /comment)
FIELD_COMMENTS = 100


def _spent(emu: JiraEmulator, iid: str) -> int:
    return sum(w["timeSpentSeconds"] for w in (emu.extras.get(iid) or {}).get("worklogs", []))


def _time_tracking(emu: JiraEmulator, iid: str, children: list[dict[str, Any]]
                   ) -> dict[str, Any]:
    """Time spent from the issue's worklogs (``aggregate`` adding its sub-tasks'), as
    Jira derives ``timespent``, ``timetracking`` and ``progress``; without an estimate
    logged work is all the progress there is (100%)."""
    from adapters.jira.emu_extras import duration

    spent = _spent(emu, iid)
    total = spent + sum(_spent(emu, c["id"]) for c in children)

    def progress(seconds: int) -> dict[str, Any]:
        return {"progress": seconds, "total": seconds} | ({"percent": 100} if seconds else {})

    logs = (emu.extras.get(iid) or {}).get("worklogs", [])
    fields = emu.issues[iid]["fields"] if iid in emu.issues else {}
    tracking: dict[str, Any] = {}
    for key, stored in (("originalEstimate", "timeoriginalestimate"),
                        ("remainingEstimate", "timeestimate")):
        if fields.get(stored):
            tracking |= {key: duration(fields[stored]), f"{key}Seconds": fields[stored]}
    if spent:
        tracking |= {"timeSpent": duration(spent), "timeSpentSeconds": spent}
    original = fields.get("timeoriginalestimate")
    return {"timespent": spent or None, "aggregatetimespent": total or None,
            "timetracking": tracking,
            "aggregatetimeoriginalestimate": (original or 0) + sum(
                c["fields"].get("timeoriginalestimate") or 0 for c in children) or None,
            "progress": progress(spent), "aggregateprogress": progress(total),
            "worklog": {"startAt": 0, "maxResults": WORKLOG_PAGE, "total": len(logs),
                        "worklogs": logs[:WORKLOG_PAGE]}}


def _comments(emu: JiraEmulator, iid: str, comments: list[dict[str, Any]], v2: bool
              ) -> dict[str, Any]:
    """The ``comment`` field: the newest :data:`FIELD_COMMENTS`, oldest first."""
    shown = comments[-FIELD_COMMENTS:]
    return {"comments": [emu._comment_json(c, v2) for c in shown],
            "self": f"{emu.base_url}/rest/api/3/issue/{iid}/comment",
            "maxResults": len(shown), "total": len(comments),
            "startAt": len(comments) - len(shown)}


def system_fields(emu: JiraEmulator, issue: dict[str, Any], v2: bool = False
                  ) -> dict[str, Any]:
    """The whole field set of ``issue`` as GET issue answers it (``fields`` not limited);
    in API v2 comment bodies are strings."""
    base = emu.base_url
    f = dict(issue["fields"])
    iid = issue["id"]
    children = [i for i in emu.issues.values()
                if (i["fields"].get("parent") or {}).get("id") == iid]
    comments = emu.comments.get(iid, [])
    watchers = (emu.extras.get(iid) or {}).get("watchers", [])
    out: dict[str, Any] = dict(EMPTY) | f | _time_tracking(emu, iid, children) | {
        "creator": f.get("reporter"),
        "subtasks": [{"id": c["id"], "key": c["key"], "self": f"{base}/rest/api/3/issue/"
                      f"{c['id']}", "fields": {k: c["fields"].get(k) for k in (
                          "summary", "status", "priority", "issuetype")}} for c in children],
        "comment": _comments(emu, iid, comments, v2),
        "watches": {"self": f"{base}/rest/api/3/issue/{issue['key']}/watchers",
                    "watchCount": len(watchers), "isWatching": emu.me in watchers},
        "votes": {"self": f"{base}/rest/api/3/issue/{issue['key']}/votes", "votes": 0,
                  "hasVoted": False},
        "issuelinks": _links(emu, iid),
        "resolutiondate": f.get("resolutiondate"),
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

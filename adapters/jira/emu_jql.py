"""The JQL the Jira emulator understands: the subset synchub sends, validated as Jira does
(the whole query before any issue is looked at) and answered with Jira's error bodies."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo


class JiraError(Exception):
    def __init__(self, status: int, messages: list[str] | None = None,
                 errors: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.messages, self.errors = status, messages or [], errors or {}


class JqlSearch:
    """Mixed into the emulator: searches its ``issues`` (and ``properties``)."""

    issues: dict[str, dict[str, Any]]
    properties: dict[str, dict[str, Any]]
    indexed_properties: set[str]
    user_zone: str

    def now(self) -> dt.datetime:
        raise NotImplementedError  # the emulator base has the clock

    ORDER_FIELDS = {"updated": lambda i: i["fields"]["updated"],
                    "created": lambda i: i["fields"]["created"],
                    "key": lambda i: (i["key"].split("-")[0], int(i["key"].split("-")[1])),
                    "id": lambda i: int(i["id"])}

    def _search(self, jql: str) -> list[dict[str, Any]]:
        parts = re.split(r"(?i)\border\s+by\b", jql, maxsplit=1)
        body = parts[0]
        clauses = [c.strip() for c in re.split(r"(?i)\s+and\s+", body.strip()) if c.strip()]
        clauses = [c[1:-1].strip() if c.startswith("(") and c.endswith(")") else c
                   for c in clauses]
        if not clauses:
            raise JiraError(400, ["Unbounded JQL queries are not allowed here. Please add a "
                                  "search restriction to your query."])
        tests = [self._clause(c) for c in clauses]
        rows = [i for i in self.issues.values() if all(t(i) for t in tests)]
        rows.sort(key=lambda i: int(i["id"]))
        order = parts[1].strip() if len(parts) > 1 else "key DESC"  # Jira's default order
        for term in reversed([t.strip() for t in order.split(",") if t.strip()]):
            m = re.fullmatch(r"(?i)(\w+)(?:\s+(asc|desc))?", term)
            if m is None or m.group(1).lower() not in self.ORDER_FIELDS:
                raise JiraError(400, [f"Error in the JQL Query: cannot order by '{term}'."])
            rows.sort(key=self.ORDER_FIELDS[m.group(1).lower()],
                      reverse=(m.group(2) or "asc").lower() == "desc")
        return rows

    def _since(self, text: str) -> dt.datetime:
        """A JQL date: ``"yyyy/MM/dd HH:mm"`` in the user's zone, or relative (``-3d``)."""
        m = re.fullmatch(r"-(\d+)([mhdw])", text)
        if m:
            unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[m.group(2)]
            return self.now() - dt.timedelta(**{unit: int(m.group(1))})
        return dt.datetime.strptime(text, "%Y/%m/%d %H:%M").replace(
            tzinfo=ZoneInfo(self.user_zone))

    def _clause(self, clause: str) -> Callable[[dict[str, Any]], bool]:
        """One JQL clause as a test on an issue. Checked before any issue is looked at, as
        Jira validates the whole query even when nothing would match."""
        m = re.fullmatch(r'(?i)project\s*=\s*"?([\w-]+)"?', clause)
        if m:
            key = m.group(1)
            return lambda i: bool(i["fields"]["project"]["key"] == key)
        m = re.fullmatch(r"(?i)(key|id)\s+in\s*\(([^)]*)\)", clause)
        if m:
            wanted = {x.strip().strip('"') for x in m.group(2).split(",")}
            attr = "key" if m.group(1).lower() == "key" else "id"
            return lambda i: i[attr] in wanted
        m = re.fullmatch(r'(?i)(updated|created)\s*>=\s*(?:"(\d{4}/\d\d/\d\d \d\d:\d\d)"'
                         r'|(-\d+[mhdw]))', clause)
        if m:
            since, name = self._since(m.group(2) or m.group(3)), m.group(1).lower()
            return lambda i: dt.datetime.strptime(
                i["fields"][name], "%Y-%m-%dT%H:%M:%S.%f%z") >= since
        m = re.fullmatch(r'issue\.property\[([\w.-]+)\]\.(\w+)\s*=\s*"([^"]*)"', clause)
        if m:
            prop, path, value = m.groups()
            if prop not in self.indexed_properties:
                raise JiraError(400, [f"Field 'issue.property[{prop}].{path}' does not exist "
                                      "or you do not have permission to view it."])

            def has(i: dict[str, Any]) -> bool:
                stored = self.properties.get(i["id"], {}).get(prop, {})
                return isinstance(stored, dict) and str(stored.get(path)) == value
            return has
        m = re.fullmatch(r'(?i)labels\s*=\s*"?([\w-]+)"?', clause)
        if m:
            label = m.group(1)
            return lambda i: label in i["fields"]["labels"]
        raise JiraError(400, [f"Error in the JQL Query: unsupported clause '{clause}'."])


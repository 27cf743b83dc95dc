"""The JQL the Jira emulator understands, as a mixin for :class:`JiraEmulator`:
``_search(jql)`` parses the query (:mod:`.emu_jql_parse`), validates and compiles all of it
(:mod:`.emu_jql_eval`) before any issue is looked at, as Jira does, then filters and orders
the emulator's issues. What it cannot answer is a 400 with Jira's wording and body.

Supported: ``AND``/``OR``/``NOT`` (also ``&&``, ``||``, ``!``) with Jira's precedence and
parentheses; ``= != > >= < <= IN NOT IN ~ !~ IS [NOT] EMPTY|NULL``; the fields of the
emulator's issues (see :data:`adapters.jira.emu_jql_eval.FIELDS`) and indexed entity
properties; ``currentUser()``, ``openSprints()``, ``closedSprints()``, ``futureSprints()``,
``now()``, ``startOfDay()``, ``endOfDay()``; dates in the user's zone and relative periods;
``ORDER BY`` (Jira's default without one: ``key DESC``). Refused, as real Jira refuses:
unbounded queries, syntax errors, unknown fields and functions, operators a field does not
take, values that do not exist. Refused because the emulator keeps no history: ``WAS`` and
``CHANGED``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters.jira.emu_errors import JiraError, bad_jql
from adapters.jira.emu_jql_eval import Test, compile_order, compile_where
from adapters.jira.emu_jql_parse import Field, Sort, parse

__all__ = ["JiraError", "JqlSearch"]

DEFAULT_ORDER = (Sort(Field("key"), descending=True),)  # Jira's, without ORDER BY
UNBOUNDED = ("Unbounded JQL queries are not allowed here. Please add a search restriction to "
             "your query.")


class JqlSearch:
    """Mixed into the emulator: searches its ``issues`` (and ``properties``)."""

    issues: dict[str, dict[str, Any]]
    properties: dict[str, dict[str, Any]]
    indexed_properties: set[str]
    user_zone: str
    users: dict[str, dict[str, Any]]
    me: str
    projects: dict[str, dict[str, Any]]
    workflow: dict[str, dict[str, str]]
    sprints: dict[str, dict[str, Any]]
    priorities: list[str]
    issue_types: dict[str, dict[str, Any]]

    def now(self) -> dt.datetime:
        raise NotImplementedError  # the emulator base has the clock

    def _search(self, jql: str) -> list[dict[str, Any]]:
        query = parse(jql)
        if query.where is None:
            raise bad_jql(UNBOUNDED)
        test: Test = compile_where(query.where, self)
        order = compile_order(query.order or DEFAULT_ORDER, self)
        rows = sorted((i for i in self.issues.values() if test(i)), key=lambda i: int(i["id"]))
        for key, descending in reversed(order):
            rows.sort(key=key, reverse=descending)
        return rows

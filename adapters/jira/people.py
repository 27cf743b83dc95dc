"""Assignees: e-mail (canonical) <-> Jira accountId.

Jira hides the e-mail of many profiles (the user's privacy setting) but its user search still
matches the address; so a person is found by e-mail, and for a profile that hides it synchub
notes the pair on the issue itself (the ``synchub.assignee`` entity property, which listings
fetch), or the issue would read back as "unassigned" in any other process and that would be
copied everywhere. An e-mail Jira does not know at all cannot be assigned: the issue is left
unassigned and :meth:`People.represent` says so, so the planner neither writes it again every
round nor takes Jira's "unassigned" for an edit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from adapters.jira.client import JiraClient

PEOPLE_PROPERTY = "synchub.assignee"
UNKNOWN_FOR = 3600.0  # seconds before an e-mail Jira did not know is looked up again
log = logging.getLogger(__name__)


class People:
    def __init__(self, client: JiraClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.clock = clock
        self.accounts: dict[str, str] = {}  # accountId -> e-mail
        self.hidden: set[str] = set()  # accountIds whose profile hides the e-mail
        self.unknown: dict[str, float] = {}  # e-mail -> when Jira last did not know it

    def email(self, user: Mapping[str, Any] | None, properties: Mapping[str, Any] | None
              ) -> str | None:
        """The e-mail of an issue's assignee (None: unassigned, or nobody can tell)."""
        if not user:
            return None
        aid = str(user["accountId"])
        if user.get("emailAddress"):
            self.accounts[aid] = str(user["emailAddress"]).lower()
        elif aid not in self.accounts:
            noted = (properties or {}).get(PEOPLE_PROPERTY) or {}
            if noted.get("accountId") == aid and noted.get("email"):
                self.accounts[aid] = str(noted["email"])
                self.hidden.add(aid)
        return self.accounts.get(aid)

    def account(self, email: str) -> str | None:
        """The accountId of ``email``, or None if Jira knows nobody by it."""
        for aid, known in self.accounts.items():
            if known == email:
                return aid
        if self.is_unknown(email):
            return None
        users = self.client.call(lambda: self.client.jira.search_users(query=email))
        for u in users:
            if (getattr(u, "emailAddress", None) or "").lower() == email:
                self.accounts[u.accountId] = email
                return str(u.accountId)
        # A profile that hides its address, matched by it: the only active person found.
        hidden = [u for u in users if not getattr(u, "emailAddress", None)
                  and getattr(u, "accountType", "atlassian") == "atlassian"
                  and getattr(u, "active", True)]
        if len(hidden) == 1 and len(users) == 1:
            aid = str(hidden[0].accountId)
            self.accounts[aid] = email
            self.hidden.add(aid)
            return aid
        self.unknown[email] = self.clock()
        log.warning("jira: no user with the e-mail %s is visible to the API user; issues "
                    "assigned to that address are left unassigned in Jira", email)
        return None

    def is_unknown(self, email: str) -> bool:
        seen = self.unknown.get(email)
        return seen is not None and self.clock() - seen < UNKNOWN_FOR

    def represent(self, email: str | None) -> str | None:
        """What an issue assigned to ``email`` reads back as (no lookup: the planner is pure)."""
        return None if email and self.is_unknown(email) else email

    def note(self, aid: str | None) -> dict[str, Any] | None:
        """The entity property to keep with an issue assigned to ``aid``, if Jira hides the
        address (so every process can read the assignee back)."""
        if aid is None or aid not in self.hidden:
            return None
        return {"accountId": aid, "email": self.accounts[aid]}

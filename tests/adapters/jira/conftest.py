"""A Jira emulator on 127.0.0.1 and an adapter talking to it through the ``jira`` client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from adapters.base import EndpointContext
from adapters.jira import JiraAdapterFactory, JiraConnection, JiraScope, adf
from adapters.jira.adapter import JiraAdapter
from adapters.jira.emu_changelog import PERSON
from adapters.jira.sandbox import JiraSandbox
from hub.model import DateOnly, Item
from tests.contract.harness import SandboxHarness


def build(sandbox: JiraSandbox, **scope: Any) -> JiraAdapter:
    factory = JiraAdapterFactory()
    conn = JiraConnection.model_validate(sandbox.connection)
    return factory.build(conn, JiraScope.model_validate(sandbox.scope | scope),
                         EndpointContext(name="jira", flow="t", value_maps=sandbox.value_maps,
                                         options=sandbox.options))


class JiraHarness(SandboxHarness):
    supports_versions = True

    ops: ClassVar[dict[str, str]] = {"changes": "search"}

    def __init__(self, sandbox: JiraSandbox) -> None:
        super().__init__(sandbox)
        self.adapter = build(sandbox)

    def sample(self, n: int) -> Item:
        return Item(title=f"Issue {n}", description=f"Steps:\n\n- one **{n}**\n- two",
                    priority=1 + n % 4, labels=[f"l{n}"],
                    due=DateOnly(date=dt.date(2026, 12, 1 + n % 28)),
                    assignee=f"u{n % 20}@example.com", duration=30 + 15 * n)

    def plant_unreadable(self, title: str) -> str:
        """An issue due on 9999-12-31: Jira holds it, synchub's date range does not."""
        return str(self.emu.create({"project": {"key": self.sandbox.options["project"]},
                                    "issuetype": {"name": "Task"}, "summary": title,
                                    "duedate": "9999-12-31"})["id"])

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "labels": [f"e{n}"], "duration": 60 * n}

    # -- comments (tests.contract.comments.CommentHarness): a person in Jira's UI ----------

    def user_comment(self, ref: str, text: str) -> str:
        return str(self.emu.add_comment(ref, _doc(text), PERSON)["id"])

    def user_edit_comment(self, ref: str, comment_ref: str, text: str) -> None:
        self.emu.edit_comment(ref, comment_ref, _doc(text), PERSON)

    def user_delete_comment(self, ref: str, comment_ref: str) -> None:
        self.emu.delete_comment(ref, comment_ref)


def _doc(text: str) -> dict[str, Any]:
    """What Jira's editor stores for a person's Markdown-ish text."""
    doc = adf.from_markdown(text)
    assert doc is not None, "a comment needs text"
    return doc


@pytest.fixture
def sandbox() -> Iterator[JiraSandbox]:
    s = JiraSandbox()
    yield s
    s.stop()


@pytest.fixture
def harness(sandbox: JiraSandbox) -> Iterator[JiraHarness]:
    h = JiraHarness(sandbox)
    yield h
    h.adapter.close()

"""Validating exchanges: each service's validator, the allow-list of documented deviations
(``deviations.toml``), and a cache so an exchange seen again is not validated again."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.support.conformance.exchange import Exchange, Violation

DEVIATIONS = Path(__file__).parent / "deviations.toml"

Validator = Callable[[Exchange], list[Violation]]


@dataclass(frozen=True)
class Deviation:
    """A documented departure: the operation (a glob over ``METHOD /template``), the
    violation's message (a regular expression, searched) and why it is allowed."""

    service: str
    operation: str
    message: str
    reason: str

    def allows(self, v: Violation) -> bool:
        return (v.service == self.service and fnmatch.fnmatchcase(v.operation, self.operation)
                and re.search(self.message, v.message) is not None)


@cache
def deviations() -> tuple[Deviation, ...]:
    data = tomllib.loads(DEVIATIONS.read_text())
    return tuple(Deviation(service, d["operation"], d["message"], d["reason"])
                 for service, entries in data.items() for d in entries)


@cache
def validators() -> dict[str, Validator]:
    """The validator of each service whose official description is held here."""
    from tests.support.conformance import gcal, jira, notion, todoist

    return {"jira": jira.validate, "gcal": gcal.validate, "notion": notion.validate,
            "todoist": todoist.validate}


_seen: dict[tuple[object, ...], tuple[Violation, ...]] = {}


def violations(exchanges: Iterable[Exchange]) -> list[Violation]:
    """Every departure in the exchanges that no documented deviation allows."""
    found: list[Violation] = []
    for ex in exchanges:
        if ex.key not in _seen:
            validate = validators().get(ex.service)
            _seen[ex.key] = tuple(validate(ex)) if validate else ()
        found.extend(v for v in _seen[ex.key]
                     if not any(d.allows(v) for d in deviations()))
    return found

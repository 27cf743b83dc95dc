"""JQL read as text, only as far as the adapter needs: where its ``ORDER BY`` starts and
what its top-level ``AND`` terms are, with quoted strings, ``${...}`` placeholders and
parentheses respected (an ``order by`` inside ``summary ~ "order by"`` is text, a ``project``
inside parentheses is not top-level).

Deliberately not the emulator's JQL parser (:mod:`adapters.jira.emu_jql_parse`): that one
is a model of Jira for tests and refuses what it does not emulate (fields, functions, ``WAS``),
while these helpers must take any JQL a person writes and never refuse it."""

from __future__ import annotations

import itertools
import re
from typing import NamedTuple

_TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)
  | (?P<placeholder>\$\{[^}]*\}?)
  | (?P<open>\() | (?P<close>\)) | (?P<and>&&?) | (?P<or>\|\|?) | (?P<comma>,)
  | (?P<word>[^\s()"'&|,]+)
""", re.X)
_VALUE = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\$\{[^}]*\}|[^\s()"',=!~<>]+)"""
#: a clause that restricts the project and nothing else: ``project = X``, ``project in (X, Y)``
PROJECT_CLAUSE = re.compile(rf"(?i)project\s*(?:=\s*{_VALUE}|\s+in\s*\(\s*{_VALUE}"
                            rf"(?:\s*,\s*{_VALUE})*\s*\))")


#: Jira's reserved JQL words (the list Jira documents, the ones real users hit: AS, SET, END,
#: INT...): unquoted, a query cannot use them as values
_RESERVED = """
    a an abort access add after alias all alter any are as audit avg before begin between
    boolean break byte catch cf char character check checkpoint collate collation column commit
    connect continue count create current date decimal declare decrement default defaults
    define delete delimiter difference distinct divide do double drop else encoding end equals
    escape exclusive exec execute exists explain false fetch file field first float for from
    function go goto grant greater group having identified if immediate increment index initial
    inner inout input insert int integer intersect intersection into isempty isnull join last
    left less like limit lock long max min minus mode modify modulo more multiply next noaudit
    notin nowait number object of on option outer output power previous prior privileges public
    raise raw remainder rename resource return returns revoke right row rowid rownum rows select
    session set share size sqrt start strict string subtract sum synonym table then to trans
    transaction trigger true uid union unique update user validate values view when whenever
    where while with"""
RESERVED = frozenset(_RESERVED.split())
#: the JQL words of the grammar itself
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc",
                      "desc", "was", "changed"})


def needs_quotes(word: str) -> bool:
    """A value that must be written in quotes (not a plain word, or a JQL word)."""
    return not re.fullmatch(r"[\w.-]+", word) or word.lower() in RESERVED | KEYWORDS


class Token(NamedTuple):
    kind: str  # string, placeholder, open, close, and, or, comma, word
    text: str
    start: int
    end: int
    depth: int  # parentheses around it (an ``open`` counts the ones outside it)


def tokens(jql: str) -> list[Token]:
    out, depth = [], 0
    for m in _TOKEN.finditer(jql):
        kind = str(m.lastgroup)
        if kind == "close":
            depth -= 1
        text = m.group()
        if kind == "word" and text.lower() in ("and", "or"):
            kind = text.lower()
        out.append(Token(kind, text, m.start(), m.end(), depth))
        if kind == "open":
            depth += 1
    return out


def balanced(jql: str) -> bool:
    """Parentheses that close in order, and no string left open."""
    toks = tokens(jql)
    if any(t.kind == "string" and (len(t.text) < 2 or t.text[-1] != t.text[0])
           for t in toks):
        return False
    return all(t.depth >= 0 for t in toks) and sum(
        (t.kind == "open") - (t.kind == "close") for t in toks) == 0


def split_order(jql: str) -> tuple[str, str]:
    """(the condition, the ``ORDER BY ...`` clause or ""), both stripped."""
    toks = tokens(jql)
    for a, b in itertools.pairwise(toks):
        if (a.kind == b.kind == "word" and a.depth == 0 and a.text.lower() == "order"
                and b.text.lower() == "by"):
            return jql[:a.start].strip(), jql[a.start:].strip()
    return jql.strip(), ""


def split_top(jql: str, kind: str) -> list[str]:
    """The terms joined at the top level by ``and`` or ``or`` (the whole, stripped, when
    there is no such joint)."""
    parts, start = [], 0
    for t in tokens(jql):
        if t.kind == kind and t.depth == 0:
            parts.append(jql[start:t.start].strip())
            start = t.end
    return [*parts, jql[start:].strip()]


def unwrap(term: str) -> str:
    """A term without parentheses around all of it: ``((a OR b))`` is ``a OR b``."""
    while term.startswith("(") and term.endswith(")"):
        toks = tokens(term)
        closing = next((t for t in toks if t.kind == "close" and t.depth == 0), None)
        if closing is None or closing.end != len(term):
            break
        term = term[1:-1].strip()
    return term


def only_projects(term: str) -> bool:
    """The term restricts the project and nothing else: one project clause, or an ``OR``
    of them (``project in (A) OR project = B``), perhaps in parentheses; never negated."""
    alternatives = split_top(unwrap(term), "or")
    return all(PROJECT_CLAUSE.fullmatch(unwrap(a)) for a in alternatives)

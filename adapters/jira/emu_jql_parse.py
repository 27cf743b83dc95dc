"""JQL's syntax for the Jira emulator: a ``lark`` grammar, the tree it parses to, and Jira's
own wording for what does not parse.

Why a grammar and not regular expressions: the JQL a user writes in a scope nests (``a AND (b
OR NOT c)``), quotes values with either quote and escapes, and gives ``NOT`` > ``AND`` > ``OR``
precedence, as Jira does. The parser only knows syntax; which fields, operators, values and
functions exist is :mod:`adapters.jira.emu_jql_eval`'s job, so this module needs no emulator.

Keywords (``AND``, ``OR``, ``NOT``, ``IN``, ``IS``, ``EMPTY``, ``NULL``, ``WAS``, ``CHANGED``,
``ORDER``, ``BY``, ``ASC``, ``DESC``) are case-insensitive and are always keywords: an unquoted
``and`` where a value belongs is an error, as in Jira, which asks for quotes. Jira's other
reserved words (``as``, ``set``, ``end``...) may not be unquoted values or field names either.
Errors carry Jira's ``(line L, character C)`` position, 1-based, of the offending token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from adapters.jira.emu_errors import JiraError, bad_jql
from adapters.jira.jql_text import RESERVED

_GRAMMAR = r"""
start: expr? order?
?expr: or_
?or_: and_ ((OR | PIPE) and_)*
?and_: not_ ((AND | AMP) not_)*
?not_: (NOT | BANG) not_ -> negate
     | atom
?atom: "(" expr ")"
     | clause
clause: field OPERATOR operand        -> compare
      | field IN operand               -> within
      | field NOT IN operand           -> not_within
      | field IS NOT? (EMPTY | NULL)   -> is_empty
      | field WAS NOT? IN? operand     -> was
      | field CHANGED                  -> changed
field: WORD | STRING | CF_FIELD | PROPERTY_FIELD
?operand: value | listof | function
value: WORD | STRING | EMPTY | NULL
listof: "(" operand ("," operand)* ")"
function: WORD "(" [argument ("," argument)*] ")"
argument: WORD | STRING
order: ORDER BY sort ("," sort)*
sort: sort_field (ASC | DESC)?
sort_field: WORD | STRING | CF_FIELD | PROPERTY_FIELD

%declare OR AND NOT IN IS EMPTY NULL WAS CHANGED ORDER BY ASC DESC
AMP: "&&" | "&"
PIPE: "||" | "|"
BANG: "!"
OPERATOR: "!=" | "!~" | ">=" | "<=" | "=" | ">" | "<" | "~"
CF_FIELD.2: /cf\[\d+\]/i
PROPERTY_FIELD.2: /issue\.property\[[^\]\s]+\](\.[\w.-]+)?/i
STRING: /"(\\.|[^"\\])*"/ | /'(\\.|[^'\\])*'/
WORD: /[^\s"'=!<>()~,\[\]|&{}*\/%^$#@;?.+]+/
%ignore /\s+/
"""

KEYWORDS = frozenset({"or", "and", "not", "in", "is", "empty", "null", "was", "changed",
                      "order", "by", "asc", "desc"})
# Jira's reserved JQL words besides the keywords above (RESERVED, kept with the adapter's
# JQL text helpers, which quote a project key that is one): unquoted, they are refused.


def _keyword(token: Token) -> Token:
    """An unquoted word that is a keyword lexes as that keyword, whatever its case."""
    if token.value.lower() in KEYWORDS:
        token.type = token.value.upper()
    return token


_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False,
               lexer_callbacks={"WORD": _keyword})


# -- the tree ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """A literal; ``keyword`` is ``"EMPTY"`` for ``EMPTY``/``NULL``."""
    text: str
    line: int = 1
    column: int = 1
    keyword: str | None = None


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[str, ...]
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class ListOf:
    items: tuple[Value | Function | ListOf, ...]


Operand = Value | Function | ListOf


@dataclass(frozen=True)
class Field:
    """A field as written (``name`` keeps its case for Jira's messages)."""
    name: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Clause:
    """``field op operand``; ``op`` is lower case: ``=``, ``in``, ``not in``, ``is not``,
    ``was``... For ``is``/``is not`` the operand is ``EMPTY``."""
    field: Field
    op: str
    operand: Operand | None


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = Clause | Not | And | Or


@dataclass(frozen=True)
class Sort:
    field: Field
    descending: bool = False


@dataclass(frozen=True)
class Query:
    """``where`` is None for a query with no condition; ``order`` None without ORDER BY."""
    where: Node | None
    order: tuple[Sort, ...] | None


# -- parsing ----------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def _unquote(token: Token) -> str:
    """A quoted string's text with its escapes resolved (``\\"``, ``\\'``, ``\\\\``, ``\\n``,
    ``\\t``, ``\\r``, ``\\uXXXX``; any other escaped character stands for itself)."""
    def one(m: re.Match[str]) -> str:
        s = m.group(1)
        return chr(int(s[1:], 16)) if len(s) == 5 else _ESCAPES.get(s, s)
    return _ESCAPE.sub(one, token.value[1:-1])


def _position(token: Token) -> str:
    return f"(line {token.line}, character {token.column})"


def _text(token: Token) -> str:
    """A token as a word: quoted strings unquoted; unquoted reserved words refused."""
    if token.type == "STRING":
        return _unquote(token)
    if token.type == "WORD" and token.value.lower() in RESERVED:
        raise bad_jql(f"Error in the JQL Query: '{token.value}' is a reserved JQL word. You "
                      "must surround it in quotation marks to use it in a query. "
                      f"{_position(token)}")
    return str(token.value)


class _ToTree(Transformer[Token, Any]):
    """lark's parse tree -> the dataclasses above."""

    def start(self, items: list[Any]) -> Query:
        where = next((i for i in items if not isinstance(i, tuple)), None)
        order = next((i for i in items if isinstance(i, tuple)), None)
        return Query(where, order)

    def or_(self, items: list[Any]) -> Or:
        return Or(tuple(i for i in items if not isinstance(i, Token)))

    def and_(self, items: list[Any]) -> And:
        return And(tuple(i for i in items if not isinstance(i, Token)))

    def negate(self, items: list[Any]) -> Not:
        return Not(items[1])

    def field(self, items: list[Token]) -> Field:
        return Field(_text(items[0]), items[0].line or 1, items[0].column or 1)

    def value(self, items: list[Token]) -> Value:
        t = items[0]
        keyword = "EMPTY" if t.type in ("EMPTY", "NULL") else None
        return Value(_text(t), t.line or 1, t.column or 1, keyword)

    def listof(self, items: list[Operand]) -> ListOf:
        return ListOf(tuple(items))

    def argument(self, items: list[Token]) -> str:
        return _unquote(items[0]) if items[0].type == "STRING" else str(items[0].value)

    def function(self, items: list[Any]) -> Function:
        name = items[0]
        return Function(str(name.value), tuple(items[1:]), name.line or 1, name.column or 1)

    def compare(self, items: list[Any]) -> Clause:
        return Clause(items[0], str(items[1].value), items[2])

    def within(self, items: list[Any]) -> Clause:
        return Clause(items[0], "in", items[2])

    def not_within(self, items: list[Any]) -> Clause:
        return Clause(items[0], "not in", items[3])

    def is_empty(self, items: list[Any]) -> Clause:
        negated = any(isinstance(i, Token) and i.type == "NOT" for i in items)
        return Clause(items[0], "is not" if negated else "is", Value("EMPTY", keyword="EMPTY"))

    def was(self, items: list[Any]) -> Clause:
        return Clause(items[0], "was", items[-1])

    def changed(self, items: list[Any]) -> Clause:
        return Clause(items[0], "changed", None)

    def sort_field(self, items: list[Token]) -> Field:
        return self.field(items)

    def sort(self, items: list[Any]) -> Sort:
        return Sort(items[0], len(items) > 1 and items[1].type == "DESC")

    def order(self, items: list[Any]) -> tuple[Sort, ...]:
        return tuple(i for i in items if isinstance(i, Sort))


def parse(jql: str) -> Query:
    """``jql`` as a :class:`Query`, or a :class:`JiraError` (400) in Jira's words."""
    try:
        tree = _PARSER.parse(jql)
    except UnexpectedInput as exc:
        raise syntax_error(exc, jql) from None
    try:
        query: Query = _ToTree().transform(tree)
    except VisitError as exc:  # lark wraps what a callback raises
        if isinstance(exc.orig_exc, JiraError):
            raise exc.orig_exc from None
        raise
    return query


# -- Jira's syntax errors ---------------------------------------------------------------------

OPERATORS = ("The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', "
             "'NOT IN', 'IS' and 'IS NOT'.")


def _characters(exc: UnexpectedCharacters, jql: str) -> JiraError:
    at = f"(line {exc.line}, character {exc.column})"
    pos = exc.pos_in_stream or 0
    ch = jql[pos]
    if ch in "\"'":
        return bad_jql(f"Error in the JQL Query: The quoted string '{jql[pos + 1:]}'"
                       f" has not been completed. {at}")
    return bad_jql(f"Error in the JQL Query: The character '{ch}' is a reserved JQL character. "
                   f"You must enclose it in a string or use the escape '\\u{ord(ch):04x}' "
                   f"instead. {at}")


def _expecting(expected: set[str], got: str) -> str:
    """What Jira says it expected, by the parser state's acceptable tokens."""
    if "OPERATOR" in expected:
        return f"Expecting operator {got}. {OPERATORS}"
    if "STRING" in expected and "EMPTY" in expected:
        return f"Expecting either a value, list or function {got}."
    if "PROPERTY_FIELD" in expected:
        return f"Expecting a field name {got}."
    if "BY" in expected:
        return f"Expecting 'BY' {got}."
    if "EMPTY" in expected:
        return f"Expecting either 'EMPTY' or 'NULL' {got}."
    if "ASC" in expected:
        return f"Expecting either 'ASC' or 'DESC' {got}."
    if "AND" in expected or "ORDER" in expected:
        if "$END" not in expected and not got.startswith("but"):
            return f"Expecting ')' {got}."
        return f"Expecting either 'OR' or 'AND' {got}."
    if "RPAR" in expected:
        return f"Expecting ')' {got}."
    return f"Unexpected {got}."


def syntax_error(exc: UnexpectedInput, jql: str) -> JiraError:
    if isinstance(exc, UnexpectedCharacters):
        return _characters(exc, jql)
    assert isinstance(exc, UnexpectedToken)
    token, expected = exc.token, set(exc.expected)
    if token.type == "$END":
        end = _expecting(expected, "before the end of the query")
        return bad_jql(f"Error in the JQL Query: {end}")
    got = f"but got '{token.value}'"
    message = _expecting(expected, got)
    if token.type in {k.upper() for k in KEYWORDS}:
        kind = "field name" if "PROPERTY_FIELD" in expected else "value"
        message += (f" You must surround '{token.value}' in quotation marks to use it as a "
                    f"{kind}.")
    return bad_jql(f"Error in the JQL Query: {message} {_position(token)}")

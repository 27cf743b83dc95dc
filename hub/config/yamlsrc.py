"""Reading YAML while keeping where every key and value came from.

The document is composed to nodes first: syntax errors come with line and column, and every
duplicated key is found (a plain load keeps one silently, or stops at the first). Then it is
constructed with ruamel's round-trip loader, whose maps remember each key's position, so any
later problem (a pydantic error, a cross-check) can be pointed at ``file:line:column``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from hub.errors import ConfigProblem

Path_ = Sequence[str | int]


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = True  # we report every duplicate ourselves, with its line
    return y


def parse(text: str, file: str) -> tuple[Any, list[ConfigProblem]]:
    """(document, problems). A syntax error makes the document None."""
    y = _yaml()
    try:
        node = y.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = (exc.problem or exc.context or "invalid YAML").strip()
        return None, [ConfigProblem(f"YAML syntax error: {what}", file, line, col)]
    problems = list(_duplicates(node, file, ()))
    # constructed from the nodes just composed (not parsed again: that was half of what
    # reading a config cost each ``synchub`` process); an empty document is None as load gives
    doc = y.constructor.construct_document(node) if node is not None else None
    return doc, problems


def _duplicates(node: Node | None, file: str, path: tuple[str | int, ...]
                ) -> list[ConfigProblem]:
    out: list[ConfigProblem] = []
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                out.append(ConfigProblem(
                    f"duplicate key {key!r} (first defined on line {seen[key]}); YAML keeps "
                    "only one of them", file, line, key_node.start_mark.column + 1,
                    dotted((*path, key))))
            else:
                seen[key] = line
            out.extend(_duplicates(value_node, file, (*path, key)))
    elif isinstance(node, SequenceNode):
        for i, child in enumerate(node.value):
            out.extend(_duplicates(child, file, (*path, i)))
    return out


def dotted(path: Path_) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def locate(doc: Any, path: Path_) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the deepest existing element along ``path``."""
    line: int | None = None
    col: int | None = None
    node = doc
    for p in path:
        if isinstance(node, CommentedMap) and p in node:
            pos = node.lc.key(p)
            line, col = pos[0] + 1, pos[1] + 1
            node = node[p]
        elif isinstance(node, CommentedSeq) and isinstance(p, int) and 0 <= p < len(node):
            pos = node.lc.item(p)
            line, col = pos[0] + 1, pos[1] + 1
            node = node[p]
        else:
            break
    if line is None and isinstance(doc, CommentedMap | CommentedSeq):
        line, col = 1, 1
    return line, col


def plain(value: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists (for pydantic)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value

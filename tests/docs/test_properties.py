"""Every reliability property the code cites, as ``(P3)`` or a range ``P1-P5`` (hyphen or en
dash), has its heading in docs/design.md, so ``design.md#p3`` leads to it."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from tests.docs.support import DOCS, ROOT, anchors

CITED = re.compile(r"\bP(\d{1,2})\b(?:\s*[\u2013-]\s*P(\d{1,2})\b)?")


def _comments_and_strings(path: Path) -> list[str]:
    kinds = (tokenize.COMMENT, tokenize.STRING)
    return [tok.string for tok in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
            if tok.type in kinds]


def cited() -> dict[int, str]:
    """Property number -> one file citing it."""
    out: dict[int, str] = {}
    for folder in ("hub", "adapters", "mappings"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for text in _comments_and_strings(path):
                for first, last in CITED.findall(text):
                    for n in range(int(first), int(last or first) + 1):
                        out.setdefault(n, str(path.relative_to(ROOT)))
    return out


def test_every_cited_property_has_a_heading_in_design_md() -> None:
    found = cited()
    assert {13, 14} <= set(found), "no (Pn) citation found: is the pattern still right?"
    headings = anchors(DOCS / "design.md")
    missing = {f"P{n}": where for n, where in found.items() if f"p{n}" not in headings}
    assert not missing, f"cited but without a '### Pn' heading in docs/design.md: {missing}"


def test_design_md_has_p1_to_p12_at_least() -> None:
    headings = anchors(DOCS / "design.md")
    assert all(f"p{n}" in headings for n in range(1, 13))

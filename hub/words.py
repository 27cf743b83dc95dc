"""Counted nouns in what people read: "1 calendar", "2 calendars" (issue 16 found
"1 calendars")."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` with the noun it counts, in the right number."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


__all__ = ["counted"]

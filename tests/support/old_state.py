"""A state file as an older synchub left it: the schema up to a version, nothing newer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.store.schema import MIGRATIONS
from hub.store.sqlite import SQLITE


def old_sqlite_state(path: Path, version: int, *rows: str) -> None:
    """Write ``path`` at schema ``version``, then run ``rows`` (INSERT statements)."""
    db = sqlite3.connect(path)
    for stmt in (s for migration in MIGRATIONS[:version] for s in migration):
        db.execute(stmt.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT",
                               add_column=SQLITE.add_column, copy_parent=SQLITE.copy_parent))
    db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(version),))
    for row in rows:
        db.execute(row)
    db.commit()
    db.close()

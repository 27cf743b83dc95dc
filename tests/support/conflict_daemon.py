"""A daemon (not serving) over two memory services whose flow holds one queued ``manual``
conflict: for the status page's conflict and chart tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from adapters.memory import MemoryService, get_service
from hub.daemon.service import Daemon
from hub.model import Item
from hub.runtime import open_runtime
from tests.support.daemon_config import write_memory_config

ADMIN = "admin-s3cret-token-value"


@dataclass
class Setup:
    daemon: Daemon
    a: MemoryService
    b: MemoryService
    refs: tuple[str, str]  # the item in a, its copy in b


def conflicted(tmp_path: Path, admin: str | None = ADMIN, token: str = "") -> Setup:
    """Round 1 copies an item from ``a`` to ``b`` (1 write); both then retitle it, and round 2
    queues the conflict on ``title`` (no writes)."""
    tag = uuid.uuid4().hex[:8]
    path = write_memory_config(tmp_path / "synchub.yaml", tag, state='url: "sqlite:///state.db"',
                               daemon=", ".join(([f"admin_token: {admin}"] if admin else [])
                                                + ([f"token: {token}"] if token else [])),
                               interval="1h", conflict="manual")
    a, b = get_service(f"a-{tag}"), get_service(f"b-{tag}")
    ref_a = a.user_create(Item(title="draft"))
    daemon = Daemon(open_runtime(str(path)))
    assert daemon.run_round("work") == "ok"
    (ref_b,) = b.live()
    a.user_edit(ref_a, title="title from x")
    b.user_edit(ref_b, title="title from y")
    daemon.run_round("work")
    assert len(daemon.store.conflicts("work")) == 1
    return Setup(daemon, a, b, (ref_a, ref_b))

"""A separate process holding a state store, driven line by line over stdin (for the
process-level store tests): ``python -m tests.store.worker URL``.

Commands: ``save ID`` (commit a link), ``lock FLOW`` (take the flow's writer lock and keep it),
``unlock``, ``links FLOW`` (print how many links), ``quit``. Each answers one line.
"""

from __future__ import annotations

import contextlib
import sys

from hub.model import Item
from hub.store import open_store
from hub.store.base import LinkState


def main(url: str) -> None:
    store = open_store(url)
    store.migrate()
    held: contextlib.ExitStack | None = None
    print("ready", flush=True)
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "save":
            with store.transaction() as tx:
                tx.save_link(LinkState("f", arg, Item(title=arg)))
            print("saved", flush=True)
        elif cmd == "lock":
            held = contextlib.ExitStack()
            held.enter_context(store.writer(arg, f"worker {arg}", wait=0))
            print("locked", flush=True)
        elif cmd == "unlock" and held is not None:
            held.close()
            held = None
            print("unlocked", flush=True)
        elif cmd == "links":
            print(len(store.load_links(arg)), flush=True)
        elif cmd == "quit":
            break
    store.close()


if __name__ == "__main__":
    main(sys.argv[1])

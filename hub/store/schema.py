"""Versioned schema migrations, shared by both engines.

Each migration is a list of statements with ``{serial}`` / ``{blob}`` placeholders filled in by
the dialect. The ``meta`` table records ``schema_version``; opening a store whose version is
newer than :data:`hub.store.base.SCHEMA_VERSION` is refused, because an older synchub could
misread (and then rewrite) state it does not understand.
"""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # 1: the initial schema
    [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS links (
            flow TEXT NOT NULL, link_id TEXT NOT NULL, base TEXT NOT NULL,
            provenance TEXT NOT NULL, detached TEXT NOT NULL, deleting INTEGER NOT NULL,
            PRIMARY KEY (flow, link_id))""",
        """CREATE TABLE IF NOT EXISTS copies (
            flow TEXT NOT NULL, link_id TEXT NOT NULL, endpoint TEXT NOT NULL,
            ref TEXT NOT NULL, version TEXT, base TEXT, snapshot TEXT,
            PRIMARY KEY (flow, link_id, endpoint))""",
        "CREATE INDEX IF NOT EXISTS copies_by_ref ON copies (flow, endpoint, ref)",
        """CREATE TABLE IF NOT EXISTS cursors (
            flow TEXT NOT NULL, endpoint TEXT NOT NULL, cursor TEXT,
            PRIMARY KEY (flow, endpoint))""",
        """CREATE TABLE IF NOT EXISTS journal (
            key TEXT PRIMARY KEY, flow TEXT NOT NULL, link_id TEXT NOT NULL,
            endpoint TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
            state TEXT NOT NULL, created_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS journal_pending ON journal (flow, state)",
        """CREATE TABLE IF NOT EXISTS conflicts (
            id {serial}, flow TEXT NOT NULL, link_id TEXT NOT NULL, field TEXT NOT NULL,
            vals TEXT NOT NULL, created_at TEXT NOT NULL, resolved_with TEXT,
            resolved_at TEXT)""",
        """CREATE TABLE IF NOT EXISTS runs (
            id {serial}, flow TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
            status TEXT NOT NULL, counts TEXT NOT NULL, error TEXT)""",
        """CREATE TABLE IF NOT EXISTS leases (
            flow TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)""",
    ],
    # 2: one writer per flow (P13), poison items (P14), retention
    [
        # the line a writer lock's holder describes itself with (PostgreSQL; SQLite keeps it
        # in the lock file)
        "CREATE TABLE IF NOT EXISTS writers (flow TEXT PRIMARY KEY, holder TEXT NOT NULL, "
        "since TEXT NOT NULL)",
        # was bumped by every commit that changed a flow's links, for a links cache; unused
        # since version 7 (rounds read their working set, nothing is cached)
        "CREATE TABLE IF NOT EXISTS generations (flow TEXT PRIMARY KEY, gen BIGINT NOT NULL)",
        # change notices accepted by any replica, for the one that runs the flow
        "CREATE TABLE IF NOT EXISTS notices (flow TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS quarantine (
            flow TEXT NOT NULL, endpoint TEXT NOT NULL, ref TEXT NOT NULL, kind TEXT NOT NULL,
            link_id TEXT, title TEXT NOT NULL, reason TEXT NOT NULL, fingerprint TEXT NOT NULL,
            attempts INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
            next_try TEXT NOT NULL, PRIMARY KEY (flow, endpoint, ref, kind))""",
        "CREATE INDEX IF NOT EXISTS runs_by_flow ON runs (flow, id)",
        "CREATE INDEX IF NOT EXISTS journal_settled ON journal (state, created_at)",
    ],
    # 3: held-back matches (quarantine kind 'ambiguous', hub.planner.matching): a version-2
    # synchub cannot read such a record, so it must refuse this store rather than crash on it
    [
        "CREATE INDEX IF NOT EXISTS quarantine_by_kind ON quarantine (flow, kind)",
    ],
    # 4: comment threads (hub.round.comments): one row a comment and its copies; a version-3
    # synchub would drop links without their threads and then copy every comment again
    [
        """CREATE TABLE IF NOT EXISTS comment_threads (
            flow TEXT NOT NULL, thread TEXT NOT NULL, link_id TEXT NOT NULL,
            source TEXT NOT NULL, author TEXT NOT NULL, created_at TEXT, link TEXT,
            body TEXT NOT NULL, copies TEXT NOT NULL, deleting INTEGER NOT NULL,
            pending INTEGER NOT NULL, PRIMARY KEY (flow, thread))""",
        "CREATE INDEX IF NOT EXISTS comment_threads_by_link ON comment_threads (flow, link_id)",
        "CREATE INDEX IF NOT EXISTS comment_threads_pending ON comment_threads (flow, pending)",
        # links whose comments could not be read when they changed (a service down): read
        # again next round, although the item's cursor has moved past the change
        "CREATE TABLE IF NOT EXISTS comment_dirty (flow TEXT NOT NULL, link_id TEXT NOT NULL, "
        "PRIMARY KEY (flow, link_id))",
    ],
    # 5: the history of each run's writes (``synchub history``, ``synchub undo``): what a
    # write replaced, kept as long as its run; a version-4 synchub would leave an undo's
    # journal unread and prune runs without their writes
    [
        """CREATE TABLE IF NOT EXISTS run_writes (
            run_id BIGINT NOT NULL, key TEXT NOT NULL, flow TEXT NOT NULL,
            link_id TEXT NOT NULL, endpoint TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT,
            title TEXT NOT NULL, old_values TEXT NOT NULL, new_values TEXT NOT NULL,
            state TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (run_id, key))""",
        "CREATE INDEX IF NOT EXISTS run_writes_by_key ON run_writes (key, state)",
        "ALTER TABLE runs {add_column} undoes BIGINT",
    ],
    # 6: failures people can see, notifications sent once (hub.round.health, hub.notify)
    [
        # per flow and endpoint: the latest failure, since when it persists, the last success
        """CREATE TABLE IF NOT EXISTS health (
            flow TEXT NOT NULL, endpoint TEXT NOT NULL, ok INTEGER NOT NULL, error TEXT,
            since TEXT, last_failure TEXT, last_success TEXT, failures INTEGER NOT NULL,
            next_try TEXT, PRIMARY KEY (flow, endpoint))""",
        # what people were told about, so a message goes once when it starts and once when
        # it is over, whichever process runs the rounds
        """CREATE TABLE IF NOT EXISTS incidents (
            key TEXT PRIMARY KEY, flow TEXT NOT NULL, kind TEXT NOT NULL,
            subject TEXT NOT NULL, text TEXT NOT NULL, opened_at TEXT NOT NULL,
            recovered_at TEXT, announced TEXT NOT NULL, closed TEXT NOT NULL)""",
        # when each target was last sent a message (its min_interval)
        "CREATE TABLE IF NOT EXISTS notified (target TEXT PRIMARY KEY, at TEXT NOT NULL)",
    ],
    # 7: rounds in O(changes) (hub.store.workset): which links are settled, and the parent
    # of each copy so a link's children are found by index; a version-6 synchub would save
    # links without clearing ``settled`` and a later round would skip an edited link
    [
        "ALTER TABLE links {add_column} settled INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX IF NOT EXISTS links_unsettled ON links (flow, settled)",
        "ALTER TABLE copies {add_column} parent TEXT",
        "UPDATE copies SET parent = {copy_parent}",
        "CREATE INDEX IF NOT EXISTS copies_by_parent ON copies (flow, parent)",
    ],
    # 8: what adapters discover (hub.store.discovery, adapters.context.DiscoveryCache): the
    # Jira user and field ids, the Notion schema, the Todoist project id, by service, URL,
    # account and scope, so a one-shot `synchub sync` reads none of them again; a version-7
    # synchub would simply not read it (a cache), but refuses the store as a newer schema
    [
        """CREATE TABLE IF NOT EXISTS discovery (
            key TEXT PRIMARY KEY, value TEXT NOT NULL, fetched_at TEXT NOT NULL)""",
    ],
    # 9: replicas of ``synchub run`` on one state (hub.store.replicas, hub.daemon.balance):
    # each one's heartbeat, so a replica takes its fair share of the flows and no more; a
    # version-8 synchub would take every flow it can (no harm to the data, no balance)
    [
        """CREATE TABLE IF NOT EXISTS replicas (
            holder TEXT PRIMARY KEY, started_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS leases_by_holder ON leases (holder, expires_at)",
    ],
]

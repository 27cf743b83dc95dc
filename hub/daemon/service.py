"""``synchub run``: wiring the scheduler, the engine, the web app and signal handling.

Shutdown follows uvicorn's model: signal handlers only set flags. The first SIGTERM/SIGINT
stops scheduling and asks rounds in flight to stop after the write they are making (and its
commit); rounds get ``grace`` seconds; a second signal exits at once. A restart resumes from
the committed state: unfinished intents are healed by the executor's recovery.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from adapters.base import load_factory, webhook_handler
from adapters.ratewindow import Urgency, urgency
from hub.daemon.admin import Admin
from hub.daemon.balance import Leases
from hub.daemon.chart import CHART_RUNS
from hub.daemon.conflicts_page import ConflictsState
from hub.daemon.metrics import Metrics
from hub.daemon.reports import ReportTimer
from hub.daemon.scheduler import Scheduler
from hub.daemon.web import WebState, create_app, flow_rows
from hub.errors import Busy, ConfigError, ConfigProblem, SyncHubError
from hub.notify import notifier_for
from hub.round.calls import RetryPolicy
from hub.round.conflicts import resolve_open
from hub.round.engine import RoundReport, run_flow, unavailable
from hub.round.health import conflicts_next, health_json, last_error
from hub.round.quarantine import as_json
from hub.runtime import Runtime, prune_history
from hub.status import RoundStatus
from hub.store.base import RunRecord
from hub.store.locks import describe

log = logging.getLogger("synchub.daemon")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class LockedStore:
    """Serialises store use across round threads (an SQLite connection is not shareable)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr) or name == "transaction":
            return attr

        def locked(*a: Any, **kw: Any) -> Any:
            with self._lock:
                return attr(*a, **kw)
        return locked

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._lock, self._store.transaction() as tx:
            yield tx

    def writer(self, flow: str, holder: str, **kw: Any) -> Any:
        # Not under the lock: a writer lock is held for a whole round (its own connection or
        # file), and waiting for another process must not stall every other flow's store use.
        return self._store.writer(flow, holder, **kw)


def env_token() -> str | None:
    """``SYNCHUB_DAEMON_TOKEN`` (environment or ``.env``), as config/.env.example documents;
    empty means unset."""
    from hub.settings import Settings

    token = Settings().daemon_token
    if token is None or not token.get_secret_value():
        return None
    return token.get_secret_value()


class Daemon:
    def __init__(self, rt: Runtime, *, host: str | None = None, port: int | None = None) -> None:
        cfg = rt.config
        self.rt = rt
        self.store = LockedStore(rt.store)
        rt.discovery_store = self.store  # the adapters' discoveries: through the lock too
        self.host = host or cfg.daemon.host
        self.port = cfg.daemon.port if port is None else port
        self.token = cfg.daemon.token or env_token()  # the config's token wins
        if self.token:
            rt.redact.add(self.token)  # one from the environment is not among config secrets
        if self.host not in LOOPBACK and not self.token:
            raise ConfigError(ConfigProblem(
                f"the daemon is bound to {self.host}, which is reachable from other machines: "
                "set SYNCHUB_DAEMON_TOKEN (or daemon.token) to protect the status page and "
                "metrics", path="daemon.token"))
        admin = cfg.daemon.admin_token
        self.admin = Admin(admin.get_secret_value() if admin else None)
        if self.admin.token:
            rt.redact.add(self.admin.token)
        self.stop = threading.Event()
        self.metrics = Metrics()
        self.reports: dict[str, RoundReport] = {}
        flows = rt.flows()
        self.scheduler = Scheduler(
            run_round=self.run_round,
            intervals={f: cfg.flows[f].interval.total_seconds() for f in flows},
            concurrency=cfg.daemon.concurrency, jitter=cfg.daemon.jitter)
        self.server: Any = None
        self.unfinished: list[str] = []  # flows whose rounds outlived the grace period
        self.lease_seconds = cfg.daemon.lease_seconds
        #: the flows this replica holds, its fair share of them (hub.daemon.balance)
        self.leases = Leases(self.store, f"{socket.gethostname()}:{os.getpid()}", flows,
                             self.lease_seconds,
                             self.scheduler.notify)
        self._marks: dict[str, int] = {}  # notice marks already acted on, per flow
        self._marks_lock = threading.Lock()  # guards _marks (several threads)
        self._last_prune = 0.0
        self.report_timer = self._report_timer(dt.datetime.now(dt.UTC))
        self.notifier = notifier_for(rt, self.store)
        self.metrics.observe_health(h for h in self.store.health() if h.flow in flows)

    def _report_timer(self, now: dt.datetime) -> ReportTimer | None:
        """The scheduled report (``report:``), first due at its next time after ``now``."""
        cfg = self.rt.config.report
        if cfg is None:
            return None
        from hub.report.job import scheduled
        from hub.report.schedule import parse_schedule

        return ReportTimer(parse_schedule(cfg.every), self.rt.config.timezone,
                           lambda at: scheduled(self.rt, at, store=self.store), started=now)

    # -- rounds -------------------------------------------------------------------------------

    def run_round(self, flow: str) -> str:
        t0 = time.monotonic()
        try:
            return self._round(flow, t0)
        except Exception as exc:  # the scheduler logs it and backs off; metrics see it too
            self.metrics.observe_crash(flow, exc, time.monotonic() - t0)
            raise

    @property
    def replica(self) -> str:
        """This replica's name among the others (host:pid): its leases and heartbeat."""
        return self.leases.me

    @replica.setter
    def replica(self, name: str) -> None:
        self.leases.rename(name)

    @property
    def leased(self) -> set[str]:
        """The flows this replica holds now (a copy)."""
        with self.leases.lock:
            return set(self.leases.held)

    def _round(self, flow: str, t0: float) -> str:
        # Several replicas may share one PostgreSQL state: a flow runs where its lease is
        # (work spreads, webhooks reach the holder through the store's notices), each
        # replica holding its fair share (hub.daemon.balance). The lease is affinity only;
        # what keeps two writers apart (a replica, a `synchub sync` typed by hand) is the
        # writer lock, which dies with its process.
        with self.leases.round(flow) as allowed:
            if not allowed or not self.store.try_lease(flow, self.replica, self.lease_seconds):
                self.leases.lost(flow)
                log.info("flow %s is being synced by another replica", flow)
                return RoundStatus.LEASED_ELSEWHERE
            self.leases.took(flow)
            return self._leased_round(flow, t0)

    def _leased_round(self, flow: str, t0: float) -> str:
        wait = self.rt.config.state.writer_wait.total_seconds()

        def waiting(holder: str) -> None:
            log.info("flow %s: waiting for %s to finish writing", flow, holder,
                     extra={"flow": flow})

        try:
            with self.store.writer(flow, describe(f"synchub run ({self.replica})"), wait=wait,
                                   should_stop=self.stop.is_set, on_wait=waiting):
                with self._told(flow), urgency(self._urgency(flow)):
                    report = run_flow(flow, self.rt.config.flows[flow],
                                      self.rt.adapters(flow), self.store,
                                      should_stop=self.stop.is_set,
                                      retry=RetryPolicy.from_config(self.rt.config.retry,
                                                                    sleep=self._sleep))
                if self.notifier is not None:  # under the writer lock: one decides at a time
                    self.notifier.after_round(report)
        except Busy as exc:
            log.warning("flow %s: skipped this round: %s", flow, exc, extra={"flow": flow})
            return RoundStatus.BUSY
        self.reports[flow] = report
        self._prune()
        self.metrics.observe_round(report, time.monotonic() - t0,
                                   self.store.count_links(flow),
                                   len(self.store.conflicts(flow)))
        self.metrics.observe_health(self.store.health(flow))
        c = report.counts
        log.info("round %s: %s (writes %d, failed %d, conflicts %d)", flow, report.status,
                 c["writes"], c["failed"], c.get("conflict", 0),
                 extra={"flow": flow, "status": report.status})
        for svc, err in report.errors:
            log.warning("flow %s, %s: %s", flow, svc or "-", err)
        return report.status

    def _urgency(self, flow: str) -> Urgency:
        """Whether this round was started early by a webhook, and whether one is waiting for
        it: webhook-driven work goes first (:class:`adapters.ratewindow.Urgency`)."""
        return Urgency(urgent=self.scheduler.urgent(flow),
                       waiting=lambda: self.scheduler.waiting(flow))

    @contextmanager
    def _told(self, flow: str) -> Iterator[None]:
        """A service failure that stops a round before it reports (Notion down while its
        schema is read) is recorded and told like a failed round, then raised (the scheduler
        backs off, as for any crash)."""
        try:
            yield
        except SyncHubError as err:
            report = unavailable(flow, self.rt.config.flows[flow], self.store, err)
            if report is not None:
                self.metrics.observe_health(self.store.health(flow))
                if self.notifier is not None:
                    self.notifier.after_round(report)
            raise

    def _sleep(self, seconds: float) -> None:
        """Back-off and Retry-After waits of rounds end at once on shutdown (the executor then
        sends nothing more), so a stop is not held up by a service that is down."""
        self.stop.wait(seconds)

    def _prune(self) -> None:
        """Retention, at most once an hour (state.keep_runs, state.keep_journal)."""
        if time.monotonic() - self._last_prune < 3600:
            return
        self._last_prune = time.monotonic()
        gone = prune_history(self.store, self.rt.config.state)  # the locked store: threads
        if any(gone.values()):
            log.info("pruned %d old runs and %d settled intents", gone["runs"], gone["journal"])

    # -- leases and notices across replicas ---------------------------------------------------

    def notice(self, flow: str) -> None:
        """A webhook for ``flow`` accepted here: recorded in the store, so the replica that
        holds the flow hears it even when it is not this one (none is lost), and due here."""
        self.store.add_notice(flow)
        with self._marks_lock:
            self._marks[flow] = max(self._marks.get(flow, 0), self.store.notice_mark(flow))
        self.scheduler.notify(flow)

    def poll_notices(self) -> None:
        """Notices other replicas recorded since we last looked make their flows due here
        (one query for all flows, every second)."""
        marks = self.store.notice_marks()
        for flow in self.scheduler.flows:
            mark = marks.get(flow, 0)
            with self._marks_lock:
                seen = self._marks.get(flow)
                self._marks[flow] = max(seen or 0, mark)
            if seen is not None and mark > seen:
                self.scheduler.notify(flow)

    def renew_leases(self) -> None:
        """The heartbeat: this replica alive, its leases renewed (rounds in progress
        included)."""
        self.leases.beat()

    def _background(self) -> None:
        """Notices and the balance of leases every second, the heartbeat every third of the
        lease, the scheduled report when it is due; until stopped."""
        renew_every = self.lease_seconds / 3
        next_renew = time.monotonic() + renew_every
        while not self.stop.wait(1.0):
            try:
                self.poll_notices()
                if time.monotonic() >= next_renew:
                    next_renew = time.monotonic() + renew_every
                    self.renew_leases()
                self.leases.balance()
                if self.report_timer is not None:
                    self.report_timer.tick(dt.datetime.now(dt.UTC))
            except Exception:  # the store may be briefly unreachable: try again next tick
                log.warning("could not check notices or renew leases", exc_info=True)

    def _first_leases(self) -> None:
        """Before the first round: this replica announced, the current notice marks learnt
        (old notices are not replayed), its share of the free flows taken."""
        try:
            self.renew_leases()
            self.poll_notices()
            self.leases.balance()
        except Exception:  # the store may be briefly unreachable: the loop tries again
            log.warning("could not announce this replica or take leases", exc_info=True)

    def flow_info(self) -> list[dict[str, Any]]:
        extra = {}
        for flow in self.scheduler.flows:
            report = self.reports.get(flow)
            services = self.store.health(flow)
            open_conflicts = len(self.store.conflicts(flow))
            extra[flow] = {
                "error": self.scheduler.flows[flow].last_error or last_error(services),
                "services": [health_json(h) for h in services],
                "conflicts_next": conflicts_next(open_conflicts) or None,
                "endpoints": ", ".join(self.rt.config.flows[flow].endpoints),
                "items": self.store.count_links(flow),
                "conflicts": open_conflicts,
                "writes": report.counts["writes"] if report else "—",
                "set_aside": [as_json(q) for q in self.store.quarantined(flow)],
            }
        return flow_rows(self.scheduler, extra)

    def chart_runs(self) -> list[tuple[str, list[RunRecord]]]:
        """Per flow, its latest rounds for the status page's chart (undo runs left out:
        they are not rounds)."""
        return [(flow, [r for r in self.store.runs(flow, limit=CHART_RUNS) if r.undoes is None])
                for flow in self.scheduler.flows]

    def conflict_rows(self) -> list[dict[str, Any]]:
        """The open conflicts of this daemon's flows, as the status page lists them."""
        rows = []
        for c in self.store.conflicts():
            if c.flow not in self.scheduler.flows:
                continue
            link = self.store.get_link(c.flow, c.link_id)
            rows.append({"id": c.id, "flow": c.flow, "field": c.field,
                         "title": link.base.title if link else c.link_id,
                         "since": c.created_at.strftime("%Y-%m-%d %H:%M") if c.created_at
                         else "", "values": dict(c.values)})
        return rows

    def resolve_conflict(self, conflict_id: int, endpoint: str, seen: str | None = None
                         ) -> str:
        """Resolve a conflict from the status page: the CLI's code path, under the flow's
        writer lock (a round in progress finishes first), then the flow is made due so its
        next round carries the chosen value (on whichever replica holds it)."""
        wait = self.rt.config.state.writer_wait.total_seconds()
        done = resolve_open(self.store, conflict_id, endpoint, lambda flow: self.store.writer(
            flow, describe(f"status page ({self.replica})"), wait=wait,
            should_stop=self.stop.is_set), seen=seen, flows=self.scheduler.flows)
        self.notice(done.flow)
        return done.flow

    def ready(self) -> bool:
        try:
            self.store.runs(limit=1)
        except Exception:
            return False
        return not self.stop.is_set()

    # -- webhooks -----------------------------------------------------------------------------

    def parsers(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        parsers: dict[str, Any] = {}
        users: dict[str, list[str]] = {}
        for flow in self.scheduler.flows:
            for ep in self.rt.config.flows[flow].endpoints.values():
                users.setdefault(ep.connection, []).append(flow)
        for name, conn in self.rt.config.connections.items():
            factory = load_factory(conn.type)
            handler = webhook_handler(factory)
            if handler is None:
                continue
            parse = handler.parse_webhook
            extra = conn.model_extra or {}
            raw: Any = extra.get("webhook_secret")
            secret = raw.get_secret_value() if hasattr(raw, "get_secret_value") else raw

            def bound(headers: Any, body: bytes, parse: Any = parse,
                      secret: Any = secret) -> Any:
                return parse(headers, body, secret)

            parsers[name] = (conn.type, bound)
        return parsers, users

    def web_state(self) -> WebState:
        parsers, users = self.parsers()
        return WebState(scheduler=self.scheduler, metrics=self.metrics, parsers=parsers,
                        flows_by_connection=users, flow_info=self.flow_info, ready=self.ready,
                        token=self.token, redact=self.rt.redact, notify=self.notice,
                        charts=self.chart_runs,
                        conflicts=ConflictsState(admin=self.admin, rows=self.conflict_rows,
                                                 resolve=self.resolve_conflict,
                                                 redact=self.rt.redact))

    # -- serving ------------------------------------------------------------------------------

    def _start_server(self) -> threading.Thread:
        import uvicorn

        from hub.daemon.httpserver import server_config  # timeouts and caps: see there

        config = server_config(create_app(self.web_state()), self.host, self.port,
                               on_refused=lambda what: self.metrics.refused.labels(what).inc())
        server = uvicorn.Server(config)  # off the main thread it leaves signals to us
        sockets = self._listen()  # last: nothing after it can fail and leave them open
        self.server = server
        thread = threading.Thread(target=server.run, kwargs={"sockets": sockets},
                                  name="synchub-web", daemon=True)
        thread.start()
        return thread

    def _listen(self) -> list[socket.socket]:
        """The daemon's listening sockets, bound before any round runs: one for each address
        the host names (``localhost``: 127.0.0.1 and ::1), as uvicorn binds them.

        uvicorn binds in its own thread and, when the port is taken, only logs an error: the
        daemon then went on syncing with no status page, no webhooks and a health check that
        can never pass. Bound here, a taken port stops the start with a clear error instead.
        Port 0 takes a free port (:attr:`port` is then the one the system chose, the same on
        every address)."""
        try:
            infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
        except socket.gaierror as exc:
            raise ConfigError(ConfigProblem(
                f"the daemon cannot listen on {self.host!r}: {exc.strerror}; check --host or "
                "daemon.host", path="daemon.host")) from None
        sockets: list[socket.socket] = []
        try:
            for family, host in dict.fromkeys((i[0], str(i[4][0])) for i in infos):
                sockets.append(self._bind(family, (host, self.port)))
                self.port = int(sockets[-1].getsockname()[1])  # port 0: the same one for all
        except BaseException:
            for sock in sockets:
                sock.close()
            raise
        return sockets

    def _bind(self, family: int, address: tuple[str, int]) -> socket.socket:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)  # "::" is IPv6 only
        try:
            sock.bind(address)
        except OSError as exc:
            sock.close()
            taken = exc.errno == errno.EADDRINUSE
            raise ConfigError(ConfigProblem(
                f"the daemon cannot listen on {address[0]}:{address[1]}: {exc.strerror}"
                + (" (another synchub or another program holds it); choose another port with "
                   "--port or daemon.port" if taken else "; check --host or daemon.host"),
                path="daemon.port" if taken else "daemon.host")) from None
        sock.listen()  # uvicorn listens again with its configured backlog
        return sock

    def _install_signals(self) -> None:
        def handler(signum: int, frame: Any) -> None:
            if self.stop.is_set():
                os._exit(130)  # second signal: leave now
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def serve(self) -> int:
        self._install_signals()
        code = self.serve_without_signals()
        if self.unfinished:
            # Round threads that outlived the grace period would hold the interpreter's exit
            # (it joins pool threads): leave as a crash would. Their writes are journalled,
            # so the next start heals them (executor recovery).
            logging.shutdown()
            os._exit(code)
        return code

    def serve_without_signals(self) -> int:
        """Serve until :attr:`stop` is set (by a signal handler, or by a test).

        Returns 0 when every round finished within the grace period, 1 when some did not
        (their flows are in :attr:`unfinished`; their leases and the store stay open, as
        those rounds may still be committing)."""
        web = self._start_server()
        self._first_leases()
        threading.Thread(target=self._background, name="synchub-leases", daemon=True).start()
        log.info("synchub running: %d flows, status page http://%s:%d/",
                 len(self.scheduler.flows), self.host, self.port)
        self.unfinished = self.scheduler.serve(self.stop,
                                               grace=self.rt.config.daemon.grace_seconds)
        if self.server is not None:
            self.server.should_exit = True
        web.join(timeout=5)
        if self.notifier is not None:  # what is queued gets a few seconds, never the grace
            self.notifier.close(timeout=5)
        for flow in self.scheduler.flows:
            if flow not in self.unfinished:
                self.store.release_lease(flow, self.replica)
        if not self.unfinished:
            self.leases.leave()
        if self.unfinished:
            log.warning("synchub stopped after the grace period; still running: %s",
                        ", ".join(self.unfinished))
            return 1
        self.rt.close()
        log.info("synchub stopped cleanly")
        return 0

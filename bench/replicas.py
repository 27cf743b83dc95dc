"""A team on replicas (issue 17): three ``synchub run`` processes on one PostgreSQL state,
``--flows`` flows (default 300) over the emulators, one replica killed with SIGKILL mid-round.

The team: ``flows / 2`` members, each with a Todoist account and a calendar of their own (an
emulator each: each member's own token, quota and data), and the team's Jira (a project a
member) and Notion (a database a member) shared by all. Two flows a member: ``mNNN-tasks``
(their Todoist <-> their Jira project) and ``mNNN-calendar`` (their calendar <-> their
Notion database). Measured, each figure printed beside its target:

- the spread: flows held by each replica once the initial sync is over (no replica above
  40 %; the fair share is ceil(flows / 3));
- webhook to arrival: a Todoist edit, its signed webhook POSTed to one of the replicas in
  turn (as a load balancer would), until the new title is in Jira (median under 2 s);
- take-over: every member of the victim's flows gets a new Todoist task and a webhook sent to
  the victim; it is killed with SIGKILL while rounds are in flight; the time until every flow
  it held is leased by a survivor (within ``daemon.lease_seconds``) and until every new task
  is in Jira;
- no duplicates: the items in every project, database, Todoist account and calendar against
  the expected count.

Pacing is each service's real one: Notion 3 requests/s for the integration (the team's
one, so each of the 3 replicas paces at a little under a third: ``requests_per_second:
0.95``), Google's per-user quota on in each calendar emulator, Todoist's sync limit, Jira
Cloud's burst limit. The state lives in a schema of its own (``bench_replicas_<random>``)
in the database of ``--postgres`` (default ``$SYNCHUB_BENCH_POSTGRES_URL``, else
``$SYNCHUB_TEST_POSTGRES_URL``, else postgresql://postgres@127.0.0.1:5432/test), dropped at
the end: no other data is touched.

    python -m bench replicas [--flows 300] [--replicas 3] [--samples 20] [--lease 30]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.gcal.sandbox import GcalSandbox
from adapters.jira.emu_quota import BurstLimit
from adapters.jira.sandbox import EDITABLE as JIRA_EDITABLE
from adapters.jira.sandbox import JiraSandbox
from adapters.notion.sandbox import SCHEMA, NotionSandbox
from adapters.todoist.sandbox import TodoistSandbox
from bench.daemon import _port, _ready, _wait
from hub.model import DateOnly, Item

ROOT = Path(__file__).resolve().parents[1]
NOTION_RPS = 3  # Notion's documented average for one integration


@dataclass
class Member:
    n: int
    todoist: TodoistSandbox
    calendar: GcalSandbox
    jira_project: str
    notion_db: str = ""
    notion_ds: str = ""
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def name(self) -> str:
        return f"m{self.n:03d}"


@dataclass
class Team:
    jira: JiraSandbox
    notion: NotionSandbox
    members: list[Member]
    flows: list[str]

    def stop(self) -> None:
        for m in self.members:
            m.todoist.stop()
            m.calendar.stop()
        self.jira.stop()
        self.notion.stop()

    # -- what each service holds --------------------------------------------------------------

    def jira_summaries(self, project: str) -> list[str]:
        with self.jira.emu.lock:
            return [i["fields"]["summary"] for i in self.jira.emu.issues.values()
                    if i["key"].startswith(project + "-")]

    def notion_count(self, ds: str) -> int:
        with self.notion.emu.lock:
            return sum(1 for p in self.notion.emu.pages.values()
                       if not p["in_trash"] and p["parent"].get("data_source_id") == ds)

    def todoist_count(self, m: Member) -> int:
        with m.todoist.emu.lock:
            return sum(1 for t in m.todoist.emu.items.values()
                       if not t["is_deleted"] and t["project_id"] == m.todoist.project)

    def calendar_count(self, m: Member) -> int:
        with m.calendar.emu.lock:
            return sum(1 for e in m.calendar.emu.events["primary"].values()
                       if e["status"] != "cancelled")


# -- the team, its seed and its config ---------------------------------------------------------

TASKS_SEED = 2  # Jira issues a member starts with (and 1 Todoist task)


def start_team(flows: int) -> Team:
    members_n = math.ceil(flows / 2)
    jira = JiraSandbox(users=2)
    jira.emu.rate_limit = BurstLimit()  # Jira Cloud's burst limit, as bench/jira.py has it
    notion = NotionSandbox(users=2)
    today = dt.date.today()
    members = []
    for n in range(members_n):
        m = Member(n, TodoistSandbox(users=1), GcalSandbox(), f"M{n:03d}")
        m.calendar.emu.set_quota(600)  # Google's per-user quota, every call counted
        jira.emu.add_project(m.jira_project, f"Member {n}")
        for k in range(TASKS_SEED):
            fields = jira.view._fields(Item(title=f"{m.name} issue {k}", priority=1 + k % 4,
                                            due=DateOnly(date=today + dt.timedelta(days=k))),
                                       JIRA_EDITABLE)
            jira.emu.create(fields | {"project": {"key": m.jira_project},
                                      "issuetype": {"name": "Task"}})
        m.todoist.user_create(Item(title=f"{m.name} todo"))
        m.notion_db, m.notion_ds = notion.emu.add_database(f"{m.name} calendar", SCHEMA)
        notion.emu.create_page(m.notion_ds, notion._props(
            Item(title=f"{m.name} page", due=DateOnly(date=today + dt.timedelta(days=2))),
            notion.view.capabilities.fields))
        m.calendar.user_create(Item(title=f"{m.name} meeting",
                                    due=DateOnly(date=today + dt.timedelta(days=3))))
        members.append(m)
    notion.emu.rps = NOTION_RPS  # after the seed (the sandbox's user reads over HTTP too)
    names = [f"{m.name}-{kind}" for m in members for kind in ("tasks", "calendar")][:flows]
    return Team(jira, notion, members, names)


def _fields(sb: Any) -> dict[str, Any]:
    return {f: {"map": dict(vm.to_canonical), "write": dict(vm.to_remote)}
            for f, vm in sb.value_maps.items()}


def write_config(team: Team, directory: Path, url: str, lease: float, replicas: int) -> Path:
    conns: dict[str, Any] = {
        "jira": {"type": "jira", **team.jira.connection},
        # one integration for the team: its 3 requests/s shared by the replicas, each pacing
        # at a little under its third (a period just over 1 s: together never more than 3
        # in any second, which the emulator enforces strictly)
        "notion": {"type": "notion", **team.notion.connection,
                   "requests_per_second": round(0.95 * NOTION_RPS / replicas, 3)}}
    flows: dict[str, Any] = {}
    for m in team.members:
        conns[f"todoist-{m.name}"] = {"type": "todoist", **m.todoist.connection,
                                      "webhook_secret": m.secret}
        conns[f"calendar-{m.name}"] = {"type": "gcal", **m.calendar.connection}
        flows[f"{m.name}-tasks"] = {"interval": "5m", "endpoints": {
            "jira": {"connection": "jira", "fields": _fields(team.jira),
                     "scope": {"jql": f"project = {m.jira_project}"},
                     "options": {"project": m.jira_project, "issue_type": "Task"}},
            "todoist": {"connection": f"todoist-{m.name}", "scope": dict(m.todoist.scope)}}}
        flows[f"{m.name}-calendar"] = {"interval": "5m", "endpoints": {
            "notion": {"connection": "notion", "fields": _fields(team.notion),
                       "scope": {"database_id": m.notion_db}},
            "calendar": {"connection": f"calendar-{m.name}", "scope": dict(m.calendar.scope),
                         "options": dict(m.calendar.options)}}}
    data = {"timezone": "Europe/Berlin", "state": {"url": url},
            "daemon": {"host": "127.0.0.1", "port": 0, "lease_seconds": lease,
                       "concurrency": 8},
            "connections": conns,
            "flows": {name: flows[name] for name in team.flows}}
    path = directory / "synchub.yaml"
    path.write_text(json.dumps(data, indent=1))
    path.chmod(0o600)  # inline tokens: readable by us only
    return path


# -- the replicas ------------------------------------------------------------------------------

@dataclass
class Replica:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def name_suffix(self) -> str:
        return f":{self.proc.pid}"


def start_replica(path: Path, directory: Path, n: int) -> Replica:
    port = _port()
    log = directory / f"replica-{n}.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "hub", "run", "--config", str(path),
                                 "--port", str(port), "--log-level", "warning"], env=env,
                                stdout=subprocess.DEVNULL, stderr=out)
    return Replica(proc, port, log)


class State:
    """The bench's own look at the shared state (its schema, read only)."""

    def __init__(self, conninfo: str, schema: str) -> None:
        import psycopg

        self.conn = psycopg.connect(conninfo, autocommit=True)
        self.schema = schema

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self.conn.execute(sql.replace("{s}", f'"{self.schema}"'), params))
        except Exception:  # the schema is not migrated yet
            return []

    def holders(self) -> dict[str, str]:
        return {f: h for f, h in self._rows(
            "SELECT flow, holder FROM {s}.leases WHERE expires_at > %s", (time.time(),))}

    def running(self) -> set[str]:
        return {f for (f,) in self._rows("SELECT flow FROM {s}.runs WHERE finished_at IS NULL")}

    def drop(self) -> None:
        self.conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.conn.close()


def by_replica(holders: dict[str, str], replicas: list[Replica]) -> list[int]:
    return [sum(1 for h in holders.values() if h.endswith(r.name_suffix)) for r in replicas]


# -- measuring ---------------------------------------------------------------------------------

def webhook(team: Team, m: Member, ref: str, port: int) -> None:
    body = json.dumps({"event_name": "item:updated",
                       "event_data": {"id": ref, "project_id": m.todoist.project}}).encode()
    sig = base64.b64encode(hmac.new(m.secret.encode(), body, hashlib.sha256).digest())
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/todoist-{m.name}",
                                 data=body, method="POST",
                                 headers={"X-Todoist-Hmac-SHA256": sig.decode(),
                                          "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10)


def expected(team: Team, m: Member, extra: int) -> dict[str, int]:
    tasks = TASKS_SEED + 1 + extra
    return {"jira": tasks, "todoist": tasks, "notion": 2, "calendar": 2}


def counts(team: Team, m: Member) -> dict[str, int]:
    return {"jira": len(team.jira_summaries(m.jira_project)), "todoist": team.todoist_count(m),
            "notion": team.notion_count(m.notion_ds), "calendar": team.calendar_count(m)}


def synced(team: Team, extra: dict[int, int]) -> bool:
    return all(counts(team, m) == expected(team, m, extra.get(m.n, 0)) for m in team.members)


def latency(team: Team, replicas: list[Replica], samples: int) -> list[float]:
    out: list[float] = []
    for k in range(samples):
        m = team.members[(k * 7) % len(team.members)]
        ref = next(iter(m.todoist.items()))
        title = f"{m.name} edited #{k}"
        time.sleep(0.5)
        m.todoist.user_edit(ref, title=title)
        t0 = time.perf_counter()
        webhook(team, m, ref, replicas[k % len(replicas)].port)
        _wait(lambda title=title, m=m: title in team.jira_summaries(m.jira_project),
              timeout=120, step=0.02)
        out.append(time.perf_counter() - t0)
    return out


def kill_mid_round(team: Team, state: State, replicas: list[Replica], lease: float
                   ) -> tuple[Replica, dict[str, Any]]:
    holders = state.holders()
    victim = max(replicas, key=lambda r: by_replica(holders, [r])[0])
    mine = {f for f, h in holders.items() if h.endswith(victim.name_suffix)}
    members = [m for m in team.members if f"{m.name}-tasks" in mine]
    for m in members:  # a new task each, its webhook to the victim: rounds start there
        ref = m.todoist.user_create(Item(title=f"{m.name} new during the kill"))
        webhook(team, m, ref, victim.port)
    in_flight = _wait(lambda: bool(state.running() & mine), timeout=30, step=0.005)
    running = state.running() & mine
    victim.proc.send_signal(signal.SIGKILL)
    t_kill = time.perf_counter()
    victim.proc.wait()

    def taken_over() -> bool:
        now = state.holders()
        return all(f in now and not now[f].endswith(victim.name_suffix) for f in mine)
    _wait(taken_over, timeout=lease * 4 + 60, step=0.05)
    t_lease = time.perf_counter() - t_kill
    arrived = _wait(lambda: all(f"{m.name} new during the kill" in
                                team.jira_summaries(m.jira_project) for m in members),
                    timeout=600, step=0.1)
    return victim, {"held": len(mine), "tasks": len(members), "running": len(running),
                    "wait_for_round_s": in_flight, "takeover_s": t_lease,
                    "arrived_s": t_lease + arrived,
                    "extra": {m.n: 1 for m in members}}


def report_spread(label: str, holders: dict[str, str], replicas: list[Replica], flows: int,
                  limit: float) -> float:
    held = by_replica(holders, replicas)
    share = max(held) / flows if flows else 0.0
    print(f"  {label}: flows held per replica {held} of {flows} (fair share "
          f"{math.ceil(flows / len(replicas))}); max share {share:.1%} (target <= "
          f"{limit:.0%}) {'ok' if share <= limit else 'OVER'}", flush=True)
    return share


def run(flows: int, replicas_n: int, samples: int, lease: float, url: str) -> int:
    schema = f"bench_replicas_{uuid.uuid4().hex[:8]}"
    sep = "&" if "?" in url else "?"
    t0 = time.perf_counter()
    team = start_team(flows)
    print(f"{len(team.flows)} flows ({len(team.members)} members: Todoist <-> Jira project, "
          f"calendar <-> Notion database), {replicas_n} replicas, lease_seconds {lease:g}, "
          f"state {url.split('@')[-1]} schema {schema}; emulators started and seeded in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    state = State(url, schema)
    procs: list[Replica] = []
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        path = write_config(team, Path(d), f"{url}{sep}schema={schema}", lease, replicas_n)
        try:
            procs = [start_replica(path, Path(d), n) for n in range(replicas_n)]
            for r in procs:
                _wait(lambda r=r: _ready(r.port) or r.proc.poll() is not None, timeout=120)
                if r.proc.poll() is not None:
                    raise RuntimeError(f"a replica exited: {r.log.read_text()[-2000:]}")
            t_sync = time.perf_counter()
            notion0 = team.notion.emu.total_requests
            _wait(lambda: synced(team, {}), timeout=3600, step=2.0)
            sync_s = time.perf_counter() - t_sync
            notion_reqs = team.notion.emu.total_requests - notion0
            print(f"  initial sync of {len(team.flows)} flows: {sync_s:.0f} s (Notion: "
                  f"{notion_reqs} requests at {NOTION_RPS}/s for the integration, at least "
                  f"{notion_reqs / NOTION_RPS:.0f} s)", flush=True)
            time.sleep(2 * 1.0 + 1)  # a few balance ticks after the last first round
            failures += report_spread("after the initial sync", state.holders(), procs,
                                      len(team.flows), 0.40) > 0.40
            hooked = latency(team, procs, samples)
            med = statistics.median(hooked)
            print(f"  webhook -> arrival (Todoist edit -> Jira), {samples} samples sent to the "
                  f"replicas in turn: median {med:.2f} s, max {max(hooked):.2f} s (target: "
                  f"median < 2 s) {'ok' if med < 2 else 'OVER'}", flush=True)
            failures += med >= 2
            victim, k = kill_mid_round(team, state, procs, lease)
            print(f"  SIGKILL to the replica holding {k['held']} flows, {k['running']} of its "
                  f"rounds in flight ({k['tasks']} new Todoist tasks, their webhooks sent to "
                  f"it {k['wait_for_round_s']:.2f} s before)", flush=True)
            ok = k["takeover_s"] <= lease + 1.5
            print(f"  take-over: every flow it held leased by a survivor after "
                  f"{k['takeover_s']:.1f} s (target <= lease_seconds {lease:g} s, + 1 s "
                  f"balance tick) {'ok' if ok else 'OVER'}; every new task in Jira after "
                  f"{k['arrived_s']:.1f} s", flush=True)
            failures += not ok
            survivors = [r for r in procs if r is not victim]
            time.sleep(3)
            report_spread("after the take-over", state.holders(), survivors, len(team.flows),
                          math.ceil(len(team.flows) / len(survivors)) / len(team.flows))
            _wait(lambda: synced(team, k["extra"]), timeout=600, step=1.0)
            dupes = sum(counts(team, m) != expected(team, m, k["extra"].get(m.n, 0))
                        for m in team.members)
            total = sum(sum(counts(team, m).values()) for m in team.members)
            print(f"  duplicates: {dupes} members with a count off (of {len(team.members)}; "
                  f"{total} items in {4 * len(team.members)} projects, databases, accounts "
                  f"and calendars, all as expected) (target 0) {'ok' if not dupes else 'FAIL'}",
                  flush=True)
            failures += dupes > 0
        except TimeoutError:
            print("  TIMEOUT; the replicas' logs:", flush=True)
            for r in procs:
                print(r.log.read_text()[-3000:], flush=True)
            failures += 1
        finally:
            for r in procs:
                if r.proc.poll() is None:
                    r.proc.send_signal(signal.SIGTERM)
            for r in procs:
                try:
                    r.proc.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    r.proc.kill()
            state.drop()
            team.stop()
    print(f"  wall time {time.perf_counter() - t0:.0f} s", flush=True)
    return failures


def default_url() -> str:
    return (os.environ.get("SYNCHUB_BENCH_POSTGRES_URL")
            or os.environ.get("SYNCHUB_TEST_POSTGRES_URL")
            or "postgresql://postgres@127.0.0.1:5432/test")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench replicas")
    ap.add_argument("--flows", type=int, default=300)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--samples", type=int, default=20, help="webhook-to-arrival samples")
    ap.add_argument("--lease", type=float, default=30.0, help="daemon.lease_seconds")
    ap.add_argument("--postgres", default=default_url(),
                    help="the server and database; the bench works in a schema of its own")
    args = ap.parse_args(argv or [])
    failures = run(args.flows, args.replicas, args.samples, args.lease, args.postgres)
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

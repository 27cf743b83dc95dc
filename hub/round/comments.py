"""The round's comment pass: read the comments of the links this round touched, plan each
link's comments (:mod:`hub.planner.comments`, pure), write, commit thread by thread.

It runs after the items' writes and *before* the cursors are committed: a crash in it means
the round's changes are observed again and the pass runs again, which is harmless (a copy
that landed is found by its marker). Which links it reads (the only cost it adds):

- the links with a copy a listing returned this round, or whose comments a listing reported
  changed (:attr:`adapters.contract.ChangeSet.touched`), or that got a new copy this round
  (the new copy gets the comments the others already have);
- links with writes still to land, or whose read failed when they changed (kept in the
  store, so a service that was down does not lose a comment made meanwhile);
- on an endpoint where a comment change does not list the item (Notion), ``sweep`` more of
  its links each round, in turn (a cursor kept beside the endpoint's).

Webhook-driven work goes first (:class:`adapters.ratewindow.Urgency`): a round a webhook
started early reads only the links it touched (the kept links and the sweep wait for the next
full round, at least once an interval); the pass goes a few links at a time and, once a
notice waits for the round to end, stops after its current step (one step at least, so the
sweep always moves on; what it did not reach is kept, or swept next time); its reads are
background requests, which leave room in the services' budgets for item writes. A copy this
round created is known to hold no comments and is not read.

Order of a thread's writes, as for items: its new state (``pending``) commits first, then
each write, then the thread as it landed. A copy that may have landed (the answer lost) is
looked for by its marker before it is written again.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from adapters.base import Adapter
from adapters.commenting import Commenting, CommentRead, RemoteComment
from adapters.ratewindow import Urgency, background, current_urgency
from adapters.toolkit import comments as text
from hub.config.models import FlowConfig
from hub.errors import NotFound, SyncHubError, Transient, ValidationRejected
from hub.planner.comments import (
    CommentWrite,
    CommentWriteKind,
    Target,
    ThreadPlan,
    plan_link,
)
from hub.round.calls import Caller
from hub.store.base import CommentCopy, CommentThread, LinkState, Store

log = logging.getLogger("synchub.comments")

#: items per comments() call: one request each on most services, so this only bounds memory
_CHUNK = 100
#: the cursor key under which an endpoint's sweep position is kept
SWEEP_KEY = "comments-sweep:{}"
#: how the copies' header names each service (adapters.toolkit.comments)
_LABELS = {"jira": "Jira", "todoist": "Todoist", "notion": "Notion", "gcal": "Google Calendar",
           "memory": "Memory"}


@dataclass
class CommentStats:
    writes: dict[str, int] = field(default_factory=dict)  # endpoint -> comments written
    failed: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)  # reads, by endpoint
    errors: list[tuple[str, SyncHubError]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: int = 0  # links whose comments were read

    def bump(self, d: dict[str, int], ep: str, n: int = 1) -> None:
        d[ep] = d.get(ep, 0) + n


def label(adapter: Adapter) -> str:
    """The service's name for people, from the adapter's package (``adapters.jira`` ...)."""
    own = getattr(adapter, "service_label", None)
    if isinstance(own, str) and own:
        return own
    parts = type(adapter).__module__.split(".")
    key = parts[1] if len(parts) > 1 and parts[0] == "adapters" else parts[0]
    return _LABELS.get(key, key.title())


def commenting(cfg: FlowConfig, adapters: Mapping[str, Adapter]) -> dict[str, Commenting]:
    """The endpoints whose comments the flow syncs: commenting adapters, not skipped. Fewer
    than two: nothing to copy between."""
    if not cfg.comments.sync:
        return {}
    eps: dict[str, Commenting] = {}
    for n, a in adapters.items():
        if n not in cfg.comments.skip and isinstance(a, Commenting):
            eps[n] = a
    return eps if len(eps) >= 2 else {}


@dataclass(frozen=True)
class _Pick:
    """The links a pass reads (:meth:`CommentPass._pick`)."""

    order: list[str]  # in the order read
    links: Mapping[str, LinkState]
    kept: set[str]  # touched this round or kept from an earlier one: kept until done
    sweeps: Mapping[str, list[str]]  # endpoint -> the links its sweep picked, in turn


@dataclass
class CommentPass:
    flow: str
    cfg: FlowConfig
    adapters: Mapping[str, Adapter]
    store: Store
    calls: Caller
    writable: Mapping[str, bool]
    should_stop: Callable[[], bool] | None = None
    stats: CommentStats = field(default_factory=CommentStats)
    #: (endpoint, ref) of the copies this round created (see :meth:`run`)
    fresh: set[tuple[str, str]] = field(default_factory=set)

    def run(self, touched: Mapping[str, Iterable[str]], reachable: Iterable[str],
            created: Mapping[str, Iterable[str]] | None = None) -> CommentStats:
        """``touched``: endpoint -> refs of copies this round listed, reported touched or
        created; ``created``: those of them this round made (known to hold no comment yet,
        so never read). Never raises for a service failure: errors are in the stats."""
        every = commenting(self.cfg, self.adapters)
        if not every:
            return self.stats
        self.fresh = {(ep, ref) for ep, refs in (created or {}).items() for ref in refs}
        urgent = current_urgency()
        pick = self._pick(every, touched, urgent.urgent)
        up = set(reachable)
        eps = {n: a for n, a in every.items() if n in up}
        done, unread = self._steps(pick.order, pick.links, every, eps, urgent)
        # a service that did not answer this round: its copies' comments are read when it
        # does, although the other copies' cursors move on now
        unread |= {lid for lid in done if any(ep in pick.links[lid].copies and ep not in up
                                              for ep in every)}
        self._commit(pick, done, unread)
        self.stats.links = len(done)
        return self.stats

    def _commit(self, pick: _Pick, done: set[str], unread: set[str]) -> None:
        """What the pass did not reach or could not read is kept (read again by a full
        round); the sweep goes on after the last of its links done in turn, so those a
        stopped or yielding pass did not reach are swept next time."""
        planned = set(pick.order)
        with self.store.transaction() as tx:
            tx.comments_dirty(self.flow, (pick.kept & planned - done) | unread, True)
            tx.comments_dirty(self.flow, done - unread, False)
            for ep, ids in pick.sweeps.items():
                reached = list(itertools.takewhile(
                    lambda lid: lid in done or lid not in planned, ids))
                if reached:
                    tx.set_cursor(self.flow, SWEEP_KEY.format(ep), reached[-1])

    def _pick(self, every: Mapping[str, Commenting], touched: Mapping[str, Iterable[str]],
              urgent: bool) -> _Pick:
        """The links to read, in the order read: those this round touched and those kept
        from earlier rounds, in turns with the sweep's. An urgent round (a webhook's) reads
        only what it touched: the kept links and the sweep wait for the next full round
        (:mod:`hub.daemon.scheduler`)."""
        own = self._own(every, touched)
        backlog = set() if urgent else self.store.pending_comment_links(self.flow) - own
        sweeps = {} if urgent else {ep: self._sweep(ep) for ep, a in every.items()
                                    if not a.listed_with_item}
        kept = own | backlog
        swept = [lid for lid in dict.fromkeys(lid for ids in sweeps.values() for lid in ids)
                 if lid not in kept]
        # in turns, so a pass cut short after its first step still moves the sweep on
        order = _alternate(sorted(own) + sorted(backlog), swept)
        links = self.store.links_by_id(self.flow, set(order))
        order = [lid for lid in order if lid in links
                 and sum(ep in links[lid].copies for ep in every) >= 2]
        return _Pick(order, links, kept, sweeps)

    def _steps(self, order: list[str], links: Mapping[str, LinkState],
               every: Mapping[str, Commenting], eps: Mapping[str, Commenting],
               urgent: Urgency) -> tuple[set[str], set[str]]:
        """Read and plan ``order`` a few links at a time (the links done, those some read
        of failed). Between steps the pass stops for a shutdown, and for a notice waiting
        for this round (``urgent.waiting``): what it did not reach is kept for a later round,
        and every pass does one step at least, so the sweep always moves on. Steps grow
        while they are quick and shrink while they are slow (a page's comments cost two
        Notion requests): a waiting notice waits about a second, not for the whole pass."""
        done: set[str] = set()
        unread: set[str] = set()
        size, at = 2, 0
        while at < len(order):
            stop = self.should_stop is not None and self.should_stop()
            if at and (stop or urgent.waiting()):
                if not stop:
                    self.stats.notes.append(
                        f"comments: {len(order) - at} links left for a later round "
                        "(a webhook is waiting)")
                break
            step = order[at:at + size]
            t0 = time.monotonic()
            read, failed = self._read(links, eps, set(step))
            unread |= failed
            threads = self.store.comment_threads(self.flow, set(step))
            for lid in step:
                self._link(links[lid], every, read, threads.get(lid, []))
                done.add(lid)
            at += len(step)
            took = time.monotonic() - t0
            size = min(size * 2, _CHUNK) if took < 1.0 else max(1, size // 2) \
                if took > 2.0 else size
        return done, unread

    # -- which links -------------------------------------------------------------------------

    def _own(self, eps: Mapping[str, Commenting], touched: Mapping[str, Iterable[str]]
             ) -> set[str]:
        """The links this round touched, found through the store's indexes (never every
        link)."""
        refs = {(ep, ref) for ep, ep_refs in touched.items() if ep in eps for ref in ep_refs}
        return self.store.link_ids_by_ref(self.flow, refs)

    def _sweep(self, ep: str) -> list[str]:
        """The next ``sweep`` links with a copy at ``ep`` after the last one swept, wrapping
        round, in turn (:meth:`run` moves the sweep's cursor on as far as they were done)."""
        n = self.cfg.comments.sweep
        if n == 0:
            return []
        key = SWEEP_KEY.format(ep)
        last = self.store.get_cursor(self.flow, key) or ""
        picked = self.store.link_ids_after(self.flow, ep, last, n)
        if len(picked) < n:  # wrap round to the first ones (fewer links than a sweep: all)
            picked += [lid for lid in self.store.link_ids_after(self.flow, ep, "",
                                                                n - len(picked))
                       if lid not in picked]
        return picked

    # -- reading -----------------------------------------------------------------------------

    def _read(self, links: Mapping[str, LinkState], eps: Mapping[str, Commenting],
              wanted: set[str]) -> tuple[dict[str, dict[str, tuple[RemoteComment, ...]]],
                                         set[str]]:
        """endpoint -> item ref -> its comments, for every read that answered; and the
        links some read of failed (read again next round)."""
        read: dict[str, dict[str, tuple[RemoteComment, ...]]] = {}
        unread: set[str] = set()
        for ep, a in eps.items():
            refs = {links[lid].copies[ep].ref: lid for lid in sorted(wanted)
                    if ep in links[lid].copies}
            # a copy this round made holds no comment yet: nothing to ask (one a person adds
            # meanwhile is read with the item's next change, or by the sweep)
            got: dict[str, tuple[RemoteComment, ...]] = {
                r: () for r in refs if (ep, r) in self.fresh}
            order = [r for r in refs if (ep, r) not in self.fresh]
            for i in range(0, len(order), _CHUNK):
                chunk = order[i:i + _CHUNK]
                for part, answer in self._read_chunk(ep, a, chunk):
                    if answer is None:
                        unread |= {refs[r] for r in part}
                        continue
                    self.stats.bump(self.stats.requests, ep, answer.requests)
                    got.update({r: tuple(cs) for r, cs in answer.by_ref.items() if r in refs})
            read[ep] = got
        return read, unread

    def _read_chunk(self, ep: str, a: Commenting, chunk: list[str]
                    ) -> list[tuple[list[str], CommentRead | None]]:
        """The answer for ``chunk`` (None where reading failed). A failure that is no service
        error (a comment the adapter cannot convert) is narrowed down item by item, so one
        odd comment keeps only its own item's comments from syncing, not a hundred (P14)."""
        try:
            with background():  # reads leave room for item writes and urgent rounds
                return [(chunk, self.calls.call(ep, _reader(a, chunk)))]
        except SyncHubError as exc:
            self.stats.errors.append((ep, exc))
            return [(chunk, None)]
        except Exception as exc:  # an adapter's bug must not stop the round
            if len(chunk) > 1:
                return [pair for ref in chunk for pair in self._read_chunk(ep, a, [ref])]
            log.warning("%s: cannot read the comments of %s", ep, chunk[0], exc_info=True)
            self.stats.notes.append(f"{ep}: the comments of {chunk[0]} cannot be read "
                                    f"({type(exc).__name__}: {exc}); tried again next round")
            return [(chunk, None)]

    # -- one link ----------------------------------------------------------------------------

    def _link(self, link: LinkState, eps: Mapping[str, Commenting],
              read: Mapping[str, Mapping[str, tuple[RemoteComment, ...]]],
              threads: list[CommentThread]) -> None:
        targets = {ep: Target(ref=c.ref, label=label(self.adapters[ep]),
                              writable=self.writable.get(ep, False), url=c.snapshot.url,
                              reachable=ep in read,
                              max_chars=getattr(eps[ep], "max_comment_chars", None),
                              absent_is_delete=getattr(eps[ep], "absent_is_delete", True))
                   for ep, c in link.copies.items() if ep in eps}
        lists = {ep: read[ep][t.ref] for ep, t in targets.items()
                 if ep in read and t.ref in read[ep]}
        stored = {t.thread: t for t in threads}
        for tp in plan_link(self.flow, link.link_id, targets, lists, threads).threads:
            if tp.writes or tp.drop or stored.get(tp.thread.thread) != tp.thread:
                self._apply(tp)

    def _apply(self, tp: ThreadPlan) -> None:
        t = tp.thread
        with self.store.transaction() as tx:
            if tp.drop:
                tx.drop_thread(self.flow, t.thread)
            else:
                tx.save_thread(t)  # pending, before any write (see the module docstring)
        if not tp.writes:
            return
        copies = dict(t.copies)
        failed = False
        for w in tp.writes:
            try:
                copy = self._write(w, t.thread)
            except SyncHubError as exc:
                failed = failed or not isinstance(exc, ValidationRejected)
                self.stats.bump(self.stats.failed, w.endpoint)
                self.stats.errors.append((w.endpoint, exc))
                if isinstance(exc, ValidationRejected):  # refused for good: not again
                    copies[w.endpoint] = CommentCopy(None)
                    self.stats.notes.append(f"{w.endpoint}: a comment by {t.author or '?'} "
                                            f"cannot be copied to {w.item_ref}: {exc.message}")
                continue
            self.stats.bump(self.stats.writes, w.endpoint)
            if copy is None:
                copies.pop(w.endpoint, None)
            else:
                copies[w.endpoint] = copy
        landed = replace(t, copies=copies, pending=failed or tp.deferred)
        with self.store.transaction() as tx:
            if t.deleting and not copies:
                tx.drop_thread(self.flow, t.thread)
            else:
                tx.save_thread(landed)

    def _write(self, w: CommentWrite, thread: str) -> CommentCopy | None:
        """One comment write; the copy as it landed (None: deleted). An adapter that cannot
        express it (no service error) refuses it for good, as the service would (P14)."""
        try:
            return self._write_once(w, thread)
        except SyncHubError:
            raise
        except Exception as exc:
            if w.kind is CommentWriteKind.ADD:
                # it may have landed (its answer could not be read): never "refused for
                # good", or the copy would be stranded; kept pending, its marker finds it
                log.warning("%s: a comment add on %s ended oddly", w.endpoint, w.item_ref,
                            exc_info=True)
                raise Transient(f"a comment add ended oddly: {type(exc).__name__}: {exc}",
                                service=w.endpoint, maybe_applied=True) from exc
            log.warning("%s: cannot write a comment on %s", w.endpoint, w.item_ref,
                        exc_info=True)
            raise ValidationRejected(f"cannot be written: {type(exc).__name__}: {exc}",
                                     service=w.endpoint) from exc

    def _write_once(self, w: CommentWrite, thread: str) -> CommentCopy | None:
        a = self.adapters[w.endpoint]
        assert isinstance(a, Commenting)
        if w.kind is CommentWriteKind.DELETE:
            assert w.comment_ref is not None
            ref = w.comment_ref
            self.calls.call(w.endpoint, lambda: a.delete_comment(w.item_ref, ref))
            return None
        if w.kind is CommentWriteKind.EDIT:
            assert w.comment_ref is not None
            ref = w.comment_ref
            try:
                got = self.calls.call(w.endpoint,
                                      lambda: a.edit_comment(w.item_ref, ref, w.text))
            except NotFound:
                return CommentCopy(None)  # a person deleted it meanwhile: not again
        else:
            got = self.calls.call(w.endpoint, lambda: a.add_comment(w.item_ref, w.text),
                                  before_retry=lambda: self._landed(a, w, thread))
        return CommentCopy(got.ref, text.digest(text.parse(got.text).body),
                           sent=text.digest(w.body))

    def _landed(self, a: Commenting, w: CommentWrite, thread: str) -> RemoteComment | None:
        """A copy whose answer was lost, found by its marker (so it is not written twice)."""
        for c in a.comments([w.item_ref]).by_ref.get(w.item_ref, ()):
            if text.parse(c.text).thread == thread:
                return c
        return None


def _alternate(first: list[str], second: list[str]) -> list[str]:
    """One of each in turn, then the rest of the longer list."""
    out = [x for pair in zip(first, second, strict=False) for x in pair]
    n = min(len(first), len(second))
    return out + first[n:] + second[n:]


def _reader(a: Commenting, refs: Sequence[str]) -> Callable[[], CommentRead]:
    return lambda: a.comments(refs)

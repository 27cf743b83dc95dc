"""Pieces that let Google batch requests go through :class:`GcalClient` and map a batch
part's failure onto :mod:`hub.errors` like any single call's."""

from __future__ import annotations

from googleapiclient.http import BatchHttpRequest

from adapters.gcal.client import SERVICE, GcalClient
from hub.errors import SyncHubError


class Raised(Exception):
    """A part that failed before it was sent (its prefetch failed), carried to the result."""

    def __init__(self, err: SyncHubError) -> None:
        super().__init__(str(err))
        self.err = err


class Executable:
    """Lets a batch go through :meth:`GcalClient.call` (which calls ``.execute()``)."""

    def __init__(self, batch: BatchHttpRequest, calls: int) -> None:
        self.batch = batch
        #: the calls it carries: each counts against Google's quota (the envelope does not)
        self.calls = calls

    def execute(self) -> None:
        self.batch.execute()


def mapped(client: GcalClient, exc: Exception) -> SyncHubError:
    if isinstance(exc, Raised):
        return exc.err
    resp = getattr(exc, "resp", None)
    if resp is not None:
        return client.error(resp.status, getattr(exc, "content", b""), resp)
    return SyncHubError(str(exc), service=SERVICE)

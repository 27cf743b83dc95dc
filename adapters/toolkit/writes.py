"""``create``, ``update`` and ``delete`` written once, on top of ``write_batch``.

An adapter that can send several writes in one request (Todoist ``/sync``, Google batch)
implements :meth:`BatchWrites.write_batch` and inherits the three single writes: each is one
:class:`adapters.contract.WriteOp` through :meth:`BatchWrites.write_one`, whose error is
raised (a batch reports it in its result instead). The service-specific parts stay hooks:

- :meth:`BatchWrites.update_op` / :meth:`BatchWrites.delete_op`: the op to send (a read
  first to check ``expected_version`` where the service has no etag, the key of a delete);
- :meth:`BatchWrites.write_one`: how one op goes out (one plain request instead of a batch
  of one, where the service answers both).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from adapters.contract import RemoteItem, WriteKind, WriteOp, WriteResult
from hub.model import Item


class BatchWrites(ABC):
    """Mixin: the single writes of an adapter that has :meth:`write_batch`."""

    @abstractmethod
    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Several writes at once; one op's failure is in its result, never raised."""

    def write_one(self, op: WriteOp) -> RemoteItem | None:
        """One op, its error raised: the remote item written (None for a delete)."""
        (result,) = self.write_batch([op])
        if result.error is not None:
            raise result.error
        return result.remote

    def create(self, item: Item, *, origin: str, idempotency_key: str) -> RemoteItem:
        remote = self.write_one(WriteOp(WriteKind.CREATE, idempotency_key, item=item,
                                        origin=origin))
        assert remote is not None
        return remote

    def update(self, ref: str, item: Item, *, fields: frozenset[str],
               expected_version: str | None, idempotency_key: str,
               origin: str | None = None) -> RemoteItem:
        remote = self.write_one(self.update_op(
            ref, item, fields=fields, expected_version=expected_version,
            idempotency_key=idempotency_key, origin=origin))
        assert remote is not None
        return remote

    def delete(self, ref: str, *, expected_version: str | None) -> None:
        self.write_one(self.delete_op(ref, expected_version=expected_version))

    def update_op(self, ref: str, item: Item, *, fields: frozenset[str],
                  expected_version: str | None, idempotency_key: str,
                  origin: str | None) -> WriteOp:
        """The op :meth:`update` sends: by default exactly what it was asked."""
        return WriteOp(WriteKind.UPDATE, idempotency_key, item=item, ref=ref, fields=fields,
                       expected_version=expected_version, origin=origin)

    def delete_op(self, ref: str, *, expected_version: str | None) -> WriteOp:
        """The op :meth:`delete` sends: by default keyed by the ref (a retried delete of one
        copy is the same delete). The version is not checked: a delete reaches only a copy
        the planner has just seen unchanged, and deleting what is gone is done."""
        return WriteOp(WriteKind.DELETE, f"delete-{ref}", ref=ref)

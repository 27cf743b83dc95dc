"""The adapter contract's public names, in one import.

``adapters.base`` is what ``hub`` (and every adapter) imports; each name is defined in the
module whose one job it is:

- :mod:`adapters.contract`: what an adapter is and returns (:class:`Adapter`, its optional
  parts :class:`Representing`, :class:`LearnsCreated`, :class:`BatchingAdapter`, and the
  values: :class:`Capabilities`, :class:`RemoteItem`, :class:`ChangeSet`, :class:`WriteOp` ...).
  Its docstring holds the rules every adapter follows (checked by ``tests/contract``).
- :mod:`adapters.commenting`: the optional comment part (:class:`Commenting`,
  :class:`RemoteComment`).
- :mod:`adapters.context`: what the config hands an adapter (:class:`EndpointContext`,
  :class:`ValueMap`).
- :mod:`adapters.registry`: building adapters from config (:class:`AdapterFactory`, the
  ``synchub.adapters`` entry points, :func:`load_factory`).
- :mod:`adapters.webhooks`: :class:`ChangeNotice`, :class:`WebhookRejected`, the body
  helpers and the optional factory protocol :class:`WebhookHandler`.
- :mod:`adapters.sandboxing`: :class:`Sandbox` and the optional factory protocol
  :class:`SandboxFactory`.
- :mod:`adapters.pacing`: :func:`paced` around each request of an adapter whose budget is
  ``per_request``, and :data:`PACER`, where the hub puts its pacing while it runs a call.

The pieces an adapter is *built* from (identity ``represent``, writes on ``write_batch``,
the status-to-error table, the windowed cursor) are in :mod:`adapters.toolkit`.
"""

from __future__ import annotations

from adapters.commenting import Commenting, CommentRead, RemoteComment
from adapters.context import EndpointContext, ValueMap
from adapters.contract import (
    Adapter,
    BatchingAdapter,
    Capabilities,
    ChangeSet,
    Gone,
    LearnsCreated,
    RemoteItem,
    Representing,
    RepresentsInPlace,
    RequestBudget,
    Unreadable,
    WriteKind,
    WriteOp,
    WriteResult,
)
from adapters.pacing import PACER, paced
from adapters.registry import (
    ENTRY_POINT_GROUP,
    AdapterFactory,
    installed_adapters,
    load_factory,
)
from adapters.sandboxing import Sandbox, SandboxFactory, sandbox_factory
from adapters.webhooks import (
    ChangeNotice,
    WebhookHandler,
    WebhookRejected,
    body_id,
    body_object,
    webhook_handler,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "PACER",
    "Adapter",
    "AdapterFactory",
    "BatchingAdapter",
    "Capabilities",
    "ChangeNotice",
    "ChangeSet",
    "CommentRead",
    "Commenting",
    "EndpointContext",
    "Gone",
    "LearnsCreated",
    "RemoteComment",
    "RemoteItem",
    "Representing",
    "RepresentsInPlace",
    "RequestBudget",
    "Sandbox",
    "SandboxFactory",
    "Unreadable",
    "ValueMap",
    "WebhookHandler",
    "WebhookRejected",
    "WriteKind",
    "WriteOp",
    "WriteResult",
    "body_id",
    "body_object",
    "installed_adapters",
    "load_factory",
    "paced",
    "sandbox_factory",
    "webhook_handler",
]

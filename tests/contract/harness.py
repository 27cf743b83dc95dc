"""The part of a contract-suite harness that is the same for every emulated service: the
"user" acts through the adapter package's sandbox, faults go to its emulator."""

from __future__ import annotations

from typing import Any, ClassVar

from adapters.faults import FaultKind
from hub.model import Item


class SandboxHarness:
    #: contract operation names -> the emulator's names for them (see Emulator.op_name)
    ops: ClassVar[dict[str, str]] = {}
    supports_versions: ClassVar[bool] = True

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.emu = sandbox.emu

    def user_create(self, item: Item) -> str:
        return str(self.sandbox.user_create(item))

    def user_edit(self, ref: str, **changes: Any) -> None:
        self.sandbox.user_edit(ref, **changes)

    def user_delete(self, ref: str) -> None:
        self.sandbox.user_delete(ref)

    # a person's comments (tests.contract.comments.CommentHarness), made in the service's app

    def user_comment(self, ref: str, text: str) -> str:
        return str(self.sandbox.user_comment(ref, text))

    def user_edit_comment(self, ref: str, comment_ref: str, text: str) -> None:
        self.sandbox.user_edit_comment(ref, comment_ref, text)

    def user_delete_comment(self, ref: str, comment_ref: str) -> None:
        self.sandbox.user_delete_comment(ref, comment_ref)

    def inject(self, kind: FaultKind, op: str = "*", count: int | None = 1,
               retry_after: float = 1.0) -> None:
        self.emu.faults.inject(kind, op=self.ops.get(op, op), count=count,
                               retry_after=retry_after)

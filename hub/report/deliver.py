"""Where a report goes: a small :class:`Destination` interface and its implementations
(stdout, a file, a page in a service that holds pages: Notion, a ``notify:`` target).

A destination receives the finished :class:`Document` (the text in its format, and the
plain blocks for services that write their own block types) and says where it went. New
kinds of target (a webhook, an e-mail: the ``notify:`` work) are one more class with a
``deliver`` method and one more member of :data:`hub.config.models.ReportTarget`, mapped in
:func:`destinations`; nothing else changes.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from pydantic import BaseModel

from adapters.publishing import Block, PagePublisher
from hub.errors import ConfigError, ConfigProblem
from hub.report.facts import Format, Report
from hub.report.outline import outline, title_of
from hub.report.render import render


@dataclass(frozen=True)
class Document:
    """A report ready to deliver."""

    title: str
    format: Format
    text: str  # rendered in ``format``
    blocks: tuple[Block, ...]  # the same facts as plain blocks (a page in a service)
    day: dt.date  # the report's day, for file names

    @classmethod
    def of(cls, report: Report, fmt: Format) -> Document:
        return cls(title=title_of(report), format=fmt, text=render(report, fmt),
                   blocks=tuple(outline(report)), day=report.period.today)


class Destination(Protocol):
    def deliver(self, doc: Document) -> str:
        """Send ``doc``; return where it went, for the user (a path, an address)."""


@dataclass
class Stdout:
    stream: TextIO | None = None

    def deliver(self, doc: Document) -> str:
        (self.stream or sys.stdout).write(doc.text)
        return "stdout"


@dataclass(frozen=True)
class File:
    """``path`` may hold ``{date}`` (the report's day). Written whole, then moved into
    place, so a reader never sees half a report."""

    path: Path

    def deliver(self, doc: Document) -> str:
        target = Path(str(self.path).replace("{date}", doc.day.isoformat()))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(doc.text, encoding="utf-8")
        partial.replace(target)
        return str(target)


@dataclass(frozen=True)
class Page:
    """A new page under ``parent`` through the service's :class:`PagePublisher` (the
    format is the service's own blocks, whatever ``report.format`` says)."""

    publisher: PagePublisher
    connection: BaseModel
    parent: str

    def deliver(self, doc: Document) -> str:
        return self.publisher.publish_page(self.connection, self.parent, doc.title,
                                           doc.blocks)


@dataclass(frozen=True)
class Notified:
    """One of ``notify.targets`` (:mod:`hub.notify.targets`): the report in Markdown, sent
    at once (a report is asked for, not an incident: no grouping, no minimum interval);
    a failure raises, as a file that cannot be written does."""

    name: str
    target: Any  # hub.config.notify.Target

    def deliver(self, doc: Document) -> str:
        import httpx

        from hub.notify.message import Note
        from hub.notify.targets import send

        with httpx.Client() as client:
            send(self.target, Note(doc.title, doc.text), client)
        return f"notify target {self.name!r}"


def _page(loaded: Any, name: str, parent: str, where: str) -> Page:
    from adapters.base import load_factory
    from adapters.publishing import page_publisher

    kind = loaded.config.connections[name].type
    publisher = page_publisher(load_factory(kind))
    if publisher is None:
        raise ConfigError(ConfigProblem(
            f"connection {name!r} is {kind}, which cannot hold a report page (Notion can)",
            path=where))
    return Page(publisher, loaded.connections[name], parent)


def destinations(loaded: Any, targets: Sequence[Any]) -> list[Destination]:
    """The configured ``report.to`` targets of ``loaded`` (a LoadedConfig) as destinations;
    relative file paths are from the config file's folder."""
    from hub.config.models import FileTarget, NotifyTarget

    out: list[Destination] = []
    for n, target in enumerate(targets):
        if isinstance(target, FileTarget):
            path = Path(target.file).expanduser()
            out.append(File(path if path.is_absolute() else loaded.path.parent / path))
        elif isinstance(target, NotifyTarget):
            out.append(Notified(target.notify, loaded.config.notify.targets[target.notify]))
        else:
            out.append(_page(loaded, target.connection, target.parent, f"report.to.{n}"))
    return out


def deliver(doc: Document, to: Sequence[Destination]) -> list[str]:
    """Deliver to every destination in turn; where each one went."""
    return [d.deliver(doc) for d in to]

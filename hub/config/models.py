"""The configuration file's shape, as frozen pydantic models that forbid unknown keys.

The loader (:mod:`hub.config.loader`) parses YAML with line numbers, interpolates ``${VAR}``,
validates against these models and the adapters' own connection/scope models, then runs the
cross-checks (undefined connections, two flows writing one target field, ...), reporting every
problem at once with file:line and key path.

Example (`synchub presets example` prints a commented one)::

    timezone: Europe/Berlin
    state: {url: "sqlite:///~/.local/state/synchub/state.db"}
    connections:
      work: {type: jira, url: "https://acme.atlassian.net", email: me@acme.com,
             token: "${JIRA_TOKEN}"}
      me:   {type: todoist, token: "${TODOIST_TOKEN}"}
    flows:
      sprint:
        interval: 5m
        conflict: newest              # newest | manual | {prefer: <endpoint>}
        delete: complete              # propagate | complete | unlink
        endpoints:
          jira:
            connection: work
            scope: {jql: "project = ABC AND assignee = currentUser()"}
            fields:
              status: {map: {"To Do": open, "In Progress": in_progress, "Done": done}}
          todoist: {connection: me, scope: {project: Work}}
        fields:
          description: {owner: jira}  # one-way for this field; others are two-way
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hub.config import flow_checks
from hub.config.notify import NotifyConfig
from hub.model import SYNC_FIELDS
from hub.report.facts import Format
from hub.report.schedule import parse_schedule


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeletePolicy(StrEnum):
    PROPAGATE = "propagate"  # delete the other copies
    COMPLETE = "complete"  # mark the other copies done (the safe default)
    UNLINK = "unlink"  # forget the link; other copies stay as they are


class LeaveScopePolicy(StrEnum):
    UNLINK = "unlink"
    COMPLETE = "complete"
    DELETE = "delete"


class OccurrenceDone(StrEnum):
    """What the other copies of a recurring item do when one occurrence is completed."""

    ROLL = "roll"  # every copy stays open, moved to the next occurrence (the default)
    SPAWN = "spawn"  # copies that cannot recur stay done; the next occurrence is a new copy


class RecurringConfig(Frozen):
    """``recurring:`` of a flow (see docs/how-it-works.md, "Recurring items")."""

    #: ``roll`` (default): the item is one task that moves on, as Todoist and a calendar
    #: series keep it, so nothing piles up in Jira or Notion; ``spawn``: the done copy in a
    #: service without recurrence stays done and the next occurrence is created beside it
    on_complete: OccurrenceDone = OccurrenceDone.ROLL


class CommentsConfig(Frozen):
    """``comments:`` of a flow (see docs/how-it-works.md, "Comments"): ``comments: true`` is
    short for ``{sync: true}``."""

    #: copy each comment to the item's other copies, edits and deletes followed (Jira,
    #: Todoist and Notion; off by default: it costs a read per changed item)
    sync: bool = False
    #: endpoints whose comments stay where they are (neither copied out nor written to)
    skip: tuple[str, ...] = ()
    #: where a comment change does not show the item as changed (Notion), this many of its
    #: items have their comments read each round, in turn, so every comment arrives in time
    sweep: int = Field(default=10, ge=0)


def _comments_shorthand(v: Any) -> Any:
    return {"sync": v} if isinstance(v, bool) else v


class ConflictMode(StrEnum):
    NEWEST = "newest"  # the latest edit of the field wins
    MANUAL = "manual"  # left alone everywhere and queued for a person


class PreferPolicy(Frozen):
    prefer: str  # endpoint name


ConflictPolicy = ConflictMode | PreferPolicy


class OwnerRule(Frozen):
    """A field owned by one endpoint: its edits flow out; edits elsewhere are not taken back
    (they are kept locally and overwritten only when the owner changes the field)."""

    owner: str


FieldDirection = Literal["two-way"] | OwnerRule


class FieldRule(Frozen):
    """How one canonical field maps onto an endpoint.

    ``target``: the remote field/property name where the adapter needs one (a Notion property,
    a Jira custom field). ``map``: remote value -> canonical value (status kinds, priority 1..4).
    ``write``: for a many-to-one ``map``, which remote value to write for a canonical value.
    """

    target: str | None = None
    map: dict[str, str | int] | None = None
    write: dict[str, str] | None = None


def _unknown_fields(names: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(SYNC_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(SYNC_FIELDS)}")


class EndpointConfig(Frozen):
    """One service's side of a flow.

    ``fields`` says how fields *map* (a property name, a value map) and never which fields
    sync: listing ``status`` to give it a value map must not stop the title from syncing (it
    did once, and every create then failed for want of a summary). ``only`` is the one way to
    restrict an endpoint to some fields; without it every field the adapter supports syncs.
    """

    connection: str
    scope: dict[str, Any] = Field(default_factory=dict)  # validated by the adapter's model
    fields: dict[str, FieldRule] = Field(default_factory=dict)
    only: tuple[str, ...] | None = None  # None: every field the adapter supports
    read_only: bool = False
    #: ``false``: write no origin marker here (no line in a Todoist description, no Notion
    #: column); a lost create and a lost state file are then found by the flow's match key
    #: only (Todoist and Notion; Jira and Google Calendar keep their invisible markers and
    #: refuse it)
    markers: bool = True
    options: dict[str, Any] = Field(default_factory=dict)  # adapter-specific mapping options

    @field_validator("fields")
    @classmethod
    def _known_rules(cls, v: dict[str, FieldRule]) -> dict[str, FieldRule]:
        _unknown_fields(v)
        empty = [name for name, rule in v.items() if rule == FieldRule()]
        if empty:
            # Before `only` existed, `title: {}` meant "sync the title (and only the listed
            # fields)". Read now it would silently widen the endpoint: say what to write.
            raise ValueError(
                f"an empty rule ({', '.join(f'{n}: {{}}' for n in empty)}) maps nothing: "
                "`fields` sets how fields map, not which ones sync; to sync only some fields "
                f"list them in `only: [{', '.join(v)}]` (every field syncs without it)")
        return v

    @field_validator("only")
    @classmethod
    def _known_only(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is not None:
            _unknown_fields(v)
            if not v:
                raise ValueError("`only: []` syncs nothing: list the fields, or leave it out "
                                 "to sync every field")
        return v


def parse_duration(v: Any) -> dt.timedelta:
    """``90``, ``"90s"``, ``"5m"``, ``"1h30m"``, ``"2d"`` -> timedelta."""
    if isinstance(v, dt.timedelta):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        return dt.timedelta(seconds=v)
    if not isinstance(v, str):
        raise ValueError("a duration is a number of seconds or text like '5m', '1h30m'")
    import re

    text = v.strip().lower()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("-").strip()
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)", text)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)", "", text).strip():
        raise ValueError(f"bad duration {v!r}; use e.g. '90s', '5m', '1h30m', '2d'")
    unit = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return dt.timedelta(seconds=sign * sum(float(n) * unit[u] for n, u in parts))


#: a duration written as seconds or text ("90s", "5m", "1h30m", "2d"), read by parse_duration
Duration = Annotated[dt.timedelta, BeforeValidator(parse_duration)]


def _not_negative(v: dt.timedelta) -> dt.timedelta:
    if v < dt.timedelta(0):
        raise ValueError("cannot be negative (0: no wait at all)")
    return v


#: a wait or a lag: a :data:`Duration` of 0 or more
NonNegativeDuration = Annotated[Duration, AfterValidator(_not_negative)]


class FlowConfig(Frozen):
    endpoints: dict[str, EndpointConfig]
    interval: Duration = Field(default=dt.timedelta(minutes=5))
    conflict: ConflictPolicy = ConflictMode.NEWEST
    delete: DeletePolicy = DeletePolicy.COMPLETE
    leave_scope: LeaveScopePolicy = LeaveScopePolicy.UNLINK
    fields: dict[str, FieldDirection] = Field(default_factory=dict)
    match: tuple[str, ...] = ("title",)  # match key for pre-existing items on first sync
    mass_change_limit: float = Field(default=0.5, gt=0, le=1)
    mass_change_min: int = Field(default=10, ge=0)  # rounds touching fewer links never trip
    recurring: RecurringConfig = Field(default_factory=RecurringConfig)
    #: comments copied between the item's copies: `true`, or `{sync, skip, sweep}`
    comments: Annotated[CommentsConfig, BeforeValidator(_comments_shorthand)] = Field(
        default_factory=CommentsConfig)
    enabled: bool = True

    @field_validator("interval")
    @classmethod
    def _positive(cls, v: dt.timedelta) -> dt.timedelta:
        if v.total_seconds() <= 0:
            raise ValueError("interval must be greater than zero")
        return v

    @field_validator("match")
    @classmethod
    def _match_fields(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in v if f not in SYNC_FIELDS]
        if unknown:
            raise ValueError(f"unknown match field(s) {', '.join(unknown)}")
        return v

    @model_validator(mode="after")
    def _endpoint_names(self, info: ValidationInfo) -> FlowConfig:
        """The cross-key checks (:mod:`hub.config.flow_checks`); the loader runs them on the
        raw document itself, so they are reported with every other problem."""
        if info.context and info.context.get(flow_checks.DEFERRED):
            return self
        found = [msg for _, msg in flow_checks.problems(self.model_dump(mode="json"))]
        if found:
            raise ValueError("; ".join(found))
        return self

    def owner_of(self, field: str) -> str | None:
        rule = self.fields.get(field)
        return rule.owner if isinstance(rule, OwnerRule) else None


#: the keys of a connection block that are the hub's; every other key is the adapter's
HUB_KEYS = ("type", "webhook_secret")


class ConnectionConfig(BaseModel):
    """``type`` picks the adapter; the other keys are validated by that adapter's model."""

    model_config = ConfigDict(frozen=True, extra="allow")
    type: str


class StateConfig(Frozen):
    """Where synchub remembers what it synced, and how it shares that between processes.

    ``writer_wait``: how long a command that writes (``sync``, ``undo``, ``conflicts
    resolve``, a daemon round) waits for another process writing the same flow before it
    gives up (exit 7); 0 refuses at once. ``keep_runs`` / ``keep_journal``: how long finished
    rounds, with the record of their writes (``synchub history``, ``synchub undo``), and
    settled write intents are kept before they are pruned.
    """

    url: str = "sqlite:///synchub-state.db"
    writer_wait: NonNegativeDuration = Field(default=dt.timedelta(seconds=60))
    keep_runs: Duration = Field(default=dt.timedelta(days=90))
    keep_journal: Duration = Field(default=dt.timedelta(days=14))

    @field_validator("keep_runs", "keep_journal")
    @classmethod
    def _at_least_an_hour(cls, v: dt.timedelta) -> dt.timedelta:
        if v.total_seconds() < 3600:
            raise ValueError("keep at least an hour of history (e.g. '14d')")
        return v


class DaemonConfig(Frozen):
    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=0, le=65535)
    token: str | None = None  # required when host is not loopback
    #: lets a person who logs in with it on the status page resolve conflicts there (a
    #: secret: ``${VARIABLE}``, ``${keyring:NAME}``); unset, the page only reads
    admin_token: SecretStr | None = None
    concurrency: int = Field(default=2, ge=1)
    jitter: float = Field(default=0.1, ge=0, le=1)  # share of the interval
    grace_seconds: float = Field(default=20, gt=0)
    #: a replica's hold on a flow lasts this long unless renewed (it is renewed every third of
    #: it while the replica lives, rounds included): the take-over time after a dead replica
    lease_seconds: float = Field(default=30, ge=3)

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, v: SecretStr | None) -> SecretStr | None:
        # The login form is the one place a guess can be tried over and over: a token too
        # short to withstand that is refused, rather than rate-limiting logins.
        if v is not None and len(v.get_secret_value()) < 16:
            raise ValueError("the admin token must be at least 16 characters (e.g. "
                             "`python -c 'import secrets; print(secrets.token_urlsafe())'`)")
        return v


class RetryConfig(Frozen):
    """How a request that failed for a passing reason (a 5xx, a timeout, a dropped
    connection) is sent again within a round: at most ``attempts`` tries in all, waiting
    ``first_wait``, then twice as long each time, at most ``max_wait``. A ``Retry-After`` the
    service sends is always honoured instead. What still fails is tried again next round."""

    attempts: int = Field(default=4, ge=1, le=10)
    first_wait: NonNegativeDuration = Field(default=dt.timedelta(seconds=0.5))
    max_wait: NonNegativeDuration = Field(default=dt.timedelta(seconds=30))


class FileTarget(Frozen):
    """``{file: PATH}``: the report written to a file."""

    #: a relative path is from the config file's folder; ``{date}`` in it is the report's
    #: day, so each report keeps its own file
    file: str


class PageTarget(Frozen):
    """``{connection: NAME, parent: PAGE_ID}``: the report as a new page (Notion)."""

    #: a connection whose service holds pages (Notion).
    connection: str
    #: the id of the page the reports are made under (shared with the integration).
    parent: str


class NotifyTarget(Frozen):
    """``{notify: NAME}``: the report sent to one of ``notify.targets`` (e-mail and a
    generic webhook get it whole, in Markdown; Discord and Slack what a message holds)."""

    notify: str


#: where a report goes
ReportTarget = FileTarget | PageTarget | NotifyTarget


def _one_or_more(v: Any) -> Any:
    return [v] if isinstance(v, dict) else v


class ReportConfig(Frozen):
    """``report:``: a progress report the daemon (`synchub run`) makes on a schedule
    (docs/reporting.md); `synchub report` makes one at any time, with the same flows."""

    #: when, in the config's time zone: ``weekly on monday 09:00``, ``daily 08:30``,
    #: ``weekdays at 17:00``, ``weekly on mon, thu 09:00``
    every: str
    #: the days each report looks back over
    days: int = Field(default=7, ge=1, le=366)
    #: ``md`` (Markdown), ``html`` (one self-contained page) or ``json`` (for scripts); a
    #: page target is written in the service's own blocks whatever this says
    format: Format = Format.MD
    #: the flows reported on (default: every enabled flow).
    flows: tuple[str, ...] | None = None
    #: one target or a list: ``{file: PATH}``, ``{connection: NAME, parent: PAGE_ID}``
    to: Annotated[tuple[ReportTarget, ...], BeforeValidator(_one_or_more)] = Field(
        min_length=1)

    @field_validator("every")
    @classmethod
    def _schedule(cls, v: str) -> str:
        parse_schedule(v)
        return v


class Config(Frozen):
    version: Literal[1] = 1
    timezone: str = "UTC"
    state: StateConfig = StateConfig()
    daemon: DaemonConfig = DaemonConfig()
    retry: RetryConfig = RetryConfig()
    #: messages to people when synchub needs them (Discord, Slack, a webhook, e-mail)
    notify: NotifyConfig = NotifyConfig()
    connections: dict[str, ConnectionConfig]
    flows: dict[str, FlowConfig]
    report: ReportConfig | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @model_validator(mode="after")
    def _notify_flows(self) -> Config:
        """A target limited to flows that do not exist would never hear a thing."""
        for name, target in self.notify.targets.items():
            unknown = sorted(set(target.flows or ()) - set(self.flows))
            if unknown:
                raise ValueError(f"notify.targets.{name}.flows: no flow named "
                                 f"{', '.join(unknown)}; flows: {', '.join(self.flows)}")
        return self

    @model_validator(mode="after")
    def _markers_where_invisible(self) -> Config:
        """``markers: false`` is for the services whose marker people see (Todoist, Notion).
        Jira's entity property and Calendar's private extended property are invisible, and
        without them a lost create could only be found by its title: refused there."""
        for fname, flow in self.flows.items():
            for ename, ep in flow.endpoints.items():
                conn = self.connections.get(ep.connection)
                if not ep.markers and conn is not None and conn.type in KEEP_MARKERS:
                    raise ValueError(
                        f"flows.{fname}.endpoints.{ename}.markers: false is not available for "
                        f"{conn.type}: its origin marker is invisible there "
                        f"({KEEP_MARKERS[conn.type]}); remove `markers: false`")
        return self
        for name in self.report.flows or ():
            if name not in self.flows:
                raise ValueError(f"report.flows names {name!r}, which is not a flow "
                                 f"({', '.join(self.flows)})")
        for n, target in enumerate(self.report.to):
            if isinstance(target, PageTarget) and target.connection not in self.connections:
                raise ValueError(f"report.to[{n}].connection {target.connection!r} is not a "
                                 f"connection ({', '.join(self.connections)})")
        return self


#: services whose origin marker nobody sees, so ``markers: false`` is refused for them
KEEP_MARKERS = {"jira": "an issue entity property",
                "gcal": "a private extended property of the event"}

"""The configuration reference, generated from the config models (never written twice).

``python -m hub.config.reference > docs/reference/configuration.md`` writes it; a test
(``tests/docs/test_reference.py``) fails when the committed file differs from what this
prints. One section per model: the top-level :class:`~hub.config.models.Config` and the
blocks under it, then each adapter shipped with synchub, its connection settings and its
endpoint scope (through the registry, as the loader reaches them). Each section is a table
of key, type, default and description. Types and constraints come from the models' JSON
schema, defaults from the fields themselves (durations as ``5m``, not ISO 8601), and
descriptions from, in order: the field's ``description=``, the ``#:`` comment above the
field or the comment on its line, then :data:`SUPPLEMENT` below.
"""

from __future__ import annotations

import ast
import datetime as dt
import enum
import inspect
import io
import json
import re
import sys
import textwrap
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from hub.config import models, notify

JsonSchema = Mapping[str, Any]

#: Descriptions for fields whose models carry none yet (no ``description=``, no comment).
#: A description written in the model wins; move these into the models when hub/config is
#: next edited, and drop them here.
SUPPLEMENT: dict[tuple[str, str], str] = {
    ("Config", "version"): "The file format's version; only 1 exists.",
    ("Config", "timezone"): "Your IANA time zone (`Europe/Berlin`): floating due times, "
                            "calendar blocks and Jira's minute-precision queries use it.",
    ("Config", "state"): "Where synchub remembers what it synced.",
    ("Config", "daemon"): "`synchub run`: address, token, concurrency, shutdown.",
    ("Config", "retry"): "How failed requests are retried within a round.",
    ("Config", "connections"): "One block per account, by a name of your choice; `type` "
                               "picks the adapter.",
    ("Config", "flows"): "One block per flow, by a name of your choice: 2 to 4 endpoints "
                         "kept in two-way sync.",
    ("Config", "report"): "A progress report `synchub run` makes on a schedule "
                          "(docs/reporting.md).",
    ("StateConfig", "url"): "`sqlite:///path` (relative to the config file's folder) or "
                            "`postgresql://...` (needs `pip install 'synchub[postgres]'`); "
                            "`SYNCHUB_STATE_URL` overrides it.",
    ("DaemonConfig", "host"): "Bind address of the status page, metrics and webhooks "
                              "(`--host` overrides it).",
    ("DaemonConfig", "port"): "Port (`--port` overrides it); 0 takes a free one.",
    ("DaemonConfig", "token"): "Protects the status page, `/status.json` and `/metrics` "
                               "(`Authorization: Bearer <token>` or `?token=`); required when "
                               "`host` is not loopback. `SYNCHUB_DAEMON_TOKEN` is used when "
                               "this is not set.",
    ("DaemonConfig", "concurrency"): "Flows synced side by side.",
    ("DaemonConfig", "grace_seconds"): "On SIGTERM: how long rounds in flight may take to "
                                       "finish and commit.",
    ("ConnectionConfig", "type"): "The adapter; each type's own keys are in its "
                                  "connection section below.",
    ("FlowConfig", "endpoints"): "2 to 4 endpoints, by a name of your choice (used by "
                                 "`prefer`, `owner` and in every message).",
    ("FlowConfig", "interval"): "How often `synchub run` syncs the flow.",
    ("FlowConfig", "conflict"): "The same field changed on two sides since the last sync: "
                                "the newest edit wins, a person decides (`synchub "
                                "conflicts`), or one endpoint always wins.",
    ("FlowConfig", "delete"): "An item deleted on one side.",
    ("FlowConfig", "leave_scope"): "An item that leaves an endpoint's scope (the JQL no "
                                   "longer matches, moved to another project).",
    ("FlowConfig", "fields"): "Per canonical field: `two-way` (the default) or owned by one "
                              "endpoint (one-way for that field).",
    ("FlowConfig", "mass_change_limit"): "A round that would update or delete more than "
                                         "this share of the flow's items stops (exit 5) "
                                         "until run with `--force`.",
    ("FlowConfig", "enabled"): "`false` leaves the flow alone.",
    ("EndpointConfig", "connection"): "The name of a block under `connections`.",
    ("EndpointConfig", "fields"): "How canonical fields map here: a property name "
                                  "(`target`), a value map; never which fields sync.",
    ("EndpointConfig", "only"): "Sync only these canonical fields here; without it every "
                                "field the adapter supports syncs.",
    ("EndpointConfig", "scope"): "What of the service belongs to this endpoint; its keys "
                                 "depend on the connection's type (the scope sections "
                                 "below).",
    ("EndpointConfig", "options"): "Adapter-specific options: Jira `project`, `issue_type`, "
                                   "`subtask_issue_type`; Google Calendar `mode`, "
                                   "`block_minutes`; Notion `targets` (see the service "
                                   "pages).",
    ("EndpointConfig", "read_only"): "A source only: never written.",
    ("JiraConnection", "url"): "Your site, `https://your-site.atlassian.net`.",
    ("JiraConnection", "email"): "The Atlassian account's e-mail address.",
    ("JiraConnection", "token"): "An Atlassian API token (write `${JIRA_TOKEN}`).",
    ("JiraScope", "jql"): "Which issues belong to the endpoint.",
    ("JiraScope", "reconcile_every"): "Rounds between full listings of the scope's ids "
                                      "(Jira reports no deletes).",
    ("JiraScope", "read_only"): "Never write to Jira.",
    ("TodoistConnection", "token"): "Your Todoist API token (write `${TODOIST_TOKEN}`).",
    ("TodoistConnection", "base_url"): "Where the API is (another address for the local "
                                       "emulator).",
    ("TodoistScope", "project"): "The project, by name or id.",
    ("TodoistScope", "section"): "Only this section of the project.",
    ("TodoistScope", "label"): "Only tasks carrying this label.",
    ("TodoistScope", "filter"): "Only tasks matching this Todoist filter query.",
    ("TodoistScope", "read_only"): "Never write to Todoist.",
    ("NotionConnection", "token"): "An internal integration's secret (write "
                                   "`${NOTION_TOKEN}`).",
    ("NotionConnection", "base_url"): "Where the API is (another address for the local "
                                      "emulator).",
    ("NotionConnection", "requests_per_second"): "The pace this connection keeps "
                                                 "(Notion allows about 3 a second).",
    ("NotionScope", "database_id"): "The database's id (32 hex digits, dashes optional), "
                                    "from its URL.",
    ("NotionScope", "read_only"): "Never write to Notion.",
    ("GcalConnection", "base_url"): "Where the API is (another address for the local "
                                    "emulator).",
    ("GcalConnection", "credentials"): "`oauth` (a user token in `token_file`), "
                                       "`service_account` (a key in "
                                       "`service_account_file`), `none` (the emulator).",
    ("GcalConnection", "token_file"): "Where the authorized OAuth token is kept (mode 0600; "
                                      "refreshed tokens are written back).",
    ("GcalConnection", "service_account_file"): "A service account's JSON key.",
    ("GcalScope", "calendar_id"): "`primary` or a calendar's id (Settings > Integrate "
                                  "calendar).",
    ("GcalScope", "read_only"): "Never write to the calendar.",
    ("MemoryScope", "label"): "Only items carrying this label.",
    ("MemoryScope", "read_only"): "Never write.",
}

#: keys the loader reads from every connection block before the adapter's model sees it
COMMON_CONNECTION_ROWS = [
    ("`webhook_secret`", "secret string", "—",
     "Lets `synchub run` accept this service's signed webhooks at "
     "`/webhooks/<connection name>`; without it they get 401."),
]


@dataclass(frozen=True)
class Section:
    title: str  # a heading whose anchor is its lower-cased words joined by "-"
    where: str  # where the block sits in the file
    model: type[BaseModel]
    intro: str = ""
    extra_rows: tuple[tuple[str, str, str, str], ...] = ()


def anchor(title: str) -> str:
    """The anchor MkDocs (and GitHub) give a plain heading."""
    return re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", title).strip().lower())


def core_sections() -> list[Section]:
    flow = "flows.<flow>"
    endpoint = f"{flow}.endpoints.<endpoint>"
    return [
        Section("Top level", "", models.Config),
        Section("state", "state", models.StateConfig),
        Section("daemon", "daemon", models.DaemonConfig),
        Section("retry", "retry", models.RetryConfig),
        Section("report", "report", models.ReportConfig),
        Section("Report file", "report.to[]", models.FileTarget),
        Section("Report page", "report.to[]", models.PageTarget),
        Section("Connection", "connections.<connection>", models.ConnectionConfig,
                extra_rows=tuple(COMMON_CONNECTION_ROWS)),
        Section("Flow", flow, models.FlowConfig),
        Section("Endpoint", endpoint, models.EndpointConfig),
        Section("Field rule", f"{endpoint}.fields.<field>", models.FieldRule),
        Section("notify", "notify", notify.NotifyConfig),
        Section("Discord target", "notify.targets.<target>", notify.DiscordTarget),
        Section("Slack target", "notify.targets.<target>", notify.SlackTarget),
        Section("Webhook target", "notify.targets.<target>", notify.WebhookTarget),
        Section("E-mail target", "notify.targets.<target>", notify.EmailTarget),
    ]


def shipped_adapters() -> list[tuple[str, Any]]:
    """(type name, factory) of the adapters synchub itself registers, by name: a plug-in
    installed beside it documents itself, and must not change this file."""
    from adapters.registry import installed_adapters, load_factory

    shipped = [name for name, ep in installed_adapters().items()
               if str(ep.value).startswith("adapters.")]
    order = list(_LABELS)
    shipped.sort(key=lambda n: (order.index(n) if n in order else len(order), n))
    return [(name, load_factory(name)) for name in shipped]


def adapter_sections() -> list[Section]:
    out = []
    for name, factory in shipped_adapters():
        label = _LABELS.get(name, name)
        intro = _rst(inspect.cleandoc(vars(type(factory)).get("__doc__") or ""))  # its own
        out.append(Section(f"{label} connection",
                           f"connections.<connection> with type: {name}",
                           factory.connection_model, intro))
        out.append(Section(f"{label} scope",
                           f"flows.<flow>.endpoints.<endpoint>.scope, its connection of "
                           f"type: {name}", factory.scope_model))
    return out


_LABELS = {"jira": "Jira", "todoist": "Todoist", "notion": "Notion", "gcal": "Google Calendar",
           "memory": "Memory"}


# -- descriptions ----------------------------------------------------------------------------


def _rst(text: str) -> str:
    """Docstring markup (``code``, :class:`x.y.Z`) as Markdown, on one line per paragraph."""
    text = re.sub(r":\w+:`~?(?:[\w.]+\.)?([\w]+)`", r"`\1`", text)
    text = text.replace("``", "`")
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def source_comments(cls: type) -> dict[str, str]:
    """Attribute name -> the ``#:`` comment lines above it and the comment on its lines."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments = {tok.start[0]: tok.string for tok in
                tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    klass = ast.parse(source).body[0]
    assert isinstance(klass, ast.ClassDef)
    out: dict[str, str] = {}
    for node in klass.body:
        name = _attribute(node)
        if name is None:
            continue
        above = _comment_block(comments, node.lineno - 1)
        inline = [comments[n].lstrip("#").strip()
                  for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
                  if n in comments]
        text = " ".join([*above, *inline]).strip()
        if text:
            out[name] = _rst(text)
    return out


def _attribute(node: ast.stmt) -> str | None:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def _comment_block(comments: Mapping[int, str], last: int) -> list[str]:
    """The ``#:`` lines ending at line ``last``, in order."""
    lines: list[str] = []
    while comments.get(last, "").startswith("#:"):
        lines.insert(0, comments[last][2:].strip())
        last -= 1
    return lines


def describe(model: type[BaseModel], name: str, info: FieldInfo,
             comments: Mapping[str, str]) -> str:
    text = info.description or SUPPLEMENT.get((model.__name__, name)) or comments.get(name)
    if text:
        return _sentence(text)
    doc = model.__doc__ or ""
    return "See above." if f"``{name}``" in doc else ""


def _sentence(text: str) -> str:
    """A comment as a sentence: capital first letter, final full stop."""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else text + "."


# -- types and defaults ----------------------------------------------------------------------


_SCALARS = {"string": "string", "integer": "integer", "number": "number",
            "boolean": "boolean", "null": "null"}
_FORMATS = {"duration": "duration", "password": "secret string"}


class Types:
    """JSON schema fragments as short type names; models with a section become links."""

    def __init__(self, defs: JsonSchema, anchors: Mapping[str, str]) -> None:
        self.defs = defs
        self.anchors = anchors

    def name(self, schema: JsonSchema) -> str:
        if "$ref" in schema:
            return self._ref(schema["$ref"].rsplit("/", 1)[-1])
        if "anyOf" in schema:  # X | None: the default column says "—"
            return " or ".join(self.name(s) for s in schema["anyOf"]
                               if s.get("type") != "null")
        if "const" in schema:
            return f"`{json.dumps(schema['const'])}`"
        if "enum" in schema:
            return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
        kind = schema.get("type")
        if kind == "array":
            return f"list of {self.name(schema.get('items', {}))}"
        if kind == "object":
            return self._mapping(schema)
        base = _FORMATS.get(schema.get("format", ""), _SCALARS.get(str(kind), "any"))
        return " ".join([base, *constraints(schema)])

    def _mapping(self, schema: JsonSchema) -> str:
        values = schema.get("additionalProperties")
        if isinstance(values, dict) and values:
            return f"mapping of names to {self.name(values)}"
        return "mapping"

    def _ref(self, name: str) -> str:
        if name in self.anchors:
            return f"[{self.anchors[name]}](#{anchor(self.anchors[name])})"
        target = self.defs.get(name, {})
        if "enum" in target:
            return self.name(target)
        props = target.get("properties", {})
        inner = ", ".join(f"{k}: {self.name(v)}" for k, v in props.items())
        return f"`{{{inner}}}`"


def constraints(schema: JsonSchema) -> list[str]:
    if "minimum" in schema and "maximum" in schema:
        out = [f"{schema['minimum']}..{schema['maximum']}"]
    else:
        signs = [("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                 ("exclusiveMaximum", "<")]
        out = [f"{sign} {schema[key]}" for key, sign in signs if key in schema]
    if schema.get("minLength") == 1:
        out.append("(not empty)")
    elif "minLength" in schema:
        out.append(f"of at least {schema['minLength']} characters")
    if "maxLength" in schema:
        out.append(f"of at most {schema['maxLength']} characters")
    if "pattern" in schema:
        out.append(f"matching `{schema['pattern']}`")
    return out


def duration_text(value: dt.timedelta) -> str:
    """``5m``, ``1h30m``, ``0.5s``: the way the config file writes durations."""
    seconds = value.total_seconds()
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        whole, seconds = divmod(seconds, size)
        if whole:
            parts.append(f"{int(whole)}{unit}")
    if seconds:
        parts.append(f"{seconds:g}s")
    return "".join(parts)


def default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "its defaults"
    return f"`{_plain(value)}`" if value is not None else "—"


def _plain(value: Any) -> str:
    if isinstance(value, dt.timedelta):
        return duration_text(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value) if value else "{}"
    return str(value)


# -- output ----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def enum_notes(model: type[BaseModel]) -> list[str]:
    """Each value of an enum field, with the comment the enum gives it."""
    out = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, enum.Enum)):
            continue
        comments = source_comments(annotation)
        if not comments:
            continue
        values = [f"`{m.value}`" + (f" — {comments[m.name]}" if m.name in comments else "")
                  for m in annotation]
        out.append(f"`{name}` values: " + "; ".join(values) + ".")
    return out


def render_section(section: Section, anchors: Mapping[str, str]) -> list[str]:
    model = section.model
    lines = [f"## {section.title}", ""]
    if section.where:
        lines += [f"Where: `{section.where}`.", ""]
    # the model's own docstring only (inspect.getdoc would inherit BaseModel's)
    intro = section.intro or _rst(inspect.cleandoc(model.__doc__ or ""))
    if intro:
        lines += [intro, ""]
    lines += ["| key | type | default | description |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |"
              for row in [*table_rows(model, anchors), *section.extra_rows]]
    notes = enum_notes(model)
    if notes:
        lines += ["", *(f"- {n}" for n in notes)]
    return [*lines, ""]


def table_rows(model: type[BaseModel], anchors: Mapping[str, str]
               ) -> list[tuple[str, str, str, str]]:
    """(key, type, default, description) of each field, in the model's order."""
    schema = model.model_json_schema()
    types = Types(schema.get("$defs", {}), anchors)
    props = schema.get("properties", {})
    comments = source_comments(model)
    rows = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        rows.append((f"`{key}`", types.name(props.get(key, {})), default_text(info),
                     describe(model, name, info, comments)))
    return rows


HEADER = """\
# Configuration reference

<!-- Generated by `python -m hub.config.reference > docs/reference/configuration.md` from the
config models (hub/config/models.py and each adapter's connection and scope models): do not
edit by hand; change the models (or hub/config/reference.py) and regenerate. -->

Every key the configuration file accepts, section by section. Unknown keys are refused (with
a did-you-mean), and `synchub check` lists every problem with its line. Durations are written
as seconds (`90`) or text (`90s`, `5m`, `1h30m`, `2d`). Any value may be `${VARIABLE}` or
`${VARIABLE:-default}`, read from the environment or the `.env` next to the file,
`${keyring:NAME}` (the system keyring) or `${cmd:COMMAND ARGS}` (the first line a command
prints). The guide to all this is [Configuration](../configuration.md); the services' own
steps are under Services.
"""


def render(sections: Iterable[Section] | None = None) -> str:
    chosen = list(sections) if sections is not None else [*core_sections(),
                                                          *adapter_sections()]
    anchors = {s.model.__name__: s.title for s in chosen}
    lines = [HEADER]
    for section in chosen:
        lines += render_section(section, anchors)
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())

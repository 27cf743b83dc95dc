"""Sprint and story points as Todoist labels (Todoist has no field for either).

Configured per endpoint with ``target: label`` (or ``label:<prefix>``)::

    fields:
      sprint: {target: label}          # the label "sprint:Sprint 5"
      points: {target: "label:pts "}   # the label "pts 3" (default prefix "points:")

A label that starts with the field's prefix (any case, as Todoist compares label names)
holds the field: ``sprint:Sprint 5`` is the sprint "Sprint 5", ``points:3`` is 3 points
(``points:0.5`` half a point; one that is not a number of 0 or more is an ordinary label).
Those labels are the field's, not part of the item's canonical ``labels``, so they are
synced once, as the field, and never also as labels to the other services; a canonical label
that such a prefix would claim (a Jira label ``sprint:x``) cannot be held here as a label
(:meth:`LabelFields.visible`), so it does not come back as a sprint and ping-pong. A task
with two sprint labels reads as the first; writing the field replaces every label of its
prefix with one (or none).

A sprint as a section of the project is not supported: a section holds one value per task,
as a status map's sections do, and the two cannot share them; ``target: section`` is refused
when the adapter is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from hub.errors import ConfigError, ConfigProblem

FIELDS = ("sprint", "points")
DEFAULT_PREFIX = {"sprint": "sprint:", "points": "points:"}


def _points(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 and value != float("inf") else None


def _points_label(points: float) -> str:
    return str(int(points)) if points == int(points) else str(points)


@dataclass(frozen=True)
class LabelFields:
    """Canonical field -> the prefix of the labels that hold it (none configured: empty)."""

    prefixes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_targets(cls, targets: Mapping[str, str], endpoint: str) -> LabelFields:
        """The ``target`` rules for sprint and points; any target but a label is refused,
        all problems at once."""
        prefixes, problems = {}, []
        for name in FIELDS:
            target = targets.get(name)
            if target is None:
                continue
            kind, sep, prefix = str(target).partition(":")
            if kind.strip().lower() != "label" or (sep and not prefix.strip()):
                problems.append(ConfigProblem(
                    f"Todoist endpoint {endpoint!r}: {name} can only be held as a label "
                    f"(target: label, or label:<prefix>), not {target!r}"
                    + ("; sections belong to the status map, one per task" if
                       kind.strip().lower() == "section" else "")))
                continue
            prefixes[name] = prefix if sep else DEFAULT_PREFIX[name]
        if problems:
            raise ConfigError(problems)
        return cls(prefixes)

    def fields(self) -> frozenset[str]:
        return frozenset(self.prefixes)

    def _claims(self, label: str) -> str | None:
        """The field a label holds, or None for an ordinary label."""
        for name, prefix in self.prefixes.items():
            if label.casefold().startswith(prefix.casefold()):
                rest = label[len(prefix):].strip()
                if rest and (name != "points" or _points(rest) is not None):
                    return name
        return None

    def split(self, labels: Sequence[str]) -> tuple[list[str], dict[str, object]]:
        """A task's labels as (the ordinary ones, the fields' values)."""
        ordinary: list[str] = []
        values: dict[str, object] = dict.fromkeys(self.prefixes)
        for label in labels:
            name = self._claims(label)
            if name is None:
                ordinary.append(label)
            elif values[name] is None:
                rest = label[len(self.prefixes[name]):].strip()
                values[name] = _points(rest) if name == "points" else rest
        return ordinary, values

    def visible(self, labels: Iterable[str]) -> tuple[str, ...]:
        """The canonical labels this endpoint can hold as labels (what reads back)."""
        return tuple(x for x in labels if self._claims(x) is None)

    def join(self, ordinary: Iterable[str], sprint: str | None, points: float | None
             ) -> list[str]:
        """The labels a task holds for these ordinary labels and field values."""
        out = list(self.visible(ordinary))
        if "sprint" in self.prefixes and sprint:
            out.append(f"{self.prefixes['sprint']}{sprint}")
        if "points" in self.prefixes and points is not None:
            out.append(f"{self.prefixes['points']}{_points_label(points)}")
        return out

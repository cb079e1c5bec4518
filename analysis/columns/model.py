"""The column map: each column's role, scale and reason, as reviewed and saved by the user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from analysis.errors import ChangeRadarError
from analysis.ingest import IngestError, SurveyExport
from analysis.scales import Scale, get_scale
from analysis.suggest import Suggestion
from analysis.survey import Construct

ROLES = (
    "respondent_id",
    "team",
    "role",
    "demographic",
    "item",
    "comment",
    "timestamp",
    "identity",
    "metadata",
    "ignored",
)


class MappingError(ChangeRadarError):
    """A mapping YAML that cannot be applied; str(e) lists every problem and how to fix it."""


class NoAnswersError(IngestError):
    """The table has no column that looks like survey answers."""


@dataclass
class ColumnSpec:
    name: str
    role: str
    scale: str | None = None
    construct: str | None = None
    reverse: bool = False
    question: str = ""
    export_tag: str = ""
    reason: str = ""


@dataclass
class ColumnMap:
    columns: list[ColumnSpec]
    scales: dict[str, Scale] = field(default_factory=dict)  # custom scales by name
    warnings: list[str] = field(default_factory=list)
    #: constructs declared in the mapping's ``constructs:`` section, by id
    constructs: dict[str, Construct] = field(default_factory=dict)
    #: constructs suggested from the wording of rated columns that have none, by column; shown
    #: for the user to confirm, never applied (:mod:`analysis.suggest`)
    suggestions: dict[str, Suggestion] = field(default_factory=dict)

    def _names(self, role: str) -> list[str]:
        return [c.name for c in self.columns if c.role == role]

    def spec(self, column: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == column:
                return c
        raise KeyError(column)

    @property
    def team(self) -> str | None:
        return next(iter(self._names("team")), None)

    @property
    def role(self) -> str | None:
        return next(iter(self._names("role")), None)

    @property
    def respondent_id(self) -> str | None:
        return next(iter(self._names("respondent_id")), None)

    @property
    def demographics(self) -> list[str]:
        return self._names("demographic")

    @property
    def comments(self) -> list[str]:
        return self._names("comment")

    @property
    def items(self) -> list[str]:
        return self._names("item")

    @property
    def identity(self) -> list[str]:
        return self._names("identity")

    @property
    def timestamps(self) -> list[str]:
        return self._names("timestamp")

    @property
    def metadata(self) -> list[str]:
        return self._names("metadata")

    @property
    def ignored(self) -> list[str]:
        return self._names("ignored")

    def scale_for(self, column: str) -> Scale:
        """The scale of an item column; MappingError when it has none yet."""
        spec = self.spec(column)
        if spec.scale is None:
            raise MappingError(
                f"Column {column!r} has no answer scale: give it one in the mapping YAML "
                f"(items: {{{column!r}: {{scale: agree5}}}}) or ignore it."
            )
        if spec.scale in self.scales:
            return self.scales[spec.scale]
        return get_scale(spec.scale)

    def require_answers(self) -> None:
        """Raise NoAnswersError when nothing looks like rated questions or comments."""
        if not self.items and not self.comments:
            raise NoAnswersError(
                "No column looks like survey answers (rated questions or comments): check you "
                "uploaded the responses sheet, or map the question columns in a mapping YAML."
            )

    def to_yaml(self) -> str:
        """The mapping YAML (format in README): every column's role, the declared constructs,
        items with their scale."""
        doc: dict[str, Any] = {}
        doc["team"] = self.team
        doc["role"] = self.role
        doc["respondent_id"] = self.respondent_id
        doc["demographics"] = self.demographics
        doc["comments"] = self.comments
        doc["identity"] = self.identity
        doc["timestamps"] = self.timestamps
        doc["metadata"] = self.metadata
        doc["ignore"] = self.ignored
        if self.constructs:
            doc["constructs"] = {cid: _construct_entry(c) for cid, c in self.constructs.items()}
        items: dict[str, Any] = {}
        for spec in self.columns:
            if spec.role != "item":
                continue
            scale: Any = spec.scale
            if scale is not None and scale in self.scales:
                custom = self.scales[scale]
                scale = dict(zip(custom.labels, _plain_numbers(custom.values), strict=True))
            items[spec.name] = {
                "construct": spec.construct,
                "scale": scale,
                "reverse": bool(spec.reverse),
            }
        doc["items"] = items
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)

    @classmethod
    def from_yaml(cls, text: str, export: SurveyExport | None = None) -> ColumnMap:
        """A column map from a saved mapping YAML; with an export, columns are checked against
        it and columns the YAML does not mention are 'ignored'."""
        # Imported here: the mapping module builds ColumnMaps, so it imports this one.
        from analysis.columns.mapping import _load_mapping, apply_mapping

        if export is not None:
            base = ColumnMap(
                [
                    ColumnSpec(
                        c.name,
                        "ignored",
                        question=c.question,
                        export_tag=c.export_tag,
                        reason="not in the mapping",
                    )
                    for c in export.columns
                ]
            )
            return apply_mapping(base, text)
        names = _load_mapping(text).columns()
        base = ColumnMap(
            [ColumnSpec(n, "ignored", export_tag=n, reason="not in the mapping") for n in names]
        )
        return apply_mapping(base, text)


def _construct_entry(c: Construct) -> dict[str, Any]:
    entry: dict[str, Any] = {"label": c.label}
    if c.description:
        entry["description"] = c.description
    entry["concept"] = c.concept or "none"
    entry["direction"] = c.direction
    if c.target is not None:
        entry["target"] = _plain_numbers([c.target])[0]
    return entry


def _plain_numbers(values: Iterable[float]) -> list[int | float]:
    return [int(v) if float(v).is_integer() else float(v) for v in values]

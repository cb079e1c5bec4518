"""The guided mapping flow's logic, kept free of Streamlit so it is tested directly.

A :class:`MappingDraft` is what the analyst is editing on the Load page: each column's role,
each rated question's construct, scale and direction, the custom scales and the new
constructs. It starts from the detected :class:`~analysis.columns.ColumnMap`, and it is written
out as the mapping YAML (the README format plus the agreed ``constructs:`` section), which is
the one thing the core reads: applying, saving and loading all go through that text, so they
round-trip by construction.

A scale is *refused* for a column when most of the column's answers are not on it (the
"Fear 0/100" failure: a near-miss built-in scale silently drops most answers). The analyst
then gets the unmatched labels and a custom scale built from the answers actually found.
The answer and scale helpers themselves are :mod:`ui.answer_scales` (names re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import pandas as pd
import yaml

from analysis.columns import ColumnMap, ColumnSpec, MappingError, apply_mapping
from analysis.ingest import SurveyExport
from analysis.scales import Scale, ScaleError, get_scale, normalize_answer
from analysis.survey import CONCEPTS, DIRECTIONS

# re-exported: the Load page's editor and its tests read the whole flow from this module
from ui.answer_scales import CUSTOM_PREFIX as CUSTOM_PREFIX
from ui.answer_scales import MIN_MATCHED_SHARE as MIN_MATCHED_SHARE
from ui.answer_scales import (
    ScaleFit,
    custom_scale,
    custom_scale_name,
    plain_number,
    scale_fit,
    scale_map,
)
from ui.answer_scales import answer_counts as answer_counts
from ui.answer_scales import looks_like_no_answer as looks_like_no_answer
from ui.answer_scales import scale_label as scale_label
from ui.answer_scales import suggest_order as suggest_order

SINGLE_ROLES = ("team", "role", "respondent_id")
#: Mapping YAML key of each multi-column role, in the README's order.
LIST_KEYS = {
    "demographic": "demographics",
    "comment": "comments",
    "identity": "identity",
    "timestamp": "timestamps",
    "metadata": "metadata",
    "ignored": "ignore",
}
#: A concept's natural direction (BRIEF, "Interfaces agreed").
CONCEPT_DIRECTIONS = {
    "trust_in_ai": "higher_better",
    "change_readiness": "higher_better",
    "manager_support": "higher_better",
    "communication_clarity": "higher_better",
    "fear_of_displacement": "higher_worse",
    "training_need": "higher_worse",
}

# --------------------------------------------------------------------------- the draft


@dataclass(frozen=True)
class NewConstruct:
    """A construct the analyst defines (the mapping YAML's ``constructs:`` entry)."""

    label: str
    concept: str | None = None
    direction: str = "higher_better"
    target: float | None = None

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "concept": self.concept or "none"}
        out["direction"] = self.direction
        if self.target is not None:
            out["target"] = plain_number(self.target)
        return out


@dataclass(frozen=True)
class ItemChoice:
    construct: str | None = None
    scale: str | None = None  # a built-in name, or a key of MappingDraft.scales
    reverse: bool = False


@dataclass
class MappingDraft:
    """The mapping being edited; see the module docstring."""

    columns: list[str]
    roles: dict[str, str]
    items: dict[str, ItemChoice] = field(default_factory=dict)
    scales: dict[str, dict[str, float | None]] = field(default_factory=dict)
    constructs: dict[str, NewConstruct] = field(default_factory=dict)

    # ----------------------------------------------------------------- reading

    @classmethod
    def from_colmap(
        cls, colmap: ColumnMap, constructs: Mapping[str, NewConstruct] | None = None
    ) -> MappingDraft:
        scales: dict[str, dict[str, float | None]] = {}
        items = {}
        for spec in colmap.columns:
            if spec.role != "item":
                continue
            scale = spec.scale
            if scale is not None and scale in colmap.scales:
                custom = colmap.scales[scale]
                name = custom_scale_name(custom.labels)
                scales[name] = scale_map(custom)
                scale = name
            items[spec.name] = ItemChoice(spec.construct, scale, bool(spec.reverse))
        return cls(
            columns=[s.name for s in colmap.columns],
            roles={s.name: s.role for s in colmap.columns},
            items=items,
            scales=scales,
            constructs=dict(constructs or {}),
        )

    # ----------------------------------------------------------------- queries

    def role_of(self, column: str) -> str:
        return self.roles.get(column, "ignored")

    def single(self, role: str) -> str | None:
        return next((c for c in self.columns if self.roles.get(c) == role), None)

    def with_role(self, role: str) -> list[str]:
        return [c for c in self.columns if self.roles.get(c) == role]

    @property
    def item_columns(self) -> list[str]:
        return self.with_role("item")

    def scale_of(self, column: str) -> Scale | None:
        """The Scale an item column is given (None: no scale yet, or an unusable one)."""
        choice = self.items.get(column)
        if choice is None or choice.scale is None:
            return None
        spec: Any = self.scales.get(choice.scale, choice.scale)
        try:
            return get_scale(spec)
        except ScaleError:
            return None

    # ----------------------------------------------------------------- edits

    def set_single(self, role: str, column: str | None) -> None:
        """Make ``column`` the one team/role/respondent-id column (None: no such column).

        The column that had the role becomes a demographic (team, role) or metadata, as the
        mapping loader does, so nothing silently disappears from the groupings."""
        for other in self.with_role(role):
            if other != column:
                self.roles[other] = "demographic" if role in ("team", "role") else "metadata"
        if column is not None:
            self.set_role([column], role)

    def set_role(self, columns: Iterable[str], role: str) -> None:
        for col in columns:
            self.roles[col] = role
            if role == "item":
                self.items.setdefault(col, ItemChoice())
            else:
                self.items.pop(col, None)

    def set_demographics(self, columns: Iterable[str]) -> None:
        """Exactly these columns are demographics (others that were become 'ignored')."""
        chosen = list(columns)
        for col in self.with_role("demographic"):
            if col not in chosen:
                self.roles[col] = "ignored"
        self.set_role(chosen, "demographic")

    def assign_items(
        self,
        columns: Iterable[str],
        *,
        construct: str | None = None,
        scale: str | None = None,
        reverse: bool | None = None,
        keep: bool = True,
    ) -> None:
        """Bulk edit: make ``columns`` rated questions with this construct / scale / direction.

        With ``keep``, an argument left as None keeps the column's current choice."""
        for col in columns:
            self.set_role([col], "item")
            old = self.items[col]
            self.items[col] = ItemChoice(
                construct=construct if construct is not None or not keep else old.construct,
                scale=scale if scale is not None or not keep else old.scale,
                reverse=reverse if reverse is not None else old.reverse,
            )

    def add_scale(self, labels: Sequence[str], not_answers: Iterable[str] = ()) -> str:
        """A custom scale from answer labels ordered low -> high; returns its name."""
        spec = custom_scale(labels, not_answers)
        name = custom_scale_name(labels)
        self.scales[name] = spec
        return name

    def add_construct(self, construct: NewConstruct, known: Iterable[str] = ()) -> str:
        """Add a new construct; returns its id (a slug of the label, unique)."""
        base = construct_id(construct.label)
        taken = set(known) | set(self.constructs)
        cid, n = base, 2
        while cid in taken and self.constructs.get(cid) != construct:
            cid, n = f"{base}_{n}", n + 1
        self.constructs[cid] = construct
        return cid

    # ----------------------------------------------------------------- writing

    def to_doc(self, with_constructs: bool = True) -> dict[str, Any]:
        doc: dict[str, Any] = {role: self.single(role) for role in SINGLE_ROLES}
        for role, key in LIST_KEYS.items():
            doc[key] = self.with_role(role)
        if with_constructs and self.constructs:
            doc["constructs"] = {cid: c.to_yaml() for cid, c in self.constructs.items()}
        items: dict[str, Any] = {}
        for col in self.item_columns:
            choice = self.items.get(col, ItemChoice())
            scale: Any = choice.scale
            if scale in self.scales:
                scale = dict(self.scales[scale])
            items[col] = {"construct": choice.construct, "scale": scale, "reverse": choice.reverse}
        doc["items"] = items
        return doc

    def to_yaml(self, with_constructs: bool = True) -> str:
        return yaml.safe_dump(
            self.to_doc(with_constructs), sort_keys=False, allow_unicode=True, width=100
        )

    def copy(self) -> MappingDraft:
        return replace(
            self,
            columns=list(self.columns),
            roles=dict(self.roles),
            items=dict(self.items),
            scales={k: dict(v) for k, v in self.scales.items()},
            constructs=dict(self.constructs),
        )


def draft_from_yaml(text: str, colmap: ColumnMap) -> MappingDraft:
    """A draft from a saved mapping applied over the detected column map (MappingError says
    what is wrong with the file)."""
    constructs = constructs_in_yaml(text)
    applied = apply_mapping(colmap, core_yaml(text))
    draft = MappingDraft.from_colmap(applied, constructs)
    # custom scales as written (the core folds "no answer" labels it already knows)
    doc = yaml.safe_load(text) if text else None
    items = doc.get("items") if isinstance(doc, dict) else None
    for entry in (items or {}).values():
        raw = entry.get("scale") if isinstance(entry, dict) else None
        if isinstance(raw, dict) and raw:
            scored = sorted(
                ((str(k), v) for k, v in raw.items() if v is not None), key=lambda kv: kv[1]
            )
            name = custom_scale_name(lab for lab, _ in scored)
            if name in draft.scales:
                draft.scales[name] = {str(k): v for k, v in raw.items()}
    return draft


def constructs_in_yaml(text: str) -> dict[str, NewConstruct]:
    """The ``constructs:`` section of a mapping YAML (empty when absent or unreadable; the
    core's loader reports a broken file with its location)."""
    try:
        doc = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return {}
    section = doc.get("constructs") if isinstance(doc, dict) else None
    if not isinstance(section, dict):
        return {}
    out = {}
    for cid, entry in section.items():
        entry = entry if isinstance(entry, dict) else {}
        concept = entry.get("concept")
        concept = str(concept) if concept not in (None, "none") else None
        if concept is None and str(cid) in CONCEPTS and "concept" not in entry:
            concept = str(cid)  # an id equal to a concept id is that concept
        direction = entry.get("direction") or CONCEPT_DIRECTIONS.get(concept or "", "higher_better")
        target = entry.get("target")
        out[str(cid)] = NewConstruct(
            label=str(entry.get("label") or str(cid).replace("_", " ").capitalize()),
            concept=concept,
            direction=str(direction),
            target=float(target) if isinstance(target, (int, float)) else None,
        )
    return out


@cache
def core_reads_constructs() -> bool:
    """Whether the core's mapping loader knows the ``constructs:`` section yet (the ``own``
    helper adds it); until then the section is left out of what the core reads."""
    try:
        apply_mapping(ColumnMap([ColumnSpec("x", "ignored")]), "constructs: {}\n")
    except MappingError:
        return False
    return True


def core_yaml(text: str) -> str:
    """The mapping text the core is given: as written, or without ``constructs:`` when the
    core cannot read that section yet (constructs then take their labels from their ids)."""
    if core_reads_constructs():
        return text
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return text  # the core reports where the file is broken
    if not isinstance(doc, dict) or "constructs" not in doc:
        return text
    doc.pop("constructs")
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


# --------------------------------------------------------------------------- constructs


def construct_id(label: str) -> str:
    """'Role clarity (self)' -> 'role_clarity_self': an id the YAML and the core accept."""
    slug = re.sub(r"[^0-9a-z]+", "_", normalize_answer(label)).strip("_")
    if not slug:
        slug = "construct"
    if slug[0].isdigit():
        slug = f"c_{slug}"
    return slug[:48]


def natural_direction(concept: str | None) -> str:
    return CONCEPT_DIRECTIONS.get(concept or "", "higher_better")


def check_construct(label: str, concept: str | None, direction: str) -> list[str]:
    problems = []
    if not label.strip():
        problems.append("Give the construct a label.")
    if concept is not None and concept not in CONCEPTS:
        problems.append(f"Unknown concept {concept!r}.")
    if direction not in DIRECTIONS:
        problems.append(f"Unknown direction {direction!r}.")
    return problems


# --------------------------------------------------------------------------- scales of a draft


def refused_scales(draft: MappingDraft, export: SurveyExport) -> list[ScaleFit]:
    """The item columns whose scale leaves most of their answers unmatched."""
    out = []
    for col in draft.item_columns:
        scale = draft.scale_of(col)
        if scale is None or col not in export.responses.columns:
            continue
        fit = scale_fit(col, export.responses[col], scale, draft.items[col].scale)
        if fit.refused:
            out.append(fit)
    return out


MAX_SCALE_ANSWERS = 30
_NOT_RATED = ("identity", "comment", "timestamp", "respondent_id")


def scale_candidates(draft: MappingDraft, export: SurveyExport) -> list[str]:
    """Columns whose answers can be ordered into a scale: rated questions first, then any
    other column with 2 to 30 distinct answers (never identity, comment or time columns)."""
    out = []
    for col in [*draft.item_columns, *draft.columns]:
        if col in out or draft.role_of(col) in _NOT_RATED or col not in export.responses:
            continue
        n = export.responses[col].nunique(dropna=True)
        if 2 <= n <= MAX_SCALE_ANSWERS:
            out.append(col)
    return out


def unscaled_items(draft: MappingDraft) -> list[str]:
    return [c for c in draft.item_columns if draft.items.get(c, ItemChoice()).scale is None]


# --------------------------------------------------------------------------- preview


def preview_scores(
    export: SurveyExport, colmap: ColumnMap, draft: MappingDraft, survey: Any = None
) -> pd.DataFrame:
    """The first scores the draft gives, per construct: label, questions, people scored and
    the average on 0-100 (what the heatmap's organisation row will show, before any
    grouping or privacy rule). Empty when nothing can be scored yet; MappingError/ScaleError
    say why the draft cannot be applied."""
    from analysis import scoring  # the scoring core, imported only when a preview is asked
    from analysis.pipeline.response_rows import response_rows
    from analysis.survey import default_survey

    survey = survey if survey is not None else default_survey()
    cols = ["Construct", "Questions", "People scored", "Average (0-100)"]
    applied = apply_mapping(colmap, core_yaml(draft.to_yaml()))
    if not any(s.role == "item" and s.scale for s in applied.columns):
        return pd.DataFrame(columns=cols)
    try:
        scored = scoring.prepare(response_rows(export, applied), applied, survey)
    except ValueError:
        return pd.DataFrame(columns=cols)
    meta = scored.construct_meta
    labels = {cid: c.label for cid, c in draft.constructs.items()}
    rows = []
    for cid in scored.constructs.columns:
        scores = scored.constructs[cid]
        label = labels.get(str(cid)) or str(meta.loc[cid, "label"]) if cid in meta.index else cid
        rows.append(
            {
                "Construct": str(label),
                "Questions": int(meta.loc[cid, "n_items"]) if "n_items" in meta else 0,
                "People scored": int(scores.notna().sum()),
                "Average (0-100)": round(float(scores.mean()), 1) if scores.notna().any() else None,
            }
        )
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- finding columns


def search_columns(
    draft: MappingDraft,
    questions: Mapping[str, str],
    query: str = "",
    roles: Iterable[str] = (),
) -> list[str]:
    """Columns whose name or question contains every word of ``query`` (any case), and whose
    role is one of ``roles`` (all roles when empty), in file order."""
    words = normalize_answer(query).split()
    wanted = set(roles)
    out = []
    for col in draft.columns:
        if wanted and draft.role_of(col) not in wanted:
            continue
        hay = normalize_answer(f"{col} {questions.get(col, '')}")
        if all(w in hay for w in words):
            out.append(col)
    return out


def construct_suggestions(
    draft: MappingDraft, questions: Mapping[str, str], survey: Any | None
) -> dict[str, Any]:
    """Column -> :class:`analysis.suggest.Suggestion` for the draft's rated questions that
    measure nothing yet, from their wording; {} without the sentence encoder. Shown to the
    analyst, used only when accepted (:func:`accept_suggestions`)."""
    from analysis.embeddings import SemanticEngineError, available
    from analysis.suggest import suggest_constructs

    texts = [
        (c, questions.get(c) or c)
        for c in draft.item_columns
        if not (draft.items.get(c) or ItemChoice()).construct
    ]
    if not texts or not available():
        return {}
    try:
        return suggest_constructs(texts, survey)
    except SemanticEngineError:
        return {}


def accept_suggestions(draft: MappingDraft, found: Mapping[str, Any]) -> list[str]:
    """Give each still construct-less rated question its suggested construct and direction
    (a reverse-keyed wording is reversed); returns the columns changed."""
    changed = []
    for column, suggestion in found.items():
        if draft.role_of(column) != "item" or (draft.items.get(column) or ItemChoice()).construct:
            continue
        draft.assign_items([column], construct=suggestion.construct, reverse=suggestion.reverse)
        changed.append(column)
    return changed


def grouping_suggestions(colmap: ColumnMap, export: SurveyExport, role: str) -> list[str]:
    """Columns to offer for team / role, likeliest first: the detected one, other grouping
    columns, then any column with a few repeated values (2-60 groups)."""
    first = [s.name for s in colmap.columns if s.role == role]
    grouping = [s.name for s in colmap.columns if s.role in ("team", "role", "demographic")]
    few = []
    for spec in colmap.columns:
        if spec.role in ("identity", "comment", "timestamp", "respondent_id"):
            continue
        col = export.responses.get(spec.name)
        if col is None:
            continue
        n = col.nunique(dropna=True)
        if 2 <= n <= 60 and n < max(3, len(col) // 2):
            few.append(spec.name)
    return list(dict.fromkeys([*first, *grouping, *few]))

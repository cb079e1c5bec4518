"""The two objects the pipeline hands out: :class:`Prepared` (per upload, private) and
:class:`Results` (per view, protected tables only), and their JSON form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis import hotspots as hotspots_mod
from analysis.columns import ColumnMap
from analysis.ingest import SurveyExport
from analysis.pipeline.background import Background
from analysis.pipeline.load import resolve_column
from analysis.pipeline.request import ViewCache
from analysis.privacy import PrivacyPolicy
from analysis.scoring import Scored
from analysis.survey import Survey
from analysis.themes import ThemeModel

__all__ = ["Prepared", "Results", "jsonable", "records"]


@dataclass(frozen=True)
class Prepared:
    """The expensive, per-upload part of an analysis. Private: holds per-respondent data.

    Frozen: views never change it. ``views`` is the one cache of view parts
    (:class:`~analysis.pipeline.request.ViewCache`); it belongs to this upload and is not
    copied by :func:`dataclasses.replace`.
    """

    export: SurveyExport
    colmap: ColumnMap
    survey: Survey
    scored: Scored
    comments: pd.DataFrame
    theme_model: ThemeModel | None
    drivers: pd.DataFrame
    source_name: str = ""
    warnings: list[str] = field(default_factory=list)
    #: warnings every page shows prominently (refused items, constructs from thin answers)
    alerts: list[str] = field(default_factory=list)
    #: construct id -> its warning, for charts that mark the construct itself
    construct_alerts: dict[str, str] = field(default_factory=dict)
    #: plain-language notes on what this file cannot show (e.g. no scores for comments only)
    notes: list[str] = field(default_factory=list)
    #: the comment coding still running (signal model, themes): see ``pipeline.settle``
    background: Background | None = field(default=None, repr=False, compare=False)
    #: False while a large survey's comments are still being read (``comments`` is then the
    #: declared table with no row): see :mod:`analysis.pipeline.reading`
    comments_read: bool = True
    views: ViewCache = field(default_factory=ViewCache, init=False, repr=False, compare=False)

    @property
    def pending(self) -> bool:
        """Whether themes and model-based signals are still being computed (the comments
        carry sentiment and rule-based signals only until :func:`~analysis.pipeline.settle`)."""
        return self.background is not None

    @property
    def grouping_columns(self) -> list[str]:
        return list(self.scored.groups.columns)

    def crossing_order(self, cols: Iterable[str]) -> list[str]:
        """``cols`` in the survey's fixed order (team, role, then the other grouping columns):
        a crossing's protected cells must not depend on the order a view lists its columns
        in, or two views of one crossing hide different cells and together show a hidden one."""
        used = set(cols)
        first = [c for c in (self.colmap.team, self.colmap.role) if c in self.grouping_columns]
        return [c for c in dict.fromkeys([*first, *self.grouping_columns]) if c in used]

    @property
    def has_scores(self) -> bool:
        """Whether any rated item was scored (False for a comments-only survey)."""
        return len(self.scored.construct_meta) > 0

    def resolve(self, name: str) -> str:
        """A grouping name as the user typed it ('team', 'role' or a column name) -> column."""
        return resolve_column(self.colmap, self.scored.groups.columns, name)


@dataclass
class Results:
    """Everything one view shows: protected, aggregated tables only (no per-respondent data)."""

    survey_name: str
    source: dict[str, Any]
    policy: PrivacyPolicy
    by: tuple[str, ...]
    filters: dict[str, list[str]]
    n: int
    org: pd.DataFrame
    groups: pd.DataFrame
    items: pd.DataFrame
    org_items: pd.DataFrame
    likert: pd.DataFrame
    enps: pd.DataFrame
    enps_groups: pd.DataFrame
    drivers: pd.DataFrame
    flags: list[hotspots_mod.Flag]
    segments: pd.DataFrame
    themes: pd.DataFrame
    theme_shares: pd.DataFrame
    comments: pd.DataFrame
    comment_groups: pd.DataFrame
    comment_summary: dict[str, int]
    warnings: list[str]
    #: False for a comments-only survey: every score table is then empty (declared columns)
    has_scores: bool = True
    #: plain-language notes on what this view cannot show and why; show them on every page
    notes: list[str] = field(default_factory=list)
    #: warnings every page shows prominently: refused items, constructs from thin answers
    alerts: list[str] = field(default_factory=list)
    #: construct id -> its warning (a subset of ``alerts``), to mark the construct in charts
    construct_alerts: dict[str, str] = field(default_factory=dict)
    #: item-level impact (:mod:`analysis.hotspots.items`): each construct's items' relative
    #: weights for the outcome (everyone, like ``drivers``) and each visible group's gap to
    #: the rest per item (shown where the item table shows the group)
    item_drivers: pd.DataFrame = field(default_factory=pd.DataFrame)
    item_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: True while a large survey's item drivers are still computed in the background (they
    #: come with its comments); ``item_drivers`` is then empty
    item_drivers_pending: bool = False
    #: why this view shows none of its comments (it is also one of ``notes``); "" when it may
    comments_withheld: str = ""

    @property
    def flags_table(self) -> pd.DataFrame:
        return hotspots_mod.flags_frame(self.flags)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary (no comment text) for the CLI and tests."""
        return {
            "survey": self.survey_name,
            "source": jsonable(self.source),
            "policy": {
                "min_group": self.policy.min_group,
                "min_comments": self.policy.min_comments,
            },
            "by": list(self.by),
            "filters": self.filters,
            "n": self.n,
            "org": records(self.org),
            "groups": records(self.groups),
            "enps": records(self.enps),
            "drivers": records(self.drivers),
            "item_drivers": records(self.item_drivers),
            "item_gaps": records(self.item_gaps),
            "flags": [f.to_dict() for f in self.flags],
            "segments": records(self.segments.drop(columns=["group_key"], errors="ignore")),
            "themes": records(self.themes),
            "has_scores": self.has_scores,
            "notes": list(self.notes),
            "alerts": list(self.alerts),
            "warnings": list(self.warnings),
        }


jsonable = hotspots_mod.jsonable


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-safe row dicts (no rows for None or an empty table)."""
    if df is None or not len(df):
        return []
    return [jsonable(r) for r in df.to_dict(orient="records")]

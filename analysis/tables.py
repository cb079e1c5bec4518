"""The declared tables: one definition of each table that crosses a module boundary.

Every table :class:`analysis.pipeline.Results` and :class:`analysis.waves.WaveComparison`
hand out is declared here once, as columns in order with what kind of value each holds.
The modules that build a table take its column list from here (``GROUPS.columns(by)``), so a
column is added or renamed in one place; :meth:`Table.schema` turns a declaration into a
`pandera <https://pandera.readthedocs.io>`_ schema that the tests validate every produced
table with (lazily: all failures listed at once).

Validation is for tests and module boundaries, not the hot path: pandera is imported only
when a schema is asked for (it costs about a second to import).

Kinds
-----
``text``
    a string, or missing (pandas' ``str`` or ``object`` dtype: both occur and both are fine).
``number``
    ``float64``; missing (NaN) where hidden or undefined.
``count``
    ``int64``, never missing.
``flag``
    ``bool``, never missing.
``value``
    anything (a dict of quotes, a list of evidence): not checked.

Grouped tables put the grouping columns (``by``: team, role, …; their names are the export's)
between their ``head`` and their ``tail``. A column name with ``{signal}`` in it stands for
one column per comment signal (:data:`analysis.signals.SIGNALS`), in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = [
    "ACTIONS",
    "CHANGES",
    "COMMENTS",
    "COMMENT_GROUPS",
    "DRIVERS",
    "ENPS",
    "FLAGS",
    "GROUPS",
    "ITEMS",
    "LIKERT",
    "MATCHES",
    "ORG",
    "PILOT",
    "READINESS",
    "RESULT_TABLES",
    "SEGMENTS",
    "THEMES",
    "THEME_SHARES",
    "TREND",
    "Col",
    "Table",
]

#: Column kind -> dtype (``None``: not checked; text is ``str`` or ``object``, see above).
KINDS = {"text": None, "number": "float64", "count": "int64", "flag": "bool", "value": None}


@dataclass(frozen=True)
class Col:
    """One column: its name, kind (see the module docstring) and an optional value range."""

    name: str
    kind: str
    nullable: bool = True
    low: float | None = None
    high: float | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.name!r}: unknown kind {self.kind!r}.")


def _signals() -> tuple[str, ...]:
    # Imported here: analysis.signals is heavy and only tables with signal columns need it.
    from analysis.signals import SIGNALS

    return tuple(SIGNALS)


def _expand(cols: Sequence[Col]) -> list[Col]:
    out: list[Col] = []
    for c in cols:
        if "{signal}" in c.name:
            out += [Col(c.name.format(signal=s), c.kind, c.nullable, c.low, c.high, c.required)
                    for s in _signals()]  # fmt: skip
        else:
            out.append(c)
    return out


@dataclass(frozen=True)
class Table:
    """A declared table: ``head`` columns, the grouping columns (when ``grouped``), ``tail``.

    ``hidden_blank`` lists the columns that must be missing on a row whose ``suppressed`` (or
    ``hidden``) flag is set: a hidden cell carries no number.
    """

    name: str
    head: tuple[Col, ...]
    tail: tuple[Col, ...] = ()
    grouped: bool = False
    hidden_blank: tuple[str, ...] = ()

    def cols(self, by: Sequence[str] = ()) -> list[Col]:
        """Every declared column in order, optional ones included."""
        if by and not self.grouped:
            raise ValueError(f"The {self.name} table has no grouping columns.")
        group = [Col(str(b), "text") for b in by]
        return [*_expand(self.head), *group, *_expand(self.tail)]

    def columns(self, by: Sequence[str] = ()) -> list[str]:
        """The table's column names in order (required columns only), for building it."""
        return [c.name for c in self.cols(by) if c.required]

    def empty(self, by: Sequence[str] = ()) -> pd.DataFrame:
        """The table with no rows: its declared columns, in order, with their dtypes."""
        cols = [c for c in self.cols(by) if c.required]
        return pd.DataFrame({c.name: pd.Series(dtype=KINDS[c.kind] or object) for c in cols})

    def known(self) -> frozenset[str]:
        """Every column name the table may carry apart from its grouping columns."""
        return frozenset(c.name for c in self.cols())

    def schema(self, by: Sequence[str] = ()) -> Any:
        """A pandera ``DataFrameSchema`` of the table grouped by ``by`` (columns in order,
        no others; kinds, ranges and blank hidden cells checked)."""
        import pandera.pandas as pa

        columns = {c.name: _pandera_column(pa, c) for c in self.cols(by)}
        checks = []
        if self.hidden_blank:
            flag = "hidden" if "hidden" in self.known() else "suppressed"
            blank = list(self.hidden_blank)
            checks.append(
                pa.Check(
                    lambda df: ~df[flag].astype(bool) | df[blank].isna().all(axis=1),
                    name=f"{flag} rows have no numbers",
                )
            )
        return pa.DataFrameSchema(columns, checks=checks, strict=True, ordered=True, name=self.name)


def _is_text(value: object) -> bool:
    return isinstance(value, str) or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _pandera_column(pa: Any, c: Col) -> Any:
    checks = []
    if c.low is not None:
        checks.append(pa.Check.ge(c.low, ignore_na=True))
    if c.high is not None:
        checks.append(pa.Check.le(c.high, ignore_na=True))
    if c.kind == "text":
        checks.append(pa.Check(_is_text, element_wise=True, name="text or missing"))
        return pa.Column(None, checks, nullable=c.nullable, required=c.required)
    nullable = c.nullable and c.kind in ("number", "value")
    return pa.Column(KINDS[c.kind], checks, nullable=nullable, required=c.required)


def _c(name: str, kind: str = "text", **kw: Any) -> Col:
    return Col(name, kind, **kw)


def _p(name: str) -> Col:
    """A p value (NaN where no test could be run)."""
    return Col(name, "number", low=0, high=1)


# The pieces several tables share.
_KEY = (_c("grouping", nullable=False), _c("group", nullable=False))
_N = _c("n", "number", low=0)
_PCT = {"low": 0, "high": 100}
_BOXES = tuple(_c(b, "number", **_PCT) for b in ("favorable", "neutral", "unfavorable"))
_SUPPRESSED = (_c("suppressed", "flag"), _c("suppressed_reason", nullable=False))
_SCORE = (
    _c("score", "number", **_PCT),
    _c("ci_low", "number"),  # a t interval can reach past 0 or 100
    _c("ci_high", "number"),
)
_SCORE_BOUNDED = (  # analysis.scoring.intervals: inside 0-100
    _c("score", "number", **_PCT),
    _c("ci_low", "number", **_PCT),
    _c("ci_high", "number", **_PCT),
)

#: Whole organisation per construct (:func:`analysis.scoring.org_scores`).
ORG = Table(
    "org",
    (
        _c("construct", nullable=False),
        _c("label"),
        _c("direction"),
        _c("concept"),
        _N,
        *_SCORE_BOUNDED,
        *_BOXES,
        _c("alpha", "number", high=1),
        _c("alpha_warning"),
        *_SUPPRESSED,
    ),
    hidden_blank=("n", "score", "ci_low", "ci_high", "favorable", "neutral", "unfavorable"),
)

#: Group × construct compared with the rest (:func:`analysis.scoring.group_scores`).
GROUPS = Table(
    "groups",
    _KEY,
    (
        _c("construct", nullable=False),
        _N,
        _c("group_n", "number", low=0),  # people in the group, whatever they answered
        *_SCORE_BOUNDED,
        *_BOXES,
        _c("rest_score", "number", **_PCT),
        _c("diff_vs_rest", "number", low=-100, high=100),
        _c("effect_size", "number"),
        _p("p"),
        _p("p_fav"),
        _p("p_adj"),
        _p("p_fav_adj"),
        *_SUPPRESSED,
        # read by analysis.hotspots when a caller adds them; scoring does not
        _c("label", required=False),
        _c("rest_n", "number", required=False),
    ),
    grouped=True,
    hidden_blank=(
        "n",
        "group_n",
        "score",
        "ci_low",
        "ci_high",
        "favorable",
        "neutral",
        "unfavorable",
        "rest_score",
        "diff_vs_rest",
        "effect_size",
        "p",
        "p_fav",
        "p_adj",
        "p_fav_adj",
    ),
)

#: Item (× group) results (:func:`analysis.scoring.item_scores`; no ``by`` for the org).
ITEMS = Table(
    "items",
    _KEY,
    (
        _c("item", nullable=False),
        _c("question"),
        _c("construct"),  # blank on a hidden row: privacy.protect_groups keeps only "item"
        _N,
        _c("mean", "number"),
        _c("score", "number", **_PCT),
        *_BOXES,
        *_SUPPRESSED,
    ),
    grouped=True,
    hidden_blank=("n", "mean", "score", "favorable", "neutral", "unfavorable"),
)

#: Employee Net Promoter Score (:func:`analysis.scoring.enps`).
ENPS = Table(
    "enps",
    _KEY,
    (
        _N,
        _c("promoters", "number", **_PCT),
        _c("passives", "number", **_PCT),
        _c("detractors", "number", **_PCT),
        _c("enps", "number", low=-100, high=100),
        *_SUPPRESSED,
    ),
    grouped=True,
    hidden_blank=("n", "promoters", "passives", "detractors", "enps"),
)

#: Answer distribution per item for the Likert chart (``analysis.pipeline``, org only).
LIKERT = Table(
    "likert",
    (
        _c("item", nullable=False),
        _c("question"),
        _c("construct"),
        _c("label"),
        _c("order", "count", low=0),
        _c("count", "count", low=0),
        _c("share", "number", low=0, high=1),
        _c("n", "count", low=0),
        _c("is_missing", "flag"),
    ),
)

#: Key drivers per outcome (:func:`analysis.drivers.key_drivers`).
DRIVERS = Table(
    "drivers",
    (
        _c("outcome", nullable=False),
        _c("driver", nullable=False),
        _c("raw_weight", "number"),
        _c("share", "number"),
        _c("ci_low", "number"),
        _c("ci_high", "number"),
        _c("n", "count", low=0),
        _c("r2", "number"),
        _c("note"),
    ),
)

#: Groups on the trust × fear map (:func:`analysis.hotspots.segments`).
SEGMENTS = Table(
    "segments",
    (
        *_KEY,
        _c("trust", "number", **_PCT),
        _c("trust_low", "number", **_PCT),
        _c("trust_high", "number", **_PCT),
        _c("fear", "number", **_PCT),
        _c("fear_low", "number", **_PCT),
        _c("fear_high", "number", **_PCT),
        _c("n", "count", low=0),
        # a corner name, "uncertain" (interval crosses a cut-off) or "too few to label"
        _c("quadrant", nullable=False),
        _c("description"),
        _c("group_key", "value"),
    ),
)

#: One row per flag, ranked (:func:`analysis.hotspots.flags_frame`).
FLAGS = Table(
    "flags",
    (
        _c("rank", "count", low=1),
        *_KEY,
        _c("type", nullable=False),
        _c("n", "count", low=0),
        _c("priority", "number", low=0),
        _c("constructs"),
        _c("segment"),
        _c("reason"),
        _c("actions"),
        _c("quotes"),
        _c("priority_formula"),
        _c("action"),  # training | change_management | monitor | too_small_to_tell
        _c("confidence"),  # high | medium | low
        _c("scope"),  # group | organisation
        _c("response_rate", "number", low=0, high=100),
    ),
)

#: Comment themes (:func:`analysis.themes.theme_table`).
THEMES = Table(
    "themes",
    (
        _c("theme", "count"),
        _c("label"),
        _c("kind", required=False),  # "guided" (a codebook concern) or "discovered"
        _c("size", "count", low=0),
        _c("share", "number", low=0, high=1),
        _c("mean_sentiment", "number", low=-1, high=1),
        _c("share_{signal}", "number", low=0, high=1),
    ),
)

#: Theme shares per group (:func:`analysis.themes.theme_group_shares`, hidden groups blank).
THEME_SHARES = Table(
    "theme_shares",
    (
        *_KEY,
        _c("n_comments", "number", low=0),
        _c("theme", "count"),
        _c("count", "number", low=0),
        _c("share", "number", low=0, high=1),
        _c("hidden", "flag"),
        _c("label"),
    ),
    hidden_blank=("n_comments", "count", "share"),
)

#: Redacted comments of groups that may show them (``analysis.pipeline``).
COMMENTS = Table(
    "comments",
    (),
    (
        _c("column"),
        _c("question"),
        _c("text"),
        _c("label"),
        _c("compound", "number", low=-1, high=1),
        _c("{signal}", "flag"),
        _c("theme", "count"),
        _c("theme_label"),
    ),
    grouped=True,
)

#: Comment counts, sentiment and signal shares per group (``analysis.pipeline``).
COMMENT_GROUPS = Table(
    "comment_groups",
    (
        _c("group", nullable=False),
        _c("n_comments", "number", low=0),
        _c("visible", "flag"),
        _c("share_negative", "number", low=0, high=1),
        _c("share_neutral", "number", low=0, high=1),
        _c("share_positive", "number", low=0, high=1),
        _c("share_{signal}", "number", low=0, high=1),
    ),
)

#: Wave × group × construct scores (:func:`analysis.waves.compare_waves`).
TREND = Table(
    "trend",
    (
        _c("wave", nullable=False),
        _c("wave_order", "count", low=0),
        _c("date"),
        *_KEY,
    ),
    (
        _c("construct", nullable=False),
        _c("label"),
        _c("direction"),
        _N,
        *_SCORE,
        *_BOXES,
        *_SUPPRESSED,
    ),
    grouped=True,
    hidden_blank=("n", "score", "ci_low", "ci_high", "favorable", "neutral", "unfavorable"),
)

#: Which item of wave B answers each item of wave A (:func:`analysis.waves.match_items`).
MATCHES = Table(
    "matches",
    (
        _c("item_a"),
        _c("item_b"),
        _c("matched_by", nullable=False),
        _c("confidence", "number", nullable=False, low=0, high=1),
        _c("construct_a"),
        _c("construct_b"),
        _c("question_a"),
        _c("question_b"),
    ),
)

#: Changes between consecutive waves per group × construct (:func:`analysis.waves.compare_waves`).
CHANGES = Table(
    "changes",
    _KEY,
    (
        _c("construct", nullable=False),
        _c("label"),
        _c("direction"),
        _c("from_wave", nullable=False),
        _c("to_wave", nullable=False),
        _c("n_from", "number", low=0),
        _c("n_to", "number", low=0),
        _c("score_from", "number", **_PCT),
        _c("score_to", "number", **_PCT),
        _c("change", "number", low=-100, high=100),
        _c("favorable_from", "number", **_PCT),
        _c("favorable_to", "number", **_PCT),
        _c("change_favorable", "number", low=-100, high=100),
        _c("test"),
        _c("n_paired", "number", low=0),
        _p("p"),
        _p("p_adj"),
        _p("p_favorable"),
        _p("p_favorable_adj"),
        _c("effect_size", "number"),
        _c("significant", "flag"),
        _c("worsened", "flag"),
        _c("improved", "flag"),
        # the group's change minus the rest of the organisation's (analysis.waves.did)
        _c("org_change", "number", low=-100, high=100),
        _c("did", "number", low=-200, high=200),
        _c("did_ci_low", "number"),
        _c("did_ci_high", "number"),
        _p("p_did"),
        _p("p_did_adj"),
        *_SUPPRESSED,
        _c("note"),
    ),
    grouped=True,
    # the Holm-adjusted p values are computed from these, so they are blank too
    hidden_blank=(
        "n_from",
        "n_to",
        "score_from",
        "score_to",
        "change",
        "favorable_from",
        "favorable_to",
        "change_favorable",
        "n_paired",
        "p",
        "p_favorable",
        "effect_size",
        "org_change",
        "did",
        "did_ci_low",
        "did_ci_high",
        "p_did",
    ),
)

#: Pilot minus comparison per construct (:func:`analysis.pilot.compare_pilot`): within one wave,
#: or the difference in differences of two (``design`` "did"), with the pre-pilot gap.
PILOT = Table(
    "pilot",
    (
        _c("construct", nullable=False),
        _c("label"),
        _c("direction"),
        _c("design", nullable=False),
        _c("method", nullable=False),
        _c("n_pilot", "number", low=0),
        _c("n_comparison", "number", low=0),
        _c("pilot_score", "number", **_PCT),
        _c("comparison_score", "number", **_PCT),
        _c("pilot_change", "number", low=-100, high=100),
        _c("comparison_change", "number", low=-100, high=100),
        _c("estimate", "number", low=-100, high=100),
        _c("ci_low", "number"),
        _c("ci_high", "number"),
        _p("p"),
        _p("p_adj"),
        _c("pre_gap", "number", low=-100, high=100),
        _c("pre_gap_low", "number"),
        _c("pre_gap_high", "number"),
        _c("placebo", "number", low=-100, high=100),
        _c("placebo_low", "number"),
        _c("placebo_high", "number"),
        _c("verdict", nullable=False),
        *_SUPPRESSED,
    ),
    hidden_blank=(
        "n_pilot",
        "n_comparison",
        "pilot_score",
        "comparison_score",
        "pilot_change",
        "comparison_change",
        "estimate",
        "ci_low",
        "ci_high",
        "p",
        "pre_gap",
        "pre_gap_low",
        "pre_gap_high",
        "placebo",
        "placebo_low",
        "placebo_high",
    ),
)

#: Rollout readiness per group (:func:`analysis.pilot.readiness`): a status and why.
READINESS = Table(
    "readiness",
    (
        _c("group", nullable=False),
        _c("n", "number", low=0),
        _c("status", nullable=False),
        _c("diagnosis"),
        _c("reason", nullable=False),
        _c("low"),
        _c("unclear"),
        _c("manager_gap", "number", low=-100, high=100),
        _c("manager_gap_low", "number"),
        _c("manager_gap_high", "number"),
        _c("manager_flag", "flag"),
        *_SUPPRESSED,
    ),
    hidden_blank=("n", "manager_gap", "manager_gap_low", "manager_gap_high"),
)

#: Each action measured against the next wave (:func:`analysis.actions.measure_actions`).
ACTIONS = Table(
    "actions",
    (
        _c("id", nullable=False),
        _c("group", nullable=False),
        _c("construct", nullable=False),
        _c("item"),
        _c("action", nullable=False),
        _c("owner"),
        _c("due"),
        _c("target", "number", **_PCT),
        _c("from_wave"),
        _c("to_wave"),
        _c("score_to", "number", **_PCT),
        _c("change", "number", low=-100, high=100),
        _c("org_change", "number", low=-100, high=100),
        _c("did", "number", low=-200, high=200),
        _c("did_ci_low", "number"),
        _c("did_ci_high", "number"),
        _p("p_did_adj"),
        _c("reached", "value"),
        _c("result", nullable=False),
        *_SUPPRESSED,
    ),
    hidden_blank=(
        "score_to",
        "change",
        "org_change",
        "did",
        "did_ci_low",
        "did_ci_high",
        "p_did_adj",
    ),
)

#: Which declared table each :class:`analysis.pipeline.Results` table follows, and whether it
#: carries the view's grouping columns (``Results.by``) between its head and tail. A view with
#: no scores (a comments-only survey) or no grouping hands these out empty, declared columns
#: and all (``Table.empty``).
RESULT_TABLES: dict[str, tuple[Table, bool]] = {
    "org": (ORG, False),
    "groups": (GROUPS, True),
    "items": (ITEMS, True),
    "org_items": (ITEMS, False),
    "likert": (LIKERT, False),
    "enps": (ENPS, False),
    "enps_groups": (ENPS, True),
    "drivers": (DRIVERS, False),
    "segments": (SEGMENTS, False),
    "themes": (THEMES, False),
    "theme_shares": (THEME_SHARES, False),
    "comments": (COMMENTS, True),
    "comment_groups": (COMMENT_GROUPS, False),
    "flags_table": (FLAGS, False),
}

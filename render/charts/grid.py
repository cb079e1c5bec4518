"""Group × construct grids coloured by the gap that matters: the heatmap (vs the rest of
the organisation) and the change heatmap (vs the previous wave).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from analysis.stats import se_from_ci
from analysis.thresholds import THRESHOLDS
from render import formats
from render.charts import base as shared
from render.formats import ALPHA, BETTER, HIDDEN, MIDPOINT, WORSE, plural

SELECTION_NAME = "pick"
"""Name of the point selection on the heatmap; ``st.altair_chart(..., on_select="rerun")``
returns the clicked group under ``event.selection[SELECTION_NAME]``."""


TOO_SMALL = "too small to tell"
"""Legend entry (and tooltip status) of a cell whose interval cannot rule a gap in or out."""


def _num(value: object) -> float:
    return math.nan if formats.missing(value) else float(value)  # type: ignore[arg-type]


def too_small_to_tell(
    n: object,
    ci_low: object,
    ci_high: object,
    score: object,
    rest_score: object,
    *,
    direction: str = "higher_better",
    rest_n: object = None,
    min_diff: float = THRESHOLDS.min_points,
    min_n: int = THRESHOLDS.min_flag_n,
) -> bool:
    """Whether a cell's evidence is too thin to call its gap to the rest either way.

    The hot-spot screening's rule (:mod:`analysis.hotspots.screening`), without its FDR step:
    with the gap in the harmful direction (+ = worse than the rest), se from the group's 95%
    t interval (``se = (ci_high − ci_low) / (2 t)``, :func:`analysis.stats.se_from_ci`; widened
    by the rest's share when ``rest_n`` is known) and the interval ``gap ± 1.96 se``, a cell is
    decided when the interval rules out a gap of ``min_diff`` points (``high < min_diff``) or
    shows a clear gap that matters (``low > 0`` and ``gap ≥ min_diff``). It is too small to
    tell otherwise, under ``min_n`` people, or when a number is missing.
    """
    values = [_num(v) for v in (n, ci_low, ci_high, score, rest_score)]
    size, low, high, own, rest = values
    if any(math.isnan(v) for v in values) or size < min_n:
        return True
    se = float(se_from_ci(low, high, size))
    other = _num(rest_n)
    if not math.isnan(other) and other > 0:
        se = math.hypot(se, se * math.sqrt(size / other))
    if math.isnan(se):
        return True
    gap = own - rest if direction == shared.HIGHER_WORSE else rest - own
    decided = gap + 1.96 * se < min_diff or (gap - 1.96 * se > 0 and gap >= min_diff)
    return not decided


def _too_small_column(table: pd.DataFrame, directions: pd.Series) -> pd.Series:
    """:func:`too_small_to_tell` per row; a table without intervals is judged on n alone."""
    n = shared.num_column(table, "n")
    if not {"ci_low", "ci_high", "rest_score"} <= set(table.columns):
        return (n < THRESHOLDS.min_flag_n).fillna(True)
    rest_n = shared.num_column(table, "rest_n") if "rest_n" in table.columns else None
    flags = [
        too_small_to_tell(
            n.iloc[i],
            table["ci_low"].iloc[i],
            table["ci_high"].iloc[i],
            table["score"].iloc[i],
            table["rest_score"].iloc[i],
            direction=directions.iloc[i],
            rest_n=None if rest_n is None else rest_n.iloc[i],
        )
        for i in range(len(table))
    ]
    return pd.Series(flags, index=table.index, dtype=bool)


def _grid_frame(
    table: pd.DataFrame,
    *,
    value: str,
    text_of_value: bool,
    directions: Mapping[str, str] | None,
    alpha: float,
) -> pd.DataFrame:
    """Cells for a group × construct grid coloured by a favourability-oriented difference.

    ``value`` is the signed difference in score points (vs rest, or vs last wave). For
    higher_worse constructs a rise is bad, so the colour field flips its sign: orange always
    means worse. Hidden cells keep their labels and reason but lose every number.
    """
    table = table.reset_index(drop=True)
    df = pd.DataFrame(
        {
            "group": shared.str_column(table, "group"),
            "construct": shared.str_column(table, "construct"),
            "construct_label": shared.construct_labels(table),
            "direction": shared.directions_of(table, directions),
            "n": shared.num_column(table, "n"),
            "score": shared.num_column(table, "score"),
            "difference": shared.num_column(table, value),
            "p_adj": shared.num_column(table, "p_adj"),
            "ci_low": shared.num_column(table, "ci_low"),
            "ci_high": shared.num_column(table, "ci_high"),
        }
    )
    reason = shared.str_column(table, "suppressed_reason")
    no_number = df["difference"].isna() if text_of_value else df["score"].isna()
    hidden = shared.bool_column(table, "suppressed") | no_number
    df["hidden"] = hidden
    df["status"] = np.where(
        shared.bool_column(table, "suppressed"),
        ("hidden: " + reason).where(reason.str.strip() != "", "hidden to protect confidentiality"),
        np.where(hidden, "no score", "shown"),
    )
    df["reason"] = reason.where(shared.bool_column(table, "suppressed"), "")
    sign = np.where(df["direction"] == shared.HIGHER_WORSE, -1.0, 1.0)
    df["gap"] = df["difference"] * sign
    number_columns = ["n", "score", "difference", "p_adj", "gap", "ci_low", "ci_high"]
    df.loc[hidden, number_columns] = np.nan
    df["significant"] = (~hidden) & (df["p_adj"] < alpha)
    # only the group table (score vs rest) has the intervals the precision cue needs
    df["too_small"] = (~hidden) & (
        _too_small_column(table, df["direction"]) if not text_of_value else False
    )
    df["precision"] = np.where(df["too_small"], TOO_SMALL, "")
    df["status"] = np.where(df["too_small"], f"shown, {TOO_SMALL}", df["status"])
    # tooltip text, written by the one formatter; hidden cells get none
    df["score_text"] = [
        "" if h else formats.score_interval(s, lo, hi, k)
        for h, s, lo, hi, k in zip(
            hidden, df["score"], df["ci_low"], df["ci_high"], df["n"], strict=True
        )
    ]
    df["difference_text"] = [
        "" if h else formats.points(v) for h, v in zip(hidden, df["difference"], strict=True)
    ]
    df["gap_text"] = [
        "" if h else formats.points(v) for h, v in zip(hidden, df["gap"], strict=True)
    ]
    df["clear_text"] = [
        "" if h else formats.yes_no(None if pd.isna(p) else p < alpha)
        for h, p in zip(hidden, df["p_adj"], strict=True)
    ]
    marker = np.where(df["significant"], "*", "")
    if text_of_value:
        shown = df["difference"].map(lambda v: "" if pd.isna(v) else f"{v:+.0f}")
    else:
        shown = df["score"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    df["cell_text"] = np.where(
        shared.bool_column(table, "suppressed"), "hidden", np.where(hidden, "–", shown + marker)
    )
    return df


def _grid_tooltip(
    with_score: bool, value_title: str, gap_title: str, clear_title: str
) -> list[alt.Tooltip]:
    """Plain words only: the score with its 95% interval, the gap in points, and whether the
    difference is clear (Holm-adjusted p below alpha) as yes/no rather than a p value."""
    tooltip = [
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("construct_label:N", title="Construct"),
    ]
    if with_score:
        tooltip.append(alt.Tooltip("score_text:N", title="Score (0–100)"))
    tooltip += [
        alt.Tooltip("n:Q", title="n (people)", format=".0f"),
        alt.Tooltip("difference_text:N", title=value_title),
        alt.Tooltip("gap_text:N", title=gap_title),
        alt.Tooltip("clear_text:N", title=clear_title),
        alt.Tooltip("status:N", title="Status"),
    ]
    return tooltip


def _gap_colour(extent: float, gap_title: str) -> alt.Color:
    """Diverging PuOr scale centred on 0: orange = worse, purple = better."""
    return alt.Color(
        "gap:Q",
        title=[gap_title, "orange = worse, purple = better"],
        scale=alt.Scale(
            domain=[-extent, 0, extent],
            range=[WORSE, MIDPOINT, BETTER],
            interpolate="lab",
        ),
        # below the grid: a short grid (few groups) would clip a vertical gradient
        legend=alt.Legend(
            orient="bottom", direction="horizontal", gradientLength=220, titleLimit=400
        ),
    )


GRID_WIDTH = 760  # px the construct columns share before they get narrower
MIN_STEP, MAX_STEP = 40, 90


def subtitle_lines(lines: list[str], n_columns: int) -> list[str]:
    """Subtitle sentences wrapped to about the grid's width (group labels plus its columns, at
    ~6 px a character), so no line runs past the chart at a 1,400-px window (issue 23)."""
    px = 220 + max(n_columns, 1) * column_step(n_columns)
    chars = int(min(120, max(60, px / 6)))
    return [part for line in lines for part in textwrap.wrap(line, chars)]


def column_step(n_columns: int) -> int:
    """Width of one construct column: 90 px while the grid fits the page, narrower (down to
    40 px, still room for "100*") when many constructs would run it off the page."""
    if n_columns <= 0:
        return MAX_STEP
    return int(max(MIN_STEP, min(MAX_STEP, GRID_WIDTH // n_columns)))


def _grid_chart(
    df: pd.DataFrame,
    *,
    title: str | alt.Title,
    description: str,
    value_title: str,
    gap_title: str,
    clear_title: str,
    with_score: bool,
    select: bool,
) -> alt.LayerChart:
    extent = shared.symmetric_extent(df["gap"])
    # a too-small cell is washed paler, so its text stays dark
    df = df.assign(light_text=(df["gap"].abs() > 0.6 * extent) & ~df["too_small"])
    groups = shared.first_seen(df["group"])
    constructs = shared.first_seen(df["construct_label"])
    base = alt.Chart(df).encode(
        x=alt.X(
            "construct_label:N",
            sort=constructs,
            title="Construct",
            axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=180, labelOverlap=False),
        ),
        y=alt.Y("group:N", sort=groups, title="Group", axis=alt.Axis(labelLimit=220)),
    )
    tooltip = _grid_tooltip(with_score, value_title, gap_title, clear_title)
    colour = _gap_colour(extent, gap_title)
    rect = (
        base.mark_rect(stroke="#222222")
        .encode(
            color=colour,
            strokeWidth=alt.condition("datum.significant", alt.value(2.5), alt.value(0)),
            tooltip=tooltip,
        )
        .transform_filter("!datum.hidden")
    )
    if select:
        pick = alt.selection_point(fields=["group"], name=SELECTION_NAME, on="click")
        rect = rect.add_params(pick).encode(
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35))
        )
    # a hidden cell's tooltip says why, with no empty number fields
    short = [*tooltip[:2], alt.Tooltip("status:N", title="Status")]
    grey = base.mark_rect(color=HIDDEN).encode(tooltip=short).transform_filter("datum.hidden")
    grey_text = (
        base.mark_text(fontSize=shared.FONT_SIZE_CELL, color="#222222")
        .encode(text=alt.Text("cell_text:N"), tooltip=short)
        .transform_filter("datum.hidden")
    )
    text = (
        base.mark_text(fontSize=shared.FONT_SIZE_CELL)
        .encode(
            text=alt.Text("cell_text:N"),
            color=alt.condition("datum.light_text", alt.value("white"), alt.value("#222222")),
            tooltip=tooltip,
        )
        .transform_filter("!datum.hidden")
    )
    layers = [rect, grey, text, grey_text]
    if df["too_small"].any():
        layers.insert(1, _too_small_layer(base, tooltip))
    return (
        alt.layer(*layers, title=title, description=description)
        .properties(width=alt.Step(column_step(len(constructs))), height=alt.Step(26))
        .configure_view(strokeWidth=0)
    )


TOO_SMALL_DASH = [4, 3]


def _too_small_layer(base: alt.Chart, tooltip: list[alt.Tooltip]) -> alt.Chart:
    """Pale wash with a dashed border over cells too small to tell, with its legend entry.

    Vega-Lite has no hatch fill and ignores a strokeDash *encoding* on rect marks, so the cue
    is a half-white overlay (lighter colour) with a dashed outline as a mark property, and the
    legend entry comes from a one-value stroke scale drawn with the same dash.
    """
    return (
        base.mark_rect(fill="white", fillOpacity=0.5, strokeDash=TOO_SMALL_DASH, strokeWidth=2)
        .encode(
            stroke=alt.Stroke(
                "precision:N",
                scale=alt.Scale(domain=[TOO_SMALL], range=["#222222"]),
                legend=alt.Legend(
                    title=None,
                    orient="bottom",
                    symbolType="square",
                    symbolDash=TOO_SMALL_DASH,
                    symbolFillColor="white",
                    symbolStrokeWidth=2,
                    symbolSize=200,
                ),
            ),
            tooltip=tooltip,
        )
        .transform_filter("datum.too_small")
    )


def _grid_alt_text(
    df: pd.DataFrame,
    *,
    what: str,
    value_words: str,
    with_score: bool,
    alpha: float,
    clear_words: str = "clear difference",
) -> str:
    n_groups = df["group"].nunique()
    n_constructs = df["construct"].nunique()
    head = f"{what} of {plural(n_groups, 'group')} × {plural(n_constructs, 'construct')}."
    visible = df[~df["hidden"]]
    sentences = [head]
    if visible.empty:
        return f"{head} Every cell is hidden{shared.reason_note(df['reason'])}."
    gaps = visible["gap"].dropna()  # all missing when one group is in view (no rest)
    worst = visible.loc[gaps.idxmin()] if len(gaps) else None
    if worst is None:
        sentences.append("No group can be compared with the rest: nobody else is in view.")
    elif worst["gap"] < 0:
        score = f"score {worst['score']:.0f}, " if with_score else ""
        sentences.append(
            f"Largest unfavourable gap: {worst['group']}, {worst['construct_label']}, "
            f"{score}{worst['difference']:+.0f} points {value_words} "
            f"({clear_words}: {formats.yes_no(bool(worst['significant']))})."
        )
    else:
        sentences.append(f"No group is worse than {value_words.split()[-1]} on any construct.")
    worse_sig = int((visible["significant"] & (visible["gap"] < 0)).sum())
    better_sig = int((visible["significant"] & (visible["gap"] > 0)).sum())
    sig = (
        f"{plural(worse_sig, 'cell')} significantly worse and {better_sig} significantly better "
        f"(Holm-adjusted p<{alpha:g})."
    )
    by_group = df.groupby("group", sort=False)["hidden"].all()
    fully_hidden = by_group[by_group].index
    hidden_cells = int(df["hidden"].sum())
    if len(fully_hidden):
        reasons = df.loc[df["group"].isin(fully_hidden), "reason"]
        sig += f" {plural(len(fully_hidden), 'group')} hidden{shared.reason_note(reasons)}."
    elif hidden_cells:
        sig += f" {plural(hidden_cells, 'cell')} hidden{shared.reason_note(df['reason'])}."
    sentences.append(sig)
    too_small = int(visible["too_small"].sum())
    if too_small:
        sentences.append(f"{plural(too_small, 'cell')} {TOO_SMALL} (dashed, paler).")
    return " ".join(sentences)


HEATMAP_CLEAR = "Clear difference from the rest"
CHANGE_CLEAR = "Clear change"


@dataclass(frozen=True)
class _Grid:
    """What tells the two grids apart: their words, legend titles, whether a cell shows the
    group's own score and whether a row can be clicked (the layout itself is shared)."""

    what: str
    value_words: str
    with_score: bool
    clear: str
    value_title: str
    gap_title: str
    select: bool

    def alt_text(self, df: pd.DataFrame, alpha: float) -> str:
        return _grid_alt_text(
            df,
            what=self.what,
            value_words=self.value_words,
            with_score=self.with_score,
            alpha=alpha,
            clear_words=self.clear.lower(),
        )

    def chart(
        self, df: pd.DataFrame, title: alt.Title, alpha: float, alt_text: str | None = None
    ) -> alt.LayerChart:
        return _grid_chart(
            df,
            title=title,
            description=self.alt_text(df, alpha) if alt_text is None else alt_text,
            value_title=self.value_title,
            gap_title=self.gap_title,
            clear_title=self.clear,
            with_score=self.with_score,
            select=self.select,
        )


_HEATMAP = _Grid(
    what="Heatmap",
    value_words="vs rest",
    with_score=True,
    clear=HEATMAP_CLEAR,
    value_title="Difference vs rest (points)",
    gap_title="Favourability gap (points)",
    select=True,
)
_CHANGE = _Grid(
    what="Change heatmap",
    value_words="since last wave",
    with_score=False,
    clear=CHANGE_CLEAR,
    value_title="Change (points)",
    gap_title="Change, favourability-oriented",
    select=False,
)
NO_GROUP_SCORES = "No group scores to show."
HEATMAP_COLUMNS = ("group", "construct", "n", "score", "diff_vs_rest", "p_adj", "suppressed")


def _heatmap_frame(
    group_table: pd.DataFrame, directions: Mapping[str, str] | None, alpha: float
) -> pd.DataFrame:
    shared.require(group_table, HEATMAP_COLUMNS, "heatmap")
    return _grid_frame(
        group_table,
        value="diff_vs_rest",
        text_of_value=False,
        directions=directions,
        alpha=alpha,
    )


def _grouping_name(table: pd.DataFrame) -> str:
    if "grouping" in table.columns and table["grouping"].notna().any():
        names = shared.first_seen(table["grouping"].dropna().astype(str))
        if len(names) == 1:
            return names[0]
    return "group"


def heatmap(
    group_table: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = ALPHA,
    title: str | None = None,
) -> shared.AnyChart:
    """Groups × constructs, coloured by the gap to the rest of the organisation.

    Colour answers "is this group worse off than everyone else?" whatever the construct's
    direction: for ``higher_worse`` constructs (fear of displacement) the difference is flipped
    before colouring. The cell text is the group's own score; ``*`` and a dark border mark a
    Holm-adjusted p below ``alpha``. ``directions`` maps construct id -> direction when the table
    has no ``direction`` column. Clicking a row selects its group (selection ``"pick"``).
    """
    return heatmap_and_alt_text(group_table, directions=directions, alpha=alpha, title=title)[0]


def heatmap_and_alt_text(
    group_table: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = ALPHA,
    title: str | None = None,
) -> tuple[shared.AnyChart, str]:
    """:func:`heatmap` and :func:`heatmap_alt_text` from one cell frame (the chart's
    description is the text): building the frame is most of the Teams page's own work."""
    heading = title or f"Scores by {_grouping_name(group_table)}"
    if shared.is_empty(group_table):
        return shared.message_chart(heading, NO_GROUP_SCORES), NO_GROUP_SCORES
    df = _heatmap_frame(group_table, directions, alpha)
    text = _HEATMAP.alt_text(df, alpha)
    chart = _HEATMAP.chart(
        df,
        alt.Title(
            heading,
            subtitle=subtitle_lines(
                [
                    "Cell: score 0–100. Colour: difference from the rest of the organisation, "
                    "orange = worse.",
                    f"* and dark border: clearly different from the rest even after allowing for "
                    f"every cell on the map (Holm-adjusted p<{alpha:g}). Dashed, paler: "
                    f"{TOO_SMALL}. Grey: hidden to protect confidentiality.",
                    "Hot spots use their own screen: worse than the rest only (one-sided); within "
                    "each grouping and measure about 1 flag in "
                    f"{round(1 / THRESHOLDS.hotspot_fdr)} may be chance (Benjamini–Hochberg, "
                    f"q<{THRESHOLDS.hotspot_fdr:g}); a gap of at least {THRESHOLDS.min_points:g} "
                    f"points and {THRESHOLDS.min_effect:g} standard "
                    f"deviations, in a group of {THRESHOLDS.min_flag_n} or more.",
                ],
                df["construct_label"].nunique(),
            ),
        ),
        alpha,
        text,
    )
    return chart, text


def heatmap_alt_text(
    group_table: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = ALPHA,
) -> str:
    """One to three sentences: size of the grid, the worst gap, significance, what is hidden."""
    if shared.is_empty(group_table):
        return NO_GROUP_SCORES
    return _HEATMAP.alt_text(_heatmap_frame(group_table, directions, alpha), alpha)


CHANGE_COLUMNS = ("group", "construct", "change", "p_adj", "suppressed")


def _change_frame(
    change: pd.DataFrame, directions: Mapping[str, str] | None, alpha: float
) -> pd.DataFrame:
    shared.require(change, CHANGE_COLUMNS, "change heatmap")
    return _grid_frame(
        change, value="change", text_of_value=True, directions=directions, alpha=alpha
    )


def change_heatmap(
    change: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = ALPHA,
    title: str | None = None,
) -> shared.AnyChart:
    """Change since the previous wave per group × construct, orange = got worse."""
    heading = title or "Change since the previous wave"
    if shared.is_empty(change):
        return shared.message_chart(heading, "No change between waves to show.")
    df = _change_frame(change, directions, alpha)
    return _CHANGE.chart(
        df,
        alt.Title(
            heading,
            subtitle=subtitle_lines(
                [
                    "Cell: change in score points. Orange = got worse, purple = improved.",
                    f"* and dark border: significant (Holm-adjusted p<{alpha:g}). "
                    "Grey: hidden to protect confidentiality.",
                ],
                df["construct_label"].nunique(),
            ),
        ),
        alpha,
    )


def change_heatmap_alt_text(
    change: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = ALPHA,
) -> str:
    """The biggest deterioration, how many changes are significant, what is hidden."""
    if shared.is_empty(change):
        return "No change between waves to show."
    return _CHANGE.alt_text(_change_frame(change, directions, alpha), alpha)

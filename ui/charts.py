"""Pure chart builders: tidy analysis tables -> Altair charts, plus a text alternative for each.

No Streamlit here: the app and the exported HTML reports draw the same charts.

Conventions every builder follows, so a reader learns them once:

* orange means worse, purple means better (ColorBrewer PuOr, safe for the common colour-vision
  deficiencies); categories use Tableau 10;
* grey cells are hidden to protect confidentiality and carry no numbers in the chart data;
* every tooltip names the number of people (or comments) behind the mark;
* ``<name>_alt_text(data)`` summarises the chart in one to three sentences with the key figures,
  and the same sentence is set as the chart's Vega-Lite ``description`` (screen readers);
* empty or fully hidden input gives a chart that says so instead of an error.

No builder accepts comment text: charts show counts, shares, scores and theme labels only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import altair as alt
import numpy as np
import pandas as pd

AnyChart = alt.Chart | alt.LayerChart | alt.HConcatChart | alt.FacetChart

# ColorBrewer PuOr (5 classes): orange = unfavourable, purple = favourable.
WORSE = "#e66101"
WORSE_LIGHT = "#fdb863"
MIDPOINT = "#f7f7f7"
BETTER_LIGHT = "#b2abd2"
BETTER = "#5e3c99"
NEUTRAL_ANSWER = "#d9d9d9"  # a neutral answer must stay visible on a white page
HIDDEN = "#bdbdbd"
NOT_APPLICABLE = "#969696"
CATEGORY_SCHEME = "tableau10"
SEQUENTIAL_SCHEME = "purples"

SELECTION_NAME = "pick"
"""Name of the point selection on the heatmap; ``st.altair_chart(..., on_select="rerun")``
returns the clicked group under ``event.selection[SELECTION_NAME]``."""

HIGHER_WORSE = "higher_worse"
FONT_SIZE_CELL = 11


# --------------------------------------------------------------------------- shared pieces


def _require(df: pd.DataFrame, columns: Iterable[str], chart: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"The {chart} chart needs the columns {', '.join(missing)}; "
            f"the table given has {', '.join(map(str, df.columns)) or 'no columns'}."
        )


def _is_empty(df: pd.DataFrame | None) -> bool:
    return df is None or len(df) == 0


def _message_chart(title: str, message: str) -> alt.Chart:
    """A chart that says why there is nothing to draw, so a page never shows a blank frame."""
    return (
        alt.Chart(pd.DataFrame({"message": [message]}), title=title, description=message)
        .mark_text(size=14, color="#444444")
        .encode(text=alt.Text("message:N"))
        .properties(width=420, height=60)
    )


def _flag(df: pd.DataFrame, column: str) -> pd.Series:
    """A clean bool column: absent or missing counts as False."""
    if column not in df.columns:
        return pd.Series(False, index=df.index)
    return df[column].astype("boolean").fillna(False).astype(bool)


def _text(df: pd.DataFrame, column: str, default: str = "") -> pd.Series:
    if column not in df.columns:
        return pd.Series(default, index=df.index, dtype=object)
    return df[column].astype(object).where(df[column].notna(), default).map(str)


def _num(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[column], errors="coerce").astype(float)


def _first_seen(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.tolist()))


def _p_text(p: float) -> str:
    if pd.isna(p):
        return "p not available"
    if p < 0.001:
        return "p<0.001"
    if p < 0.01:
        return "p<0.01"
    return f"p={p:.2f}"


def _plural(k: int, one: str, many: str | None = None) -> str:
    return f"{k} {one if k == 1 else (many or one + 's')}"


def _reason_note(reasons: pd.Series) -> str:
    reasons = reasons[reasons.str.strip() != ""]
    return f" ({reasons.value_counts().index[0]})" if len(reasons) else ""


def _construct_labels(df: pd.DataFrame) -> pd.Series:
    """Display label per row: the ``label`` column where present, else the construct id."""
    ids = _text(df, "construct")
    if "label" not in df.columns:
        return ids
    labels = _text(df, "label")
    return labels.where(labels.str.strip() != "", ids)


def _directions(df: pd.DataFrame, directions: Mapping[str, str] | None) -> pd.Series:
    """Per row direction; an explicit mapping wins over a ``direction`` column."""
    out = _text(df, "direction", "higher_better")
    if directions:
        mapped = _text(df, "construct").map(directions)
        out = mapped.where(mapped.notna(), out)
    return out.map(lambda d: HIGHER_WORSE if d == HIGHER_WORSE else "higher_better")


def _symmetric_extent(values: pd.Series, floor: float = 10.0) -> float:
    """Half-width of a diverging colour domain: centred on 0, rounded up to 5 points."""
    finite = values[np.isfinite(values)]
    biggest = float(finite.abs().max()) if len(finite) else 0.0
    return max(floor, float(np.ceil(biggest / 5.0) * 5.0))


def _palette_at(position: float) -> str:
    """Colour for a relative answer position in [-1, 1] (PuOr anchors, neutral grey at 0)."""
    anchors = [
        (-1.0, WORSE),
        (-0.5, WORSE_LIGHT),
        (0.0, NEUTRAL_ANSWER),
        (0.5, BETTER_LIGHT),
        (1.0, BETTER),
    ]
    position = min(1.0, max(-1.0, position))
    for (x0, c0), (x1, c1) in itertools.pairwise(anchors):
        if x0 <= position <= x1:
            t = 0.0 if x1 == x0 else (position - x0) / (x1 - x0)
            rgb0 = [int(c0[i : i + 2], 16) for i in (1, 3, 5)]
            rgb1 = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
            mixed = [round(a + (b - a) * t) for a, b in zip(rgb0, rgb1, strict=True)]
            return "#" + "".join(f"{v:02x}" for v in mixed)
    return NEUTRAL_ANSWER


def _shorten(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- diverging grid


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
    df = pd.DataFrame(
        {
            "group": _text(table, "group"),
            "construct": _text(table, "construct"),
            "construct_label": _construct_labels(table),
            "direction": _directions(table, directions),
            "n": _num(table, "n"),
            "score": _num(table, "score"),
            "difference": _num(table, value),
            "p_adj": _num(table, "p_adj"),
        }
    )
    reason = _text(table, "suppressed_reason")
    no_number = df["difference"].isna() if text_of_value else df["score"].isna()
    hidden = _flag(table, "suppressed") | no_number
    df["hidden"] = hidden
    df["status"] = np.where(
        _flag(table, "suppressed"),
        ("hidden: " + reason).where(reason.str.strip() != "", "hidden to protect confidentiality"),
        np.where(hidden, "no score", "shown"),
    )
    df["reason"] = reason.where(_flag(table, "suppressed"), "")
    sign = np.where(df["direction"] == HIGHER_WORSE, -1.0, 1.0)
    df["gap"] = df["difference"] * sign
    number_columns = ["n", "score", "difference", "p_adj", "gap"]
    df.loc[hidden, number_columns] = np.nan
    df["significant"] = (~hidden) & (df["p_adj"] < alpha)
    marker = np.where(df["significant"], "*", "")
    if text_of_value:
        shown = df["difference"].map(lambda v: "" if pd.isna(v) else f"{v:+.0f}")
    else:
        shown = df["score"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    df["cell_text"] = np.where(
        _flag(table, "suppressed"), "hidden", np.where(hidden, "–", shown + marker)
    )
    return df


def _grid_chart(
    df: pd.DataFrame,
    *,
    title: str | alt.Title,
    description: str,
    value_title: str,
    gap_title: str,
    with_score: bool,
    select: bool,
) -> alt.LayerChart:
    extent = _symmetric_extent(df["gap"])
    df = df.assign(light_text=df["gap"].abs() > 0.6 * extent)
    groups = _first_seen(df["group"])
    constructs = _first_seen(df["construct_label"])
    base = alt.Chart(df).encode(
        x=alt.X(
            "construct_label:N",
            sort=constructs,
            title="Construct",
            axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=180, labelOverlap=False),
        ),
        y=alt.Y("group:N", sort=groups, title="Group", axis=alt.Axis(labelLimit=220)),
    )
    tooltip = [
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("construct_label:N", title="Construct"),
    ]
    if with_score:
        tooltip.append(alt.Tooltip("score:Q", title="Score (0–100)", format=".0f"))
    tooltip += [
        alt.Tooltip("n:Q", title="n (people)", format=".0f"),
        alt.Tooltip("difference:Q", title=value_title, format="+.1f"),
        alt.Tooltip("gap:Q", title=gap_title, format="+.1f"),
        alt.Tooltip("p_adj:Q", title="p (Holm-adjusted)", format=".3f"),
        alt.Tooltip("status:N", title="Status"),
    ]
    colour = alt.Color(
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
        base.mark_text(fontSize=FONT_SIZE_CELL, color="#222222")
        .encode(text=alt.Text("cell_text:N"), tooltip=short)
        .transform_filter("datum.hidden")
    )
    text = (
        base.mark_text(fontSize=FONT_SIZE_CELL)
        .encode(
            text=alt.Text("cell_text:N"),
            color=alt.condition("datum.light_text", alt.value("white"), alt.value("#222222")),
            tooltip=tooltip,
        )
        .transform_filter("!datum.hidden")
    )
    return (
        alt.layer(rect, grey, text, grey_text, title=title, description=description)
        .properties(width=alt.Step(90), height=alt.Step(26))
        .configure_view(strokeWidth=0)
    )


def _grid_alt_text(
    df: pd.DataFrame,
    *,
    what: str,
    value_words: str,
    with_score: bool,
    alpha: float,
) -> str:
    n_groups = df["group"].nunique()
    n_constructs = df["construct"].nunique()
    head = f"{what} of {_plural(n_groups, 'group')} × {_plural(n_constructs, 'construct')}."
    visible = df[~df["hidden"]]
    sentences = [head]
    if visible.empty:
        return f"{head} Every cell is hidden{_reason_note(df['reason'])}."
    gaps = visible["gap"].dropna()  # all missing when one group is in view (no rest)
    worst = visible.loc[gaps.idxmin()] if len(gaps) else None
    if worst is None:
        sentences.append("No group can be compared with the rest: nobody else is in view.")
    elif worst["gap"] < 0:
        score = f"score {worst['score']:.0f}, " if with_score else ""
        sentences.append(
            f"Largest unfavourable gap: {worst['group']}, {worst['construct_label']}, "
            f"{score}{worst['difference']:+.0f} points {value_words} ({_p_text(worst['p_adj'])})."
        )
    else:
        sentences.append(f"No group is worse than {value_words.split()[-1]} on any construct.")
    worse_sig = int((visible["significant"] & (visible["gap"] < 0)).sum())
    better_sig = int((visible["significant"] & (visible["gap"] > 0)).sum())
    sig = (
        f"{_plural(worse_sig, 'cell')} significantly worse and {better_sig} significantly better "
        f"(Holm-adjusted p<{alpha:g})."
    )
    by_group = df.groupby("group", sort=False)["hidden"].all()
    fully_hidden = by_group[by_group].index
    hidden_cells = int(df["hidden"].sum())
    if len(fully_hidden):
        reasons = df.loc[df["group"].isin(fully_hidden), "reason"]
        sig += f" {_plural(len(fully_hidden), 'group')} hidden{_reason_note(reasons)}."
    elif hidden_cells:
        sig += f" {_plural(hidden_cells, 'cell')} hidden{_reason_note(df['reason'])}."
    sentences.append(sig)
    return " ".join(sentences)


# --------------------------------------------------------------------------- heatmap

HEATMAP_COLUMNS = ("group", "construct", "n", "score", "diff_vs_rest", "p_adj", "suppressed")


def _heatmap_frame(
    group_table: pd.DataFrame, directions: Mapping[str, str] | None, alpha: float
) -> pd.DataFrame:
    _require(group_table, HEATMAP_COLUMNS, "heatmap")
    return _grid_frame(
        group_table,
        value="diff_vs_rest",
        text_of_value=False,
        directions=directions,
        alpha=alpha,
    )


def _grouping_name(table: pd.DataFrame) -> str:
    if "grouping" in table.columns and table["grouping"].notna().any():
        names = _first_seen(table["grouping"].dropna().astype(str))
        if len(names) == 1:
            return names[0]
    return "group"


def heatmap(
    group_table: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    title: str | None = None,
) -> AnyChart:
    """Groups × constructs, coloured by the gap to the rest of the organisation.

    Colour answers "is this group worse off than everyone else?" whatever the construct's
    direction: for ``higher_worse`` constructs (fear of displacement) the difference is flipped
    before colouring. The cell text is the group's own score; ``*`` and a dark border mark a
    Holm-adjusted p below ``alpha``. ``directions`` maps construct id -> direction when the table
    has no ``direction`` column. Clicking a row selects its group (selection ``"pick"``).
    """
    heading = title or f"Scores by {_grouping_name(group_table)}"
    if _is_empty(group_table):
        return _message_chart(heading, "No group scores to show.")
    df = _heatmap_frame(group_table, directions, alpha)
    return _grid_chart(
        df,
        title=alt.Title(
            heading,
            subtitle=[
                "Cell: score 0–100. Colour: difference from the rest of the organisation, "
                "orange = worse.",
                f"* and dark border: significant (Holm-adjusted p<{alpha:g}). "
                "Grey: hidden to protect confidentiality.",
            ],
        ),
        description=_grid_alt_text(
            df, what="Heatmap", value_words="vs rest", with_score=True, alpha=alpha
        ),
        value_title="Difference vs rest (points)",
        gap_title="Favourability gap (points)",
        with_score=True,
        select=True,
    )


def heatmap_alt_text(
    group_table: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = 0.05,
) -> str:
    """One to three sentences: size of the grid, the worst gap, significance, what is hidden."""
    if _is_empty(group_table):
        return "No group scores to show."
    df = _heatmap_frame(group_table, directions, alpha)
    return _grid_alt_text(df, what="Heatmap", value_words="vs rest", with_score=True, alpha=alpha)


# --------------------------------------------------------------------------- change heatmap

CHANGE_COLUMNS = ("group", "construct", "change", "p_adj", "suppressed")


def _change_frame(
    change: pd.DataFrame, directions: Mapping[str, str] | None, alpha: float
) -> pd.DataFrame:
    _require(change, CHANGE_COLUMNS, "change heatmap")
    return _grid_frame(
        change, value="change", text_of_value=True, directions=directions, alpha=alpha
    )


def change_heatmap(
    change: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    title: str | None = None,
) -> AnyChart:
    """Change since the previous wave per group × construct, orange = got worse."""
    heading = title or "Change since the previous wave"
    if _is_empty(change):
        return _message_chart(heading, "No change between waves to show.")
    df = _change_frame(change, directions, alpha)
    return _grid_chart(
        df,
        title=alt.Title(
            heading,
            subtitle=[
                "Cell: change in score points. Orange = got worse, purple = improved.",
                f"* and dark border: significant (Holm-adjusted p<{alpha:g}). "
                "Grey: hidden to protect confidentiality.",
            ],
        ),
        description=_grid_alt_text(
            df, what="Change heatmap", value_words="since last wave", with_score=False, alpha=alpha
        ),
        value_title="Change (points)",
        gap_title="Change, favourability-oriented",
        with_score=False,
        select=False,
    )


def change_heatmap_alt_text(
    change: pd.DataFrame,
    *,
    directions: Mapping[str, str] | None = None,
    alpha: float = 0.05,
) -> str:
    """The biggest deterioration, how many changes are significant, what is hidden."""
    if _is_empty(change):
        return "No change between waves to show."
    df = _change_frame(change, directions, alpha)
    return _grid_alt_text(
        df, what="Change heatmap", value_words="since last wave", with_score=False, alpha=alpha
    )


# --------------------------------------------------------------------------- Likert bars

LIKERT_COLUMNS = ("item", "label", "order", "is_missing")


def _likert_frames(item_counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Segments for the diverging bars, N/A shares, and answer label -> colour.

    Within an item the K answered categories are ranked low -> high; with K odd the middle one
    is neutral and is split evenly across zero, lower ranks stack leftwards and higher ranks
    rightwards. Percentages are of the people who answered on the scale (N/A excluded); the
    N/A share is of everyone who saw the item. Colour follows the answer scale; % favourable
    counts the low end instead for items flagged ``reverse``.
    """
    _require(item_counts, LIKERT_COLUMNS, "Likert")
    if "count" not in item_counts.columns and not {"share", "n"} <= set(item_counts.columns):
        raise ValueError("The Likert chart needs a count column (or share and n) per answer.")
    df = pd.DataFrame(
        {
            "item": _text(item_counts, "item"),
            "question": _text(item_counts, "question"),
            "answer": _text(item_counts, "label"),
            "order": _num(item_counts, "order"),
            "is_missing": _flag(item_counts, "is_missing"),
            "reverse": _flag(item_counts, "reverse"),
        }
    )
    count = _num(item_counts, "count")
    if count.isna().all():
        count = _num(item_counts, "share") * _num(item_counts, "n")
    df["count"] = count.fillna(0.0)
    segments, missing, colours = [], [], {}
    for item, rows in df.groupby("item", sort=False):
        scale = rows[~rows["is_missing"]].sort_values("order", kind="stable")
        answered = float(scale["count"].sum())
        not_applicable = float(rows.loc[rows["is_missing"], "count"].sum())
        question = rows["question"].iloc[0]
        k = len(scale)
        if answered <= 0 or k == 0:
            missing.append((item, question, not_applicable, answered, np.nan))
            continue
        mid = (k - 1) / 2
        rank = np.arange(k, dtype=float)
        relative = (rank - mid) / mid if mid > 0 else np.zeros(k)
        pct = scale["count"].to_numpy(dtype=float) / answered * 100
        neutral = float(pct[rank == mid].sum())
        low_end = float(pct[rank < mid].sum())
        high_end = float(pct[rank > mid].sum())
        # a reverse-keyed item (agreeing is bad news) is favourable at the low end
        reverse = bool(rows["reverse"].any())
        favourable = low_end if reverse else high_end
        x = -(low_end + neutral / 2) + np.concatenate([[0.0], np.cumsum(pct)[:-1]])
        for answer, rel, p, c, x0 in zip(
            scale["answer"], relative, pct, scale["count"], x, strict=True
        ):
            colours.setdefault(answer, _palette_at(float(rel)))
            segments.append(
                {
                    "item": item,
                    "question": question,
                    "answer": answer,
                    "position": float(rel),
                    "pct": p,
                    "count": c,
                    "n": answered,
                    "x": x0,
                    "x2": x0 + p,
                    "favourable": favourable,
                }
            )
        missing.append((item, question, not_applicable, answered, favourable))
    seg = pd.DataFrame(segments)
    na = pd.DataFrame(missing, columns=["item", "question", "na_count", "n", "favourable"]).astype(
        {"na_count": float, "n": float, "favourable": float}
    )
    seen = na["n"] + na["na_count"]
    na["na_pct"] = np.where(seen > 0, na["na_count"] / seen.where(seen > 0, 1) * 100, 0.0)
    na = na.sort_values(["favourable", "item"], ascending=[False, True], na_position="last")
    na["display"] = _item_display(na)
    if len(seg):
        seg = seg.merge(na[["item", "display"]], on="item", how="left")
    colours = dict(sorted(colours.items(), key=lambda kv: _position_of(seg, kv[0])))
    return seg, na, colours


def _position_of(seg: pd.DataFrame, answer: str) -> float:
    return float(seg.loc[seg["answer"] == answer, "position"].mean())


def _item_display(na: pd.DataFrame) -> pd.Series:
    """A short unique row label: the question where there is one, else the item id."""
    text = [
        _shorten(q) if q.strip() else i for i, q in zip(na["item"], na["question"], strict=True)
    ]
    if len(set(text)) < len(text):
        text = [
            f"{i} · {_shorten(q, 60)}" if q.strip() else i
            for i, q in zip(na["item"], na["question"], strict=True)
        ]
    return pd.Series(text, index=na.index)


def likert_bars(item_counts: pd.DataFrame, *, title: str = "Answers per item") -> AnyChart:
    """Diverging stacked bars: neutral centred on zero, N/A in its own panel, best item first."""
    if _is_empty(item_counts):
        return _message_chart(title, "No item answers to show.")
    seg, na, colours = _likert_frames(item_counts)
    if seg.empty:
        return _message_chart(title, "No item has answers on its scale to show.")
    order = na.loc[na["favourable"].notna(), "display"].tolist()
    description = _likert_alt_text_from(na)
    tooltip = [
        alt.Tooltip("question:N", title="Question"),
        alt.Tooltip("answer:N", title="Answer"),
        alt.Tooltip("pct:Q", title="% of answers", format=".1f"),
        alt.Tooltip("count:Q", title="People", format=".0f"),
        alt.Tooltip("n:Q", title="n (answered)", format=".0f"),
        alt.Tooltip("favourable:Q", title="% favourable", format=".0f"),
    ]
    y = alt.Y("display:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    bars = (
        alt.Chart(seg)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "x:Q",
                title="% of answers (N/A excluded): lower answers ← → higher answers",
                axis=alt.Axis(labelExpr="abs(datum.value) + '%'"),
            ),
            x2="x2:Q",
            y=y,
            color=alt.Color(
                "answer:N",
                title="Answer",
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                legend=alt.Legend(orient="bottom", columns=5),
            ),
            tooltip=tooltip,
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#444444").encode(x="x:Q")
    main = alt.layer(bars, zero).properties(width=420, height=alt.Step(24))
    if float(na["na_count"].sum()) <= 0:
        return main.properties(
            title=alt.Title(title, subtitle="Neutral answers are split across the centre line."),
            description=description,
        )
    side = (
        alt.Chart(na[na["favourable"].notna()])
        .mark_bar(color=NOT_APPLICABLE)
        .encode(
            x=alt.X(
                "na_pct:Q",
                title="N/A %",
                scale=alt.Scale(domain=[0, max(20.0, float(np.ceil(na["na_pct"].max())))]),
            ),
            y=alt.Y("display:N", sort=order, title=None, axis=None),
            tooltip=[
                alt.Tooltip("question:N", title="Question"),
                alt.Tooltip("na_pct:Q", title="% N/A or no answer", format=".1f"),
                alt.Tooltip("na_count:Q", title="People", format=".0f"),
            ],
        )
        .properties(width=80, height=alt.Step(24))
    )
    return alt.hconcat(
        main,
        side,
        title=alt.Title(
            title,
            subtitle="Neutral answers are split across the centre line; N/A is shown apart.",
        ),
        description=description,
    ).resolve_scale(color="independent")


def _likert_alt_text_from(na: pd.DataFrame) -> str:
    scored = na[na["favourable"].notna()]
    if scored.empty:
        return "No item has answers on its scale to show."
    best, worst = scored.iloc[0], scored.iloc[-1]
    text = (
        f"Diverging bars for {_plural(len(scored), 'item')}, sorted by % favourable. "
        f"Most favourable: {best['display']} ({best['favourable']:.0f}% favourable, "
        f"n={best['n']:.0f})."
    )
    if len(scored) > 1:
        text += (
            f" Least favourable: {worst['display']} ({worst['favourable']:.0f}% favourable, "
            f"n={worst['n']:.0f})."
        )
    if float(na["na_count"].sum()) > 0:
        top = na.loc[na["na_pct"].idxmax()]
        text += f" N/A up to {top['na_pct']:.0f}% ({top['display']})."
    return text


def likert_bars_alt_text(item_counts: pd.DataFrame) -> str:
    """Best and worst item by % favourable, with n, and the largest N/A share."""
    if _is_empty(item_counts):
        return "No item answers to show."
    _, na, _ = _likert_frames(item_counts)
    return _likert_alt_text_from(na)


# --------------------------------------------------------------------------- quadrant

QUADRANT_COLUMNS = ("group", "trust", "fear", "n")
# (high trust, high fear) -> name; the same vocabulary as analysis.hotspots.segments
DEFAULT_CORNERS = {
    (True, False): "champions",
    (True, True): "anxious adopters",
    (False, True): "resisters",
    (False, False): "skeptics",
}
CORNER_COLOURS = {
    (False, True): WORSE,
    (True, True): WORSE_LIGHT,
    (False, False): BETTER_LIGHT,
    (True, False): BETTER,
}
QUADRANT_WIDTH = 440
QUADRANT_HEIGHT = 380
_EXTRA_COLOURS = ("#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2")
_CORNER_WORDS = {
    (True, False): "high trust, low fear",
    (True, True): "high trust, high fear",
    (False, True): "low trust, high fear",
    (False, False): "low trust, low fear",
}


def _quadrant_frame(
    segments: pd.DataFrame, x_cut: float | None, y_cut: float | None
) -> tuple[pd.DataFrame, float, float, dict[tuple[bool, bool], str], int, str]:
    _require(segments, QUADRANT_COLUMNS, "quadrant")
    df = pd.DataFrame(
        {
            "group": _text(segments, "group"),
            "trust": _num(segments, "trust"),
            "fear": _num(segments, "fear"),
            "n": _num(segments, "n"),
            "quadrant": _text(segments, "quadrant"),
        }
    )
    hidden = _flag(segments, "suppressed") | df["trust"].isna() | df["fear"].isna()
    n_hidden = int(hidden.sum())
    reason = _reason_note(_text(segments, "suppressed_reason")[hidden])
    df = df[~hidden].reset_index(drop=True)
    x_cut = float(df["trust"].median()) if x_cut is None and len(df) else x_cut
    y_cut = float(df["fear"].median()) if y_cut is None and len(df) else y_cut
    x_cut = 50.0 if x_cut is None else float(x_cut)
    y_cut = 50.0 if y_cut is None else float(y_cut)
    df["corner"] = list(zip(df["trust"] >= x_cut, df["fear"] >= y_cut, strict=True))
    names = dict(DEFAULT_CORNERS)
    for corner, rows in df.groupby("corner", sort=False):
        given = rows["quadrant"][rows["quadrant"].str.strip() != ""]
        if len(given):
            names[corner] = given.value_counts().index[0]
    df["quadrant"] = [
        q if q.strip() else names[c] for q, c in zip(df["quadrant"], df["corner"], strict=True)
    ]
    return df.drop(columns="corner"), x_cut, y_cut, names, n_hidden, reason


def quadrant(
    segments: pd.DataFrame,
    *,
    x_cut: float | None = None,
    y_cut: float | None = None,
    title: str = "Trust in AI × fear of displacement",
) -> AnyChart:
    """Groups placed by trust (x) and fear (y), bubble area = n, cut-off rules and corner names.

    Cut-offs default to the medians of the visible groups; corner names come from the
    ``quadrant`` column where the data has a group in that corner.
    """
    if _is_empty(segments):
        return _message_chart(title, "No groups to place.")
    df, x_cut, y_cut, names, n_hidden, reason = _quadrant_frame(segments, x_cut, y_cut)
    if df.empty:
        return _message_chart(title, f"Every group is hidden{reason}.")
    description = _quadrant_text(df, x_cut, y_cut, names, n_hidden, reason)
    colours = {names[c]: colour for c, colour in CORNER_COLOURS.items()}
    for extra in _first_seen(df["quadrant"]):
        if extra not in colours:
            colours[extra] = _EXTRA_COLOURS[len(colours) % len(_EXTRA_COLOURS)]
    x_lo, x_hi = _zoom(df["trust"], x_cut)
    y_lo, y_hi = _zoom(df["fear"], y_cut)
    x_scale = alt.Scale(domain=[x_lo, x_hi], nice=False)
    y_scale = alt.Scale(domain=[y_lo, y_hi], nice=False)
    x_enc = alt.X("trust:Q", title="Trust in AI (0–100)", scale=x_scale)
    y_enc = alt.Y("fear:Q", title="Fear of displacement (0–100)", scale=y_scale)
    points = (
        alt.Chart(df)
        .mark_circle(opacity=0.75, stroke="#333333", strokeWidth=0.8)
        .encode(
            x=x_enc,
            y=y_enc,
            size=alt.Size("n:Q", title="n (people)", scale=alt.Scale(range=[60, 1400])),
            color=alt.Color(
                "quadrant:N",
                title="Quadrant",
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            ),
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("trust:Q", title="Trust in AI", format=".0f"),
                alt.Tooltip("fear:Q", title="Fear of displacement", format=".0f"),
                alt.Tooltip("n:Q", title="n (people)", format=".0f"),
                alt.Tooltip("quadrant:N", title="Quadrant"),
            ],
        )
    )
    labelled = df[_unclashing_labels(df, (x_lo, x_hi), (y_lo, y_hi))]
    labels = (
        alt.Chart(labelled)
        .mark_text(align="left", dx=9, dy=-7, fontSize=10, color="#333333")
        .encode(x=x_enc, y=y_enc, text="group:N")
    )
    rules = alt.Chart(pd.DataFrame({"trust": [x_cut], "fear": [y_cut]}))
    vrule = rules.mark_rule(strokeDash=[4, 4], color="#555555").encode(x=x_enc)
    hrule = rules.mark_rule(strokeDash=[4, 4], color="#555555").encode(y=y_enc)
    corners = pd.DataFrame(
        [
            {
                "trust": x_hi if hi_trust else x_lo,
                "fear": y_hi if hi_fear else y_lo,
                "name": names[(hi_trust, hi_fear)],
                "align": "right" if hi_trust else "left",
                "baseline": "top" if hi_fear else "bottom",
            }
            for hi_trust, hi_fear in DEFAULT_CORNERS
        ]
    )
    corner_marks = [
        alt.Chart(corners[corners["align"].eq(a) & corners["baseline"].eq(b)])
        .mark_text(
            align=a,
            baseline=b,
            dx=6 if a == "left" else -6,
            dy=6 if b == "top" else -6,
            fontSize=12,
            fontWeight="bold",
            color="#666666",
        )
        .encode(x=x_enc, y=y_enc, text="name:N")
        for a in ("left", "right")
        for b in ("top", "bottom")
    ]
    subtitle = f"Dashed lines: cut-offs (trust {x_cut:.0f}, fear {y_cut:.0f}). Bubble area = n."
    if n_hidden:
        subtitle += f" {_plural(n_hidden, 'group')} hidden{reason}."
    return alt.layer(
        vrule,
        hrule,
        *corner_marks,
        points,
        labels,
        title=alt.Title(title, subtitle=subtitle),
        description=description,
    ).properties(width=QUADRANT_WIDTH, height=QUADRANT_HEIGHT)


def _unclashing_labels(
    df: pd.DataFrame, x_range: tuple[float, float], y_range: tuple[float, float]
) -> pd.Series:
    """Which groups get a name beside their bubble: largest n first, skipping any name whose
    box would overlap one already placed (the tooltip still names every bubble)."""
    sx = QUADRANT_WIDTH / (x_range[1] - x_range[0])
    sy = QUADRANT_HEIGHT / (y_range[1] - y_range[0])
    placed: list[tuple[float, float, float, float]] = []
    keep = pd.Series(False, index=df.index)
    by_size = df.assign(size=df["n"].fillna(0)).sort_values("size", ascending=False, kind="stable")
    for idx, trust, fear, group in zip(
        by_size.index, by_size["trust"], by_size["fear"], by_size["group"], strict=True
    ):
        px = (trust - x_range[0]) * sx + 9
        py = (y_range[1] - fear) * sy - 14
        box = (px, py, px + 6.0 * len(group), py + 12)
        if all(
            box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in placed
        ):
            placed.append(box)
            keep[idx] = True
    return keep


def _zoom(values: pd.Series, cut: float, pad: float = 5.0) -> tuple[float, float]:
    """Axis range around the groups and the cut-off, on a 10-point grid within 0-100.

    Group scores cluster in the middle of the scale; a fixed 0-100 axis piles the bubbles on
    top of each other.
    """
    lo = max(0.0, np.floor((min(values.min(), cut) - pad) / 10) * 10)
    hi = min(100.0, np.ceil((max(values.max(), cut) + pad) / 10) * 10)
    if hi - lo < 20:
        lo, hi = max(0.0, lo - 10), min(100.0, hi + 10)
    return float(lo), float(hi)


def _quadrant_text(
    df: pd.DataFrame,
    x_cut: float,
    y_cut: float,
    names: dict[tuple[bool, bool], str],
    n_hidden: int,
    reason: str,
) -> str:
    text = (
        f"Trust × fear scatter of {_plural(len(df), 'group')}; cut-offs trust {x_cut:.0f}, "
        f"fear {y_cut:.0f}."
    )
    risk = df[(df["trust"] < x_cut) & (df["fear"] >= y_cut)].sort_values("n", ascending=False)
    corner = (False, True)
    if len(risk):
        listed = ", ".join(
            f"{g} (n={n:.0f})" for g, n in zip(risk["group"], risk["n"], strict=True)
        )
        text += (
            f" {_plural(len(risk), 'group')} in '{names[corner]}' ({_CORNER_WORDS[corner]}): "
            f"{listed}."
        )
    else:
        text += f" No group in '{names[corner]}' ({_CORNER_WORDS[corner]})."
    if n_hidden:
        text += f" {_plural(n_hidden, 'group')} hidden{reason}."
    return text


def quadrant_alt_text(
    segments: pd.DataFrame, *, x_cut: float | None = None, y_cut: float | None = None
) -> str:
    """Cut-offs, the groups in the low-trust/high-fear corner with n, and how many are hidden."""
    if _is_empty(segments):
        return "No groups to place."
    df, x_cut, y_cut, names, n_hidden, reason = _quadrant_frame(segments, x_cut, y_cut)
    if df.empty:
        return f"Every group is hidden{reason}."
    return _quadrant_text(df, x_cut, y_cut, names, n_hidden, reason)


# --------------------------------------------------------------------------- drivers

DRIVER_COLUMNS = ("outcome", "driver", "share", "ci_low", "ci_high", "n")


def _drivers_frame(drivers: pd.DataFrame) -> pd.DataFrame:
    _require(drivers, DRIVER_COLUMNS, "drivers")
    df = pd.DataFrame(
        {
            "outcome": _text(drivers, "outcome"),
            "driver": _text(drivers, "driver"),
            "share": _num(drivers, "share"),
            "ci_low": _num(drivers, "ci_low"),
            "ci_high": _num(drivers, "ci_high"),
            "n": _num(drivers, "n"),
        }
    )
    if "label" in drivers.columns:
        labels = _text(drivers, "label")
        df["driver"] = labels.where(labels.str.strip() != "", df["driver"])
    df = df[df["share"].notna()]
    return df.sort_values(["outcome", "share"], ascending=[True, False], kind="stable")


def drivers_bar(drivers: pd.DataFrame, *, title: str = "What drives the outcome") -> AnyChart:
    """Relative importance (share of explained variance) with 95% bootstrap intervals."""
    if _is_empty(drivers):
        return _message_chart(title, "No driver analysis to show.")
    df = _drivers_frame(drivers)
    if df.empty:
        return _message_chart(title, "No driver analysis to show.")
    description = _drivers_text(df)
    mean_share = df.groupby("driver", sort=False)["share"].mean()
    order = mean_share.sort_values(ascending=False, kind="stable").index.tolist()
    base = alt.Chart().encode(
        y=alt.Y("driver:N", sort=order, title=None, axis=alt.Axis(labelLimit=240))
    )
    tooltip = [
        alt.Tooltip("outcome:N", title="Outcome"),
        alt.Tooltip("driver:N", title="Driver"),
        alt.Tooltip("share:Q", title="Share of explained variance", format=".0%"),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=".0%"),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=".0%"),
        alt.Tooltip("n:Q", title="n (people)", format=".0f"),
    ]
    bars = base.mark_bar(color=BETTER_LIGHT).encode(
        x=alt.X(
            "share:Q",
            title="Share of explained variance (95% CI)",
            axis=alt.Axis(format="%"),
        ),
        tooltip=tooltip,
    )
    errors = base.mark_errorbar(ticks=True, color="#222222").encode(
        x=alt.X("ci_low:Q", title="Share of explained variance (95% CI)"),
        x2="ci_high:Q",
        tooltip=tooltip,
    )
    layered = alt.layer(bars, errors).properties(width=380, height=alt.Step(24))
    outcomes = df["outcome"].unique()
    if len(outcomes) == 1:
        return alt.layer(
            bars,
            errors,
            data=df,
            title=alt.Title(title, subtitle=f"Outcome: {outcomes[0]}; bars = 95% intervals."),
            description=description,
        ).properties(width=380, height=alt.Step(24))
    return layered.facet(
        data=df,
        row=alt.Row("outcome:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        title=alt.Title(title, subtitle="Black bars: 95% intervals."),
        description=description,
    ).resolve_scale(y="independent")


def _drivers_text(df: pd.DataFrame) -> str:
    parts = []
    for outcome, rows in df.groupby("outcome", sort=False):
        top = rows.head(3)
        first = top.iloc[0]
        n = rows["n"].max()
        n_text = f" (n={n:.0f})" if pd.notna(n) else ""
        ci = (
            f", 95% CI {first['ci_low']:.0%}–{first['ci_high']:.0%}"
            if pd.notna(first["ci_low"]) and pd.notna(first["ci_high"])
            else ""
        )
        rest = ", ".join(
            f"{d} {s:.0%}" for d, s in zip(top["driver"][1:], top["share"][1:], strict=True)
        )
        sentence = (
            f"Key drivers of {outcome}{n_text}: {first['driver']} explains "
            f"{first['share']:.0%} of the explained variance{ci}"
        )
        parts.append(sentence + (f"; then {rest}." if rest else "."))
    return " ".join(parts[:3])


def drivers_bar_alt_text(drivers: pd.DataFrame) -> str:
    """Top drivers per outcome with their share and interval."""
    if _is_empty(drivers):
        return "No driver analysis to show."
    df = _drivers_frame(drivers)
    return _drivers_text(df) if len(df) else "No driver analysis to show."


# --------------------------------------------------------------------------- themes

THEME_COLUMNS = ("theme", "label", "size", "share", "mean_sentiment")


def _themes_frame(themes: pd.DataFrame) -> pd.DataFrame:
    _require(themes, THEME_COLUMNS, "themes")
    df = pd.DataFrame(
        {
            "theme": _text(themes, "theme"),
            "label": _text(themes, "label"),
            "size": _num(themes, "size"),
            "share": _num(themes, "share"),
            "mean_sentiment": _num(themes, "mean_sentiment"),
        }
    )
    df["label"] = df["label"].where(df["label"].str.strip() != "", df["theme"])
    df = df[df["size"].fillna(0) > 0]
    return df.sort_values("size", ascending=False, kind="stable").reset_index(drop=True)


def themes_bar(themes: pd.DataFrame, *, title: str = "Comment themes") -> AnyChart:
    """Theme size as a share of comments, coloured by mean sentiment (orange = negative)."""
    if _is_empty(themes):
        return _message_chart(title, "No comment themes to show.")
    df = _themes_frame(themes)
    if df.empty:
        return _message_chart(title, "No comment themes to show.")
    order = df["label"].tolist()
    base = alt.Chart(df).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("share:Q", title="Share of comments", axis=alt.Axis(format="%")),
    )
    bars = base.mark_bar(stroke="#666666", strokeWidth=0.5).encode(
        color=alt.Color(
            "mean_sentiment:Q",
            title=["Mean sentiment", "orange = negative"],
            scale=alt.Scale(
                domain=[-1, 0, 1], range=[WORSE, NEUTRAL_ANSWER, BETTER], interpolate="lab"
            ),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Theme"),
            alt.Tooltip("size:Q", title="n (comments)", format=".0f"),
            alt.Tooltip("share:Q", title="Share of comments", format=".1%"),
            alt.Tooltip("mean_sentiment:Q", title="Mean sentiment (−1 to 1)", format="+.2f"),
        ],
    )
    counts = base.mark_text(align="left", dx=4, fontSize=10).encode(
        text=alt.Text("size:Q", format=".0f")
    )
    return alt.layer(
        bars,
        counts,
        title=alt.Title(title, subtitle="Bar label: number of comments."),
        description=_themes_text(df),
    ).properties(width=380, height=alt.Step(24))


def _themes_text(df: pd.DataFrame) -> str:
    top = df.iloc[0]
    text = (
        f"{_plural(len(df), 'comment theme')} covering {df['size'].sum():.0f} comments. "
        f"Largest: '{top['label']}' ({top['size']:.0f} comments, {top['share']:.0%})"
    )
    text += (
        f", mean sentiment {top['mean_sentiment']:+.2f}."
        if pd.notna(top["mean_sentiment"])
        else "."
    )
    rated = df[df["mean_sentiment"].notna()]
    low = rated.loc[rated["mean_sentiment"].idxmin()] if len(rated) > 1 else top
    if low["label"] != top["label"]:
        text += (
            f" Most negative: '{low['label']}' ({low['mean_sentiment']:+.2f}, "
            f"{low['size']:.0f} comments)."
        )
    return text


def themes_bar_alt_text(themes: pd.DataFrame) -> str:
    """Number of themes, the largest, and the most negative, with comment counts."""
    if _is_empty(themes):
        return "No comment themes to show."
    df = _themes_frame(themes)
    return _themes_text(df) if len(df) else "No comment themes to show."


THEME_GROUP_COLUMNS = ("theme", "group", "share", "n")


def _theme_group_frame(table: pd.DataFrame) -> pd.DataFrame:
    _require(table, THEME_GROUP_COLUMNS, "theme share by group")
    df = pd.DataFrame(
        {
            "theme": _text(table, "theme"),
            "group": _text(table, "group"),
            "share": _num(table, "share"),
            "n": _num(table, "n"),
        }
    )
    labels = _text(table, "label") if "label" in table.columns else df["theme"]
    df["theme_label"] = labels.where(labels.str.strip() != "", df["theme"])
    df["reason"] = _text(table, "suppressed_reason").where(_flag(table, "suppressed"), "")
    df["hidden"] = _flag(table, "suppressed") | df["share"].isna()
    df.loc[df["hidden"], ["share", "n"]] = np.nan
    df["cell_text"] = np.where(
        df["hidden"], "hidden", df["share"].map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
    )
    return df


def theme_share_by_group(
    table: pd.DataFrame, *, title: str = "Themes by group (share of each group's comments)"
) -> AnyChart:
    """Which groups talk about which theme; groups under the comment threshold are grey."""
    if _is_empty(table):
        return _message_chart(title, "No theme shares by group to show.")
    df = _theme_group_frame(table)
    visible_max = df["share"].max()
    top = float(visible_max) if pd.notna(visible_max) and visible_max > 0 else 1.0
    df = df.assign(light_text=df["share"] > 0.6 * top)
    base = alt.Chart(df).encode(
        x=alt.X(
            "theme_label:N",
            sort=_first_seen(df["theme_label"]),
            title="Theme",
            axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=180, labelOverlap=False),
        ),
        y=alt.Y("group:N", sort=_first_seen(df["group"]), title="Group"),
    )
    tooltip = [
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("theme_label:N", title="Theme"),
        alt.Tooltip("share:Q", title="Share of the group's comments", format=".0%"),
        alt.Tooltip("n:Q", title="n (comments in group)", format=".0f"),
    ]
    rect = (
        base.mark_rect()
        .encode(
            color=alt.Color(
                "share:Q",
                title="Share of comments",
                scale=alt.Scale(scheme=SEQUENTIAL_SCHEME, domain=[0, top]),
                legend=alt.Legend(
                    format="%", orient="bottom", direction="horizontal", gradientLength=220
                ),
            ),
            tooltip=tooltip,
        )
        .transform_filter("!datum.hidden")
    )
    short = [*tooltip[:2], alt.Tooltip("reason:N", title="Hidden because")]
    grey = base.mark_rect(color=HIDDEN).encode(tooltip=short).transform_filter("datum.hidden")
    grey_text = (
        base.mark_text(fontSize=FONT_SIZE_CELL, color="#222222")
        .encode(text="cell_text:N", tooltip=short)
        .transform_filter("datum.hidden")
    )
    text = (
        base.mark_text(fontSize=FONT_SIZE_CELL)
        .encode(
            text="cell_text:N",
            color=alt.condition("datum.light_text", alt.value("white"), alt.value("#222222")),
            tooltip=tooltip,
        )
        .transform_filter("!datum.hidden")
    )
    return (
        alt.layer(
            rect,
            grey,
            text,
            grey_text,
            title=alt.Title(title, subtitle="Grey: too few comments to show."),
            description=_theme_group_text(df),
        )
        .properties(width=alt.Step(90), height=alt.Step(26))
        .configure_view(strokeWidth=0)
    )


def _theme_group_text(df: pd.DataFrame) -> str:
    head = (
        f"Share of comments per theme for {_plural(df['group'].nunique(), 'group')} × "
        f"{_plural(df['theme'].nunique(), 'theme')}."
    )
    visible = df[~df["hidden"]]
    if visible.empty:
        return f"{head} Every group is hidden{_reason_note(df['reason'])}."
    top = visible.loc[visible["share"].idxmax()]
    n_text = f" of its {top['n']:.0f} comments" if pd.notna(top["n"]) else ""
    text = f"{head} Highest: {top['group']}, '{top['theme_label']}', {top['share']:.0%}{n_text}."
    by_group = df.groupby("group", sort=False)["hidden"].all()
    if by_group.any():
        reasons = df.loc[df["group"].isin(by_group[by_group].index), "reason"]
        text += f" {_plural(int(by_group.sum()), 'group')} hidden{_reason_note(reasons)}."
    return text


def theme_share_by_group_alt_text(table: pd.DataFrame) -> str:
    """Grid size, the highest group × theme share with its n, and how many groups are hidden."""
    if _is_empty(table):
        return "No theme shares by group to show."
    return _theme_group_text(_theme_group_frame(table))


# --------------------------------------------------------------------------- trend

TREND_COLUMNS = ("wave", "group", "construct", "score", "n")


def _trend_frame(waves: pd.DataFrame) -> pd.DataFrame:
    _require(waves, TREND_COLUMNS, "trend")
    df = pd.DataFrame(
        {
            "wave": _text(waves, "wave"),
            "group": _text(waves, "group"),
            "construct": _text(waves, "construct"),
            "construct_label": _construct_labels(waves),
            "score": _num(waves, "score"),
            "n": _num(waves, "n"),
        }
    )
    df["hidden"] = _flag(waves, "suppressed") | df["score"].isna()
    df.loc[df["hidden"], ["score", "n"]] = np.nan
    return df


def trend(waves: pd.DataFrame, *, title: str = "Scores over waves") -> AnyChart:
    """One line per group across waves (in the order given), one panel per construct.

    Hidden points are left out and the line is broken there rather than drawn across.
    """
    if _is_empty(waves):
        return _message_chart(title, "No waves to compare.")
    df = _trend_frame(waves)
    if df["hidden"].all():
        return _message_chart(title, "Every group is hidden in every wave.")
    wave_order = _first_seen(df["wave"])
    encode = {
        "x": alt.X("wave:N", sort=wave_order, title="Wave", axis=alt.Axis(labelAngle=0)),
        "y": alt.Y("score:Q", title="Score (0–100)", scale=alt.Scale(domain=[0, 100])),
        "color": alt.Color("group:N", title="Group", scale=alt.Scale(scheme=CATEGORY_SCHEME)),
    }
    tooltip = [
        alt.Tooltip("wave:N", title="Wave"),
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("construct_label:N", title="Construct"),
        alt.Tooltip("score:Q", title="Score (0–100)", format=".0f"),
        alt.Tooltip("n:Q", title="n (people)", format=".0f"),
    ]
    lines = alt.Chart().mark_line(invalid="break-paths-show-domains").encode(**encode)
    points = (
        alt.Chart()
        .mark_point(filled=True, size=50)
        .encode(**encode, tooltip=tooltip)
        .transform_filter("isValid(datum.score)")
    )
    layered = alt.layer(lines, points, data=df).properties(width=260, height=220)
    description = _trend_text(df, wave_order)
    heading = alt.Title(title, subtitle="Missing points are hidden to protect confidentiality.")
    constructs = _first_seen(df["construct_label"])
    if len(constructs) == 1:
        return layered.properties(
            title=alt.Title(
                f"{title}: {df['construct_label'].iloc[0]}",
                subtitle="Missing points are hidden to protect confidentiality.",
            ),
            description=description,
        )
    return (
        alt.layer(lines, points)
        .properties(width=260, height=220)
        .facet(
            data=df,
            column=alt.Column(
                "construct_label:N", sort=_first_seen(df["construct_label"]), title=None
            ),
            title=heading,
            description=description,
        )
    )


def _trend_text(df: pd.DataFrame, wave_order: list[str]) -> str:
    text = (
        f"Scores over {_plural(len(wave_order), 'wave')} for "
        f"{_plural(df['group'].nunique(), 'group')} × "
        f"{_plural(df['construct'].nunique(), 'construct')}."
    )
    position = {w: i for i, w in enumerate(wave_order)}
    changes = []
    visible = df[~df["hidden"]].assign(at=lambda d: d["wave"].map(position))
    for (group, label), rows in visible.groupby(["group", "construct_label"], sort=False):
        rows = rows.sort_values("at")
        if len(rows) >= 2:
            a, b = rows.iloc[0], rows.iloc[-1]
            changes.append((b["score"] - a["score"], group, label, a, b))
    if changes:
        delta, group, label, a, b = max(changes, key=lambda c: abs(c[0]))
        text += (
            f" Largest change: {group}, {label}, {a['score']:.0f} → {b['score']:.0f} "
            f"({delta:+.0f} points) between {a['wave']} and {b['wave']}."
        )
    hidden = int(df["hidden"].sum())
    if hidden:
        text += f" {_plural(hidden, 'point')} hidden."
    return text


def trend_alt_text(waves: pd.DataFrame) -> str:
    """Waves × groups × constructs and the largest first-to-last change."""
    if _is_empty(waves):
        return "No waves to compare."
    df = _trend_frame(waves)
    if df["hidden"].all():
        return "Every group is hidden in every wave."
    return _trend_text(df, _first_seen(df["wave"]))


# --------------------------------------------------------------------------- sentiment

SENTIMENT_COLUMNS = ("group", "n_comments", "share_negative", "share_neutral", "share_positive")
_SENTIMENTS = (("negative", WORSE), ("neutral", NEUTRAL_ANSWER), ("positive", BETTER))


def _sentiment_frame(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    _require(table, SENTIMENT_COLUMNS, "sentiment by group")
    groups = pd.DataFrame(
        {
            "group": _text(table, "group"),
            "n_comments": _num(table, "n_comments"),
            "negative": _num(table, "share_negative") * 100,
            "neutral": _num(table, "share_neutral") * 100,
            "positive": _num(table, "share_positive") * 100,
        }
    )
    hidden = (
        _flag(table, "suppressed")
        | groups[["negative", "neutral", "positive"]].isna().any(axis=1)
        | (groups["n_comments"].fillna(0) <= 0)
    )
    reason = _reason_note(_text(table, "suppressed_reason")[hidden])
    groups = groups[~hidden].sort_values("negative", ascending=False, kind="stable")
    rows = []
    for g in groups.itertuples(index=False):
        start = -(g.negative + g.neutral / 2)
        for name, _ in _SENTIMENTS:
            width = float(getattr(g, name))
            rows.append(
                {
                    "group": g.group,
                    "sentiment": name,
                    "pct": width,
                    "n_comments": g.n_comments,
                    "x": start,
                    "x2": start + width,
                }
            )
            start += width
    hidden_count = int(hidden.sum())
    note = f"{_plural(hidden_count, 'group')} hidden{reason}." if hidden_count else ""
    return groups.reset_index(drop=True), pd.DataFrame(rows), note


def sentiment_by_group(
    table: pd.DataFrame, *, title: str = "Comment sentiment by group"
) -> AnyChart:
    """Diverging bars of negative / neutral / positive comments, most negative group first."""
    if _is_empty(table):
        return _message_chart(title, "No comment sentiment to show.")
    groups, seg, note = _sentiment_frame(table)
    if groups.empty:
        return _message_chart(title, note or "No comment sentiment to show.")
    subtitle = "Neutral comments are split across the centre line." + (f" {note}" if note else "")
    bars = (
        alt.Chart(seg)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "x:Q",
                title="% of comments, negative ← → positive",
                axis=alt.Axis(labelExpr="abs(datum.value) + '%'"),
            ),
            x2="x2:Q",
            y=alt.Y("group:N", sort=groups["group"].tolist(), title=None),
            color=alt.Color(
                "sentiment:N",
                title="Sentiment",
                scale=alt.Scale(
                    domain=[s for s, _ in _SENTIMENTS], range=[c for _, c in _SENTIMENTS]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("sentiment:N", title="Sentiment"),
                alt.Tooltip("pct:Q", title="% of comments", format=".0f"),
                alt.Tooltip("n_comments:Q", title="n (comments)", format=".0f"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#444444").encode(x="x:Q")
    return alt.layer(
        bars,
        zero,
        title=alt.Title(title, subtitle=subtitle),
        description=_sentiment_text(groups, note),
    ).properties(width=420, height=alt.Step(24))


def _sentiment_text(groups: pd.DataFrame, note: str) -> str:
    top = groups.iloc[0]
    text = (
        f"Comment sentiment for {_plural(len(groups), 'group')}. Most negative: {top['group']}, "
        f"{top['negative']:.0f}% negative of {top['n_comments']:.0f} comments."
    )
    if len(groups) > 1:
        low = groups.iloc[-1]
        text += f" Least negative: {low['group']}, {low['negative']:.0f}%."
    return f"{text} {note}".strip()


def sentiment_by_group_alt_text(table: pd.DataFrame) -> str:
    """The most and least negative group with comment counts, and how many are hidden."""
    if _is_empty(table):
        return "No comment sentiment to show."
    groups, _, note = _sentiment_frame(table)
    if groups.empty:
        return note or "No comment sentiment to show."
    return _sentiment_text(groups, note)

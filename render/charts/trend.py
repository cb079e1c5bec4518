"""Scores over survey waves: one line per group, one panel per construct."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from render.charts import base as shared
from render.formats import BETTER, CATEGORY_SCHEME, WORSE, plural

TREND_COLUMNS = ("wave", "group", "construct", "score", "n")


def _trend_frame(waves: pd.DataFrame) -> pd.DataFrame:
    shared.require(waves, TREND_COLUMNS, "trend")
    df = pd.DataFrame(
        {
            "wave": shared.str_column(waves, "wave"),
            "group": shared.str_column(waves, "group"),
            "construct": shared.str_column(waves, "construct"),
            "construct_label": shared.construct_labels(waves),
            "score": shared.num_column(waves, "score"),
            "n": shared.num_column(waves, "n"),
        }
    )
    df["hidden"] = shared.bool_column(waves, "suppressed") | df["score"].isna()
    df.loc[df["hidden"], ["score", "n"]] = np.nan
    return df


def trend(waves: pd.DataFrame, *, title: str = "Scores over waves") -> shared.AnyChart:
    """One line per group across waves (in the order given), one panel per construct.

    Hidden points are left out and the line is broken there rather than drawn across.
    """
    if shared.is_empty(waves):
        return shared.message_chart(title, "No waves to compare.")
    df = _trend_frame(waves)
    if df["hidden"].all():
        return shared.message_chart(title, "Every group is hidden in every wave.")
    wave_order = shared.first_seen(df["wave"])
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
    constructs = shared.first_seen(df["construct_label"])
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
                "construct_label:N", sort=shared.first_seen(df["construct_label"]), title=None
            ),
            title=heading,
            description=description,
        )
    )


def _trend_text(df: pd.DataFrame, wave_order: list[str]) -> str:
    text = (
        f"Scores over {plural(len(wave_order), 'wave')} for "
        f"{plural(df['group'].nunique(), 'group')} × "
        f"{plural(df['construct'].nunique(), 'construct')}."
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
        text += f" {plural(hidden, 'point')} hidden."
    return text


def trend_alt_text(waves: pd.DataFrame) -> str:
    """Waves × groups × constructs and the largest first-to-last change."""
    if shared.is_empty(waves):
        return "No waves to compare."
    df = _trend_frame(waves)
    if df["hidden"].all():
        return "Every group is hidden in every wave."
    return _trend_text(df, shared.first_seen(df["wave"]))


# --------------------------------------------------------------------------- pilot vs rest

PILOT_COLUMNS = ("construct", "label", "pilot_score", "comparison_score", "estimate", "ci_low")


def _pilot_frame(table: pd.DataFrame) -> pd.DataFrame:
    shared.require(table, PILOT_COLUMNS, "pilot")
    df = table.copy()
    df["hidden"] = shared.bool_column(table, "suppressed") | df["estimate"].isna()
    return df


def pilot_estimates(
    table: pd.DataFrame, *, title: str = "Pilot minus comparison"
) -> shared.AnyChart:
    """Per construct, the pilot-minus-comparison estimate (the difference in differences with
    two waves) and its 95% interval, with a line at 0. Purple when better, orange when worse
    in the construct's direction, grey when the interval includes 0."""
    if shared.is_empty(table):
        return shared.message_chart(title, "No pilot comparison yet.")
    df = _pilot_frame(table)
    df = df[~df["hidden"]].copy()
    if df.empty:
        return shared.message_chart(title, "Every construct is hidden to protect confidentiality.")
    worse_up = df["direction"].astype(str) == "higher_worse"
    good = np.where(worse_up, -df["estimate"], df["estimate"])
    clear = (df["ci_low"] > 0) | (df["ci_high"] < 0)
    df["reading"] = np.where(~clear, "no clear difference", np.where(good > 0, "better", "worse"))
    colour = alt.Color(
        "reading:N",
        title="Pilot is",
        scale=alt.Scale(
            domain=["better", "worse", "no clear difference"],
            range=[BETTER, WORSE, "#888888"],
        ),
    )
    y = alt.Y("label:N", title=None, sort=list(df["label"]))
    tooltip = [
        alt.Tooltip("label:N", title="Construct"),
        alt.Tooltip("estimate:Q", title="Estimate (points)", format="+.1f"),
        alt.Tooltip("ci_low:Q", title="95% CI low", format="+.1f"),
        alt.Tooltip("ci_high:Q", title="95% CI high", format="+.1f"),
        alt.Tooltip("n_pilot:Q", title="n pilot (people)", format=".0f"),
        alt.Tooltip("n_comparison:Q", title="n comparison (people)", format=".0f"),
    ]
    base = alt.Chart(df)
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title="Points on 0–100 (pilot minus comparison)"),
        x2="ci_high:Q",
        y=y,
        color=colour,
    )
    point = base.mark_point(filled=True, size=80).encode(
        x="estimate:Q", y=y, color=colour, tooltip=tooltip
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#444444").encode(x="x:Q")
    return alt.layer(zero, rule, point).properties(
        width=420, height=32 * len(df) + 20, title=title, description=pilot_alt_text(table)
    )


def pilot_alt_text(table: pd.DataFrame) -> str:
    """The constructs where the pilot clearly differs, with the estimate and interval."""
    if shared.is_empty(table):
        return "No pilot comparison yet."
    df = _pilot_frame(table)
    shown = df[~df["hidden"]]
    if shown.empty:
        return "Every construct is hidden to protect confidentiality."
    clear = shown[(shown["ci_low"] > 0) | (shown["ci_high"] < 0)]
    if clear.empty:
        return f"No clear difference on any of {plural(len(shown), 'construct')}."
    parts = [
        f"{r.label} {r.estimate:+.1f} points (95% CI {r.ci_low:+.1f} to {r.ci_high:+.1f})"
        for r in clear.itertuples()
    ]
    return f"Clear differences on {plural(len(clear), 'construct')}: " + "; ".join(parts) + "."


def pilot_before_after(
    table: pd.DataFrame, *, title: str = "Pilot and comparison, before and after"
) -> shared.AnyChart:
    """Pilot and comparison scores before and after (from the difference in differences
    table: after = score, before = score − change), one panel per construct."""
    need = ("pilot_change", "comparison_change")
    if shared.is_empty(table) or any(c not in table.columns for c in need):
        return shared.message_chart(title, "Load a wave from before the pilot to compare.")
    df = _pilot_frame(table)
    df = df[~df["hidden"] & df["pilot_change"].notna()]
    if df.empty:
        return shared.message_chart(title, "Nothing to show: hidden or only one wave.")
    rows = []
    for r in df.itertuples():
        for group, after, change, n in (
            ("Pilot", r.pilot_score, r.pilot_change, r.n_pilot),
            ("Comparison", r.comparison_score, r.comparison_change, r.n_comparison),
        ):
            rows.append({"construct": r.construct, "label": r.label, "group": group,
                         "wave": "Before", "score": after - change, "n": n})  # fmt: skip
            rows.append({"construct": r.construct, "label": r.label, "group": group,
                         "wave": "After", "score": after, "n": n})  # fmt: skip
    long = pd.DataFrame(rows)
    return trend(long, title=title)

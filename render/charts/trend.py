"""Scores over survey waves: one line per group, one panel per construct."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from render.charts import base as shared
from render.formats import CATEGORY_SCHEME, plural

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

"""Comment themes: their size and sentiment, and their share per group."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from render.charts import base as shared
from render.formats import BETTER, HIDDEN, NEUTRAL_ANSWER, SEQUENTIAL_SCHEME, WORSE, percent, plural

THEME_COLUMNS = ("theme", "label", "size", "share", "mean_sentiment")


def _themes_frame(themes: pd.DataFrame) -> pd.DataFrame:
    shared.require(themes, THEME_COLUMNS, "themes")
    df = pd.DataFrame(
        {
            "theme": shared.str_column(themes, "theme"),
            "label": shared.str_column(themes, "label"),
            "size": shared.num_column(themes, "size"),
            "share": shared.num_column(themes, "share"),
            "mean_sentiment": shared.num_column(themes, "mean_sentiment"),
        }
    )
    df["label"] = df["label"].where(df["label"].str.strip() != "", df["theme"])
    df = df[df["size"].fillna(0) > 0]
    return df.sort_values("size", ascending=False, kind="stable").reset_index(drop=True)


def themes_bar(themes: pd.DataFrame, *, title: str = "Comment themes") -> shared.AnyChart:
    """Theme size as a share of comments, coloured by mean sentiment (orange = negative)."""
    if shared.is_empty(themes):
        return shared.message_chart(title, "No comment themes to show.")
    df = _themes_frame(themes)
    if df.empty:
        return shared.message_chart(title, "No comment themes to show.")
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
        f"{plural(len(df), 'comment theme')} covering {df['size'].sum():.0f} comments. "
        f"Largest: '{top['label']}' ({top['size']:.0f} comments, {percent(top['share'])})"
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
    if shared.is_empty(themes):
        return "No comment themes to show."
    df = _themes_frame(themes)
    return _themes_text(df) if len(df) else "No comment themes to show."


THEME_GROUP_COLUMNS = ("theme", "group", "share", "n")


def _theme_group_frame(table: pd.DataFrame) -> pd.DataFrame:
    shared.require(table, THEME_GROUP_COLUMNS, "theme share by group")
    df = pd.DataFrame(
        {
            "theme": shared.str_column(table, "theme"),
            "group": shared.str_column(table, "group"),
            "share": shared.num_column(table, "share"),
            "n": shared.num_column(table, "n"),
        }
    )
    labels = shared.str_column(table, "label") if "label" in table.columns else df["theme"]
    df["theme_label"] = labels.where(labels.str.strip() != "", df["theme"])
    df["reason"] = shared.str_column(table, "suppressed_reason").where(
        shared.bool_column(table, "suppressed"), ""
    )
    df["hidden"] = shared.bool_column(table, "suppressed") | df["share"].isna()
    df.loc[df["hidden"], ["share", "n"]] = np.nan
    df["cell_text"] = np.where(
        df["hidden"], "hidden", df["share"].map(lambda v: percent(v, blank=""))
    )
    return df


def theme_share_by_group(
    table: pd.DataFrame, *, title: str = "Themes by group (share of each group's comments)"
) -> shared.AnyChart:
    """Which groups talk about which theme; groups under the comment threshold are grey."""
    if shared.is_empty(table):
        return shared.message_chart(title, "No theme shares by group to show.")
    df = _theme_group_frame(table)
    visible_max = df["share"].max()
    top = float(visible_max) if pd.notna(visible_max) and visible_max > 0 else 1.0
    df = df.assign(light_text=df["share"] > 0.6 * top)
    base = alt.Chart(df).encode(
        x=alt.X(
            "theme_label:N",
            sort=shared.first_seen(df["theme_label"]),
            title="Theme",
            axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=180, labelOverlap=False),
        ),
        y=alt.Y("group:N", sort=shared.first_seen(df["group"]), title="Group"),
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
        base.mark_text(fontSize=shared.FONT_SIZE_CELL, color="#222222")
        .encode(text="cell_text:N", tooltip=short)
        .transform_filter("datum.hidden")
    )
    text = (
        base.mark_text(fontSize=shared.FONT_SIZE_CELL)
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
        f"Share of comments per theme for {plural(df['group'].nunique(), 'group')} × "
        f"{plural(df['theme'].nunique(), 'theme')}."
    )
    visible = df[~df["hidden"]]
    if visible.empty:
        return f"{head} Every group is hidden{shared.reason_note(df['reason'])}."
    top = visible.loc[visible["share"].idxmax()]
    n_text = f" of its {top['n']:.0f} comments" if pd.notna(top["n"]) else ""
    text = (
        f"{head} Highest: {top['group']}, '{top['theme_label']}', {percent(top['share'])}{n_text}."
    )
    by_group = df.groupby("group", sort=False)["hidden"].all()
    if by_group.any():
        reasons = df.loc[df["group"].isin(by_group[by_group].index), "reason"]
        text += f" {plural(int(by_group.sum()), 'group')} hidden{shared.reason_note(reasons)}."
    return text


def theme_share_by_group_alt_text(table: pd.DataFrame) -> str:
    """Grid size, the highest group × theme share with its n, and how many groups are hidden."""
    if shared.is_empty(table):
        return "No theme shares by group to show."
    return _theme_group_text(_theme_group_frame(table))

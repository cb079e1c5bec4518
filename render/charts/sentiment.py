"""Comment sentiment by group: diverging negative / neutral / positive bars."""

from __future__ import annotations

import altair as alt
import pandas as pd

from render.charts import base as shared
from render.formats import BETTER, NEUTRAL_ANSWER, WORSE, plural

SENTIMENT_COLUMNS = ("group", "n_comments", "share_negative", "share_neutral", "share_positive")
_SENTIMENTS = (("negative", WORSE), ("neutral", NEUTRAL_ANSWER), ("positive", BETTER))


def _sentiment_frame(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    shared.require(table, SENTIMENT_COLUMNS, "sentiment by group")
    groups = pd.DataFrame(
        {
            "group": shared.str_column(table, "group"),
            "n_comments": shared.num_column(table, "n_comments"),
            "negative": shared.num_column(table, "share_negative") * 100,
            "neutral": shared.num_column(table, "share_neutral") * 100,
            "positive": shared.num_column(table, "share_positive") * 100,
        }
    )
    hidden = (
        shared.bool_column(table, "suppressed")
        | groups[["negative", "neutral", "positive"]].isna().any(axis=1)
        | (groups["n_comments"].fillna(0) <= 0)
    )
    reason = shared.reason_note(shared.str_column(table, "suppressed_reason")[hidden])
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
    note = f"{plural(hidden_count, 'group')} hidden{reason}." if hidden_count else ""
    return groups.reset_index(drop=True), pd.DataFrame(rows), note


def sentiment_by_group(
    table: pd.DataFrame, *, title: str = "Comment sentiment by group"
) -> shared.AnyChart:
    """Diverging bars of negative / neutral / positive comments, most negative group first."""
    if shared.is_empty(table):
        return shared.message_chart(title, "No comment sentiment to show.")
    groups, seg, note = _sentiment_frame(table)
    if groups.empty:
        return shared.message_chart(title, note or "No comment sentiment to show.")
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
        f"Comment sentiment for {plural(len(groups), 'group')}. Most negative: {top['group']}, "
        f"{top['negative']:.0f}% negative of {top['n_comments']:.0f} comments."
    )
    if len(groups) > 1:
        low = groups.iloc[-1]
        text += f" Least negative: {low['group']}, {low['negative']:.0f}%."
    return f"{text} {note}".strip()


def sentiment_by_group_alt_text(table: pd.DataFrame) -> str:
    """The most and least negative group with comment counts, and how many are hidden."""
    if shared.is_empty(table):
        return "No comment sentiment to show."
    groups, _, note = _sentiment_frame(table)
    if groups.empty:
        return note or "No comment sentiment to show."
    return _sentiment_text(groups, note)

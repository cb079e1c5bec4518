"""Diverging stacked bars of the answers per item (Likert), N/A shown apart."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from render.charts import base as shared
from render.formats import NOT_APPLICABLE, plural
from render.labels import shorten_questions

LIKERT_COLUMNS = ("item", "label", "order", "is_missing")


def _likert_frames(item_counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Segments for the diverging bars, N/A shares, and answer label -> colour.

    Within an item the K answered categories are ranked low -> high; with K odd the middle one
    is neutral and is split evenly across zero, lower ranks stack leftwards and higher ranks
    rightwards. Percentages are of the people who answered on the scale (N/A excluded); the
    N/A share is of everyone who saw the item. Colour follows the answer scale; % favourable
    counts the low end instead for items flagged ``reverse``.
    """
    shared.require(item_counts, LIKERT_COLUMNS, "Likert")
    if "count" not in item_counts.columns and not {"share", "n"} <= set(item_counts.columns):
        raise ValueError("The Likert chart needs a count column (or share and n) per answer.")
    df = pd.DataFrame(
        {
            "item": shared.str_column(item_counts, "item"),
            "question": shared.str_column(item_counts, "question"),
            "answer": shared.str_column(item_counts, "label"),
            "order": shared.num_column(item_counts, "order"),
            "is_missing": shared.bool_column(item_counts, "is_missing"),
            "reverse": shared.bool_column(item_counts, "reverse"),
        }
    )
    count = shared.num_column(item_counts, "count")
    if count.isna().all():
        count = shared.num_column(item_counts, "share") * shared.num_column(item_counts, "n")
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
            colours.setdefault(answer, shared.palette_at(float(rel)))
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
    """A short unique row label: the statement rated (the question stem shared by a grid's
    items is dropped; :func:`render.labels.stem_caption` says it once), else the item id."""
    labels = shorten_questions(dict(zip(na["item"], na["question"], strict=True)))
    return na["item"].map(labels)


def likert_bars(item_counts: pd.DataFrame, *, title: str = "Answers per item") -> shared.AnyChart:
    """Diverging stacked bars: neutral centred on zero, N/A in its own panel, best item first."""
    if shared.is_empty(item_counts):
        return shared.message_chart(title, "No item answers to show.")
    seg, na, colours = _likert_frames(item_counts)
    if seg.empty:
        return shared.message_chart(title, "No item has answers on its scale to show.")
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
        # alone, the layer must not take the app's autosize "fit": under it a layer with a
        # step height and a fixed width collapses to zero width (issue 23, no bars drawn)
        return main.properties(
            autosize=alt.AutoSizeParams(type="pad", contains="padding"),
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
        f"Diverging bars for {plural(len(scored), 'item')}, sorted by % favourable. "
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
    if shared.is_empty(item_counts):
        return "No item answers to show."
    _, na, _ = _likert_frames(item_counts)
    return _likert_alt_text_from(na)

"""Overview: headline numbers for the whole (filtered) organisation and every item's answers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from render.labels import shorten_questions, stem_caption
from ui import charts, state, views

HEADLINES = (
    ("trust_in_ai", "Trust in AI"),
    ("fear_of_displacement", "Fear of displacement"),
    ("change_readiness", "Readiness"),
)

st.title("Overview")
prep = state.prepared()
if prep is None:
    st.info("Load a survey export on the Load page to see the analysis.")
    st.stop()

res = views.results(prep)
views.scope_caption(res)
if not views.has_scores(prep, res):
    views.no_scores_note()
    st.page_link("app_pages/comments.py", label="Read the comment analysis", icon=":material/chat:")
    st.stop()


def _org_row(concept: str) -> pd.Series | None:
    org = res.org
    if not len(org):
        return None
    match = org[(org["concept"] == concept) | (org["construct"] == concept)]
    return match.iloc[0] if len(match) else None


def _tile(col, title: str, value: str, note: str, help_text: str) -> None:
    with col.container(border=True):
        st.metric(title, value, help=help_text)
        st.caption(note)


cols = st.columns(len(HEADLINES) + 2)
_tile(
    cols[0],
    "Responses",
    f"{res.n:,}",
    "people in this analysis",
    "After filters. Rows dropped on load are listed on the Load page.",
)
for col, (concept, title) in zip(cols[1:], HEADLINES, strict=False):
    row = _org_row(concept)
    if row is None or bool(row.get("suppressed", False)) or pd.isna(row["score"]):
        _tile(col, title, "–", "not measured", "Not measured in this survey, or hidden.")
        continue
    worse = row.get("direction") == "higher_worse"
    word = "agree (more fear)" if worse else "favourable"
    _tile(
        col,
        title,
        f"{row['score']:.0f} / 100",
        f"{row['favorable']:.0f}% {word} · n = {row['n']:,.0f}",
        views.plain(
            f"{row['label']}: mean score on 0-100 (100 = top of the answer scale), "
            f"95% CI {row['ci_low']:.0f} to {row['ci_high']:.0f}."
        ),
    )
enps = res.enps
if len(enps) and not bool(enps.iloc[0]["suppressed"]) and pd.notna(enps.iloc[0]["enps"]):
    e = enps.iloc[0]
    _tile(
        cols[-1],
        "eNPS",
        f"{e['enps']:+.0f}",
        f"{e['promoters']:.0f}% promoters · {e['detractors']:.0f}% detractors · n = {e['n']:,.0f}",
        "Employee Net Promoter Score: % promoters (9–10) minus % detractors (0–6), "
        "from −100 to +100.",
    )
else:
    _tile(cols[-1], "eNPS", "–", "not measured", "No eNPS question in this survey, or hidden.")

st.subheader("All constructs")
if len(res.org):
    table = res.org[["label", "n", "score", "ci_low", "ci_high", "favorable", "unfavorable"]]
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "label": "Construct",
            "n": st.column_config.NumberColumn("n", format="%d"),
            "score": st.column_config.ProgressColumn(
                "Score (0–100)", min_value=0, max_value=100, format="%.0f"
            ),
            "ci_low": st.column_config.NumberColumn("95% CI low", format="%.0f"),
            "ci_high": st.column_config.NumberColumn("95% CI high", format="%.0f"),
            "favorable": st.column_config.NumberColumn("% favourable", format="%.0f%%"),
            "unfavorable": st.column_config.NumberColumn("% unfavourable", format="%.0f%%"),
        },
    )
    st.caption(
        "For fear of displacement, “favourable” counts agreement with the fear statements: "
        "higher means more fear."
    )

st.subheader("Answers per item")
likert = views.likert_table(res, prep)
charts.chart(*charts.figure("likert", res, prep))
if len(likert):
    questions = likert.drop_duplicates("item").set_index("item")["question"].astype(str)
    stems = stem_caption(shorten_questions(questions.to_dict()))
    if stems:
        st.caption(views.plain(stems))

if res.warnings:
    with st.expander(f"Notes on the data ({len(res.warnings)})", icon=":material/info:"):
        for note in res.warnings:
            st.text(note)

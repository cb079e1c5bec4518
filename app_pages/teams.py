"""Teams & roles: groups × constructs heatmap, drill-down into items, trust × fear quadrant."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from render.charts.grid import SELECTION_NAME, column_step
from render.formats import ALPHA
from ui import charts, state, views, wide_chart

st.title("Teams & roles")
prep = state.prepared()
if prep is None:
    st.info("Load a survey export on the Load page to see the analysis.")
    st.stop()

res = views.results(prep)
views.scope_caption(res)
if not views.has_scores(prep, res):
    views.no_scores_note()
    st.stop()
st.caption("Change the grouping (team, role, team × role, demographics) in the sidebar.")

table = views.heatmap_table(res)
if not len(table):
    st.info("This survey has no team, role or demographic column to group by.")
    st.stop()

n_constructs = table["construct"].nunique()
event = wide_chart.grid_chart(
    *charts.figure("heatmap", res, prep),
    n_rows=table["group"].nunique(),
    n_columns=n_constructs,
    column_step=column_step(n_constructs),
    on_select="rerun",
    key=state.StateKeys.HEATMAP,
    selection_mode=SELECTION_NAME,
)
picked = None
selection = getattr(event, "selection", None) or {}
points = selection.get(SELECTION_NAME) or []
if points and isinstance(points[0], dict):
    picked = points[0].get("group")
state.apply_click(picked)

st.subheader("Drill down into a group")
groups = list(dict.fromkeys(table["group"].astype(str)))
all_hidden = table["suppressed"].astype(bool).groupby(table["group"].astype(str)).all()
hidden = set(all_hidden[all_hidden].index)
state.keep_choice(state.DRILL, groups)
group = st.selectbox(
    "Group",
    groups,
    key=state.DRILL,
    format_func=lambda g: f"{g} (hidden)" if g in hidden else g,
    help="Click a row of the heatmap, or pick a group here.",
)
if group in hidden:
    reason = table.loc[table["group"] == group, "suppressed_reason"].iloc[0]
    st.info(views.plain(f"{group} is hidden to protect confidentiality: {reason}."))
elif group is not None and len(res.items):
    items = res.items[res.items["group"].astype(str) == group]
    org = res.org_items.set_index("item")["score"]
    view = pd.DataFrame(
        {
            "Item": items["item"].astype(str),
            "Question": items["question"].astype(str),
            "Construct": items["construct"].astype(str),
            "n": items["n"],
            "Score": items["score"],
            "Organisation": items["item"].map(org),
            "% favourable": items["favorable"],
            "% unfavourable": items["unfavorable"],
        }
    )
    view["Difference"] = view["Score"] - view["Organisation"]
    st.dataframe(
        view,
        hide_index=True,
        column_config={
            "n": st.column_config.NumberColumn(format="%d"),
            "Score": st.column_config.ProgressColumn(
                "Score (0–100)", min_value=0, max_value=100, format="%.0f"
            ),
            "Organisation": st.column_config.NumberColumn("Whole organisation", format="%.0f"),
            "Difference": st.column_config.NumberColumn("vs organisation", format="%+.0f"),
            "% favourable": st.column_config.NumberColumn(format="%.0f%%"),
            "% unfavourable": st.column_config.NumberColumn(format="%.0f%%"),
        },
    )
    st.caption(
        "Item scores on 0–100 after reverse-coding, so for most items higher is better; "
        "for fear of displacement items higher means more fear."
    )

st.subheader("Trust × fear")
if len(res.segments):
    charts.chart(*charts.figure("quadrant", res, prep))
else:
    st.info("The quadrant needs trust-in-AI and fear-of-displacement scores by group.")

with st.expander("What drives the outcomes (key drivers)", icon=":material/insights:"):
    charts.chart(*charts.figure("drivers", res, prep))

with st.expander("Scores table", icon=":material/table:"):
    clear = table["p_adj"].map(
        lambda p: "" if pd.isna(p) else ("yes" if p < ALPHA else "no, could be chance")
    )
    shown = table.assign(
        clear=clear,
        status=table["suppressed_reason"].where(table["suppressed"].astype(bool), "shown"),
    )[["group", "label", "n", "score", "diff_vs_rest", "clear", "status"]]
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "group": "Group",
            "label": "Construct",
            "n": st.column_config.NumberColumn("People", format="%d"),
            "score": st.column_config.NumberColumn("Score (0–100)", format="%.0f"),
            "diff_vs_rest": st.column_config.NumberColumn(
                "Points vs everyone else", format="%+.0f"
            ),
            "clear": st.column_config.TextColumn(
                "Clear difference?",
                help=f"Yes when the gap is unlikely to be chance (Holm-adjusted p below {ALPHA:g}, "
                "counting every cell compared).",
            ),
            "status": "Status",
        },
    )

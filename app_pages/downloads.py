"""Downloads: team summaries (one team or all) and the comments, as spreadsheet-safe CSV."""

from __future__ import annotations

import re

import streamlit as st

from ui import state, views

st.title("Downloads")
prep = state.prepared()
if prep is None:
    st.info("Load a survey export on the Load page to see the analysis.")
    st.stop()

team = prep.colmap.team
by = [team] if team in prep.grouping_columns else list(views.current_by(prep))
res = views.results(prep, by=by)
views.scope_caption(res)
st.caption(
    "Files follow the filters and privacy settings in the sidebar: hidden groups stay hidden "
    "and comments appear only for groups above the comment threshold. Cells that a spreadsheet "
    "could run as a formula are prefixed with a quote."
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:60] or "group"


groups_table = res.groups.drop(columns=["p", "p_fav", "p_fav_adj"], errors="ignore")
group_col = views.group_label_column(res.by)

st.subheader("Team summary")
names = list(dict.fromkeys(groups_table["group"].astype(str))) if len(groups_table) else []
if names:
    which = st.selectbox(group_col, names, help="Scores per construct for one group.")
    one = groups_table[groups_table["group"].astype(str) == which]
    st.download_button(
        "Download summary for this group (CSV)",
        views.safe_csv(one),
        file_name=f"changeradar_{_slug(which)}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    st.download_button(
        "Download summary for all groups (CSV)",
        views.safe_csv(groups_table),
        file_name="changeradar_all_groups.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
else:
    st.info("Map a team column on the Load page to get team summaries.")

st.subheader("Hot spots and comments")
flags = res.flags_table
st.download_button(
    f"Download hot spots (CSV, {len(flags)} rows)",
    views.safe_csv(flags),
    file_name="changeradar_hotspots.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    disabled=not len(flags),
)
comments = res.comments.drop(columns=["compound"], errors="ignore")
st.download_button(
    f"Download comments (CSV, {len(comments)} redacted comments)",
    views.safe_csv(comments),
    file_name="changeradar_comments.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    disabled=not len(comments),
)
